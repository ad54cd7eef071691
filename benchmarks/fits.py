"""Chinchilla fit speed on Epoch AI's 240 points (targets, issue 4: point fit < 10 s, 1,000
bootstrap refits < 30 s on this CPU), with the estimates beside the published ones.

    python benchmarks/fits.py [--data tests/data/chinchilla_epoch_svg_extracted.csv]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from regscale.fits.bootstrap import bootstrap, percentile_interval
from regscale.fits.chinchilla import fit_chinchilla

PUBLISHED = {"A": 477.8, "B": 2143.0, "E": 1.8172, "alpha": 0.3473, "beta": 0.3672}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).parents[1] / "tests" / "data" / "chinchilla_epoch_svg_extracted.csv"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    df = pd.read_csv(args.data).sort_values("loss").iloc[:-5]
    n = df["Model Size"].to_numpy()
    d = df["Training FLOP"].to_numpy() / (6 * n)
    loss = df["loss"].to_numpy()
    start = time.perf_counter()
    fit = fit_chinchilla(n, d, loss)
    point = time.perf_counter() - start
    print(f"point fit on {len(loss)} points: {point:.2f} s (target < 10 s: "
          f"{'ok' if point < 10 else 'SLOW'})")
    for key, value in PUBLISHED.items():
        print(f"  {key:<6} {getattr(fit, key):10.4f}   published optimum {value}")
    start = time.perf_counter()
    fits = bootstrap(lambda w: fit_chinchilla(n, d, loss, weights=w, start=fit, n_starts=0),
                     len(loss), resamples=args.resamples, seed=0)
    boot = time.perf_counter() - start
    print(f"bootstrap, {args.resamples} refits: {boot:.1f} s (target < 30 s: "
          f"{'ok' if boot < 30 else 'SLOW'})")
    for key in PUBLISHED:
        lo, hi = percentile_interval(np.array([getattr(f, key) for f in fits]))
        print(f"  {key:<6} 95% interval {lo:10.4f} .. {hi:10.4f}")


if __name__ == "__main__":
    main()
