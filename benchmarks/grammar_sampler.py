"""Sampling a PCFG: the compiled expansion against the plain-Python expansion of the same
grammar, drawing the same tokens, in the same run (target, issue 26: >= 10x).

    python benchmarks/grammar_sampler.py [--tokens 300000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from regscale.sources import xoshiro
from regscale.sources.catalog import load_language_config
from regscale.sources.context_free_language import ContextFreeLanguage
from regscale.sources.grammar_sampler import sample_packed
from regscale.sources.language import build_language

LANGUAGES = ["dyck2", "palindromes", "cfg:nonterminals=6,rules=18,k=4,seed=0"]
TARGET = 10.0


def rate(language: ContextFreeLanguage, tokens: int, compiled: bool) -> tuple[float, np.ndarray]:
    master = xoshiro.seed_state(0)
    start = time.perf_counter()
    out = sample_packed(language.tables, master, tokens, compiled=compiled)
    return len(out) / (time.perf_counter() - start), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=float, default=3e5)
    args = parser.parse_args()
    tokens = int(args.tokens)
    print(f"{'language':<40} {'python tok/s':>14} {'compiled tok/s':>15} {'ratio':>7}  target")
    for name in LANGUAGES:
        language = build_language(load_language_config(name))
        assert isinstance(language, ContextFreeLanguage)
        rate(language, 1000, compiled=True)  # compile (or load the cached kernel) first
        python, a = rate(language, tokens, compiled=False)
        compiled, b = rate(language, tokens, compiled=True)
        assert np.array_equal(a, b), "the two expansions must draw the same tokens"
        ratio = compiled / python
        verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
        print(f"{name:<40} {python:>14,.0f} {compiled:>15,.0f} {ratio:>6.1f}x  >= {TARGET:.0f}x: "
              f"{verdict}")


if __name__ == "__main__":
    main()
