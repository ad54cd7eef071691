"""Markdown tables for reports and the command line."""

from __future__ import annotations

import math

import pandas as pd


def markdown_table(frame: pd.DataFrame, columns: tuple[str, ...] | None = None) -> str:
    """A GitHub-flavoured Markdown table (numbers to 3 significant digits)."""
    cols = [c for c in (columns or tuple(frame.columns)) if c in frame]
    lines = ["| " + " | ".join(c.removeprefix("complexity_") for c in cols) + " |",
             "|" + "---|" * len(cols)]
    for row in frame[cols].itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3g}"
    return str(value)
