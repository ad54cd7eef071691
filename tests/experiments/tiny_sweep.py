"""A sweep file small enough to run in seconds."""

from __future__ import annotations

from pathlib import Path

TINY = """
description = "two languages x two sizes x two budgets"
languages = ["a_star_b", "dfa:n=4,t=7,f=2,k=2,seed=0"]
archs = ["gpt"]
sizes = ["nano", "micro"]
tokens = [2048, 6144]
context = 16
batch_size = 16
eval_every = 4
eval_rows = 8
eval_samples = 4
[presets.one]
languages = ["a_star_b"]
sizes = ["nano"]
tokens = [2048]
"""


def write_tiny(folder: Path, text: str = TINY) -> Path:
    path = folder / "tiny.toml"
    path.write_text(text)
    return path
