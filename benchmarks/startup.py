"""Start-up time of ``regscale --help`` (target, issue 14) and ``regscale gen --regex 'a*b' -n 5``
(target, issue 24) against ``import torch``, measured in the same run: both under 0.5 s.
Medians of interleaved repeats, each a fresh interpreter.

    python benchmarks/startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_SECONDS = 0.5


def seconds(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    regscale = [sys.executable, "-m", "regscale"]
    cases = {"regscale --help": [*regscale, "--help"],
             "regscale gen -n 5": [*regscale, "gen", "--regex", "a*b", "-n", "5"],
             "import torch": [sys.executable, "-c", "import torch"],
             "python": [sys.executable, "-c", "pass"]}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):  # interleaved, so load on the machine hits all alike
        for name, command in cases.items():
            times[name].append(seconds(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(f"{name:<18} {value:6.3f} s (median of {args.repeats})")
    for name in ("regscale --help", "regscale gen -n 5"):
        ratio = median[name] / median["import torch"]
        verdict = "MEETS" if median[name] < TARGET_SECONDS else "BELOW"
        print(f"{name} / import torch = {ratio:.2f}x; target < {TARGET_SECONDS} s: "
              f"{verdict} TARGET")


if __name__ == "__main__":
    main()
