"""Figures (matplotlib PNGs) and the Markdown report of a sweep."""
