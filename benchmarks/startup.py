"""Start-up time of ``regscale --help`` against ``import torch``, measured in the same run
(target, issue 14: under 0.5 s). Medians of interleaved repeats, each a fresh interpreter.

    python benchmarks/startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def seconds(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    cases = {"regscale --help": [sys.executable, "-m", "regscale", "--help"],
             "import torch": [sys.executable, "-c", "import torch"],
             "python": [sys.executable, "-c", "pass"]}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):  # interleaved, so load on the machine hits all alike
        for name, command in cases.items():
            times[name].append(seconds(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(f"{name:<16} {value:6.3f} s (median of {args.repeats})")
    ratio = median["regscale --help"] / median["import torch"]
    verdict = "MEETS" if median["regscale --help"] < 0.5 else "BELOW"
    print(f"regscale --help / import torch = {ratio:.2f}x; target < 0.5 s: {verdict} TARGET")


if __name__ == "__main__":
    main()
