"""Figures (matplotlib PNGs) and Markdown reports of sweeps and transfer studies, drawn from what
:mod:`regscale.analysis` hands over; nothing here reads run folders or fits."""
