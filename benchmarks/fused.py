"""Fused training against solo training, measured in one run.

    python benchmarks/fused.py                      # 3 archs, pico..tiny, K = 1, 4, 16, 64
    python benchmarks/fused.py --sweep              # also the smoke sweep, fused and --no-fuse
    python benchmarks/fused.py --archs gpt --sizes pico --members 1 8 --steps 40   # a slice
    python benchmarks/fused.py --device cuda --members 1 16 64 256   # members per GPU

Each measurement is the whole training loop (``regscale.training.loop.train_group``: data
generation for every member, schedule, clipping, AdamW) on K runs of one shape that differ in
language seed, data seed and learning rate, as a sweep's runs do; the time is the loop's own
step clock (the runs' ``wall_seconds``, evaluation and checkpoints outside it), so tokens/s is
training throughput. K = 1 is the solo reference. Each K is measured ``--repeats`` times,
interleaved with the others, and its best is kept, so that a shared machine's slow moments do
not fall on one side of a ratio. One thread per process (the executors'
default), so tokens/s is per core. Shapes are the ``cpu`` complexity preset's: context 32,
batch 16, 4-symbol random DFAs. Targets (issue 21), each with a verdict: GPT >= 5x at pico and
nano, >= 2x at micro, >= 1.3x at tiny; LSTM >= 1.5x at pico and nano, never slower at micro and
tiny (where the executors train solo when fusing does not pay).

The best K per (arch, size) is what :data:`regscale.experiments.grouping.FUSED_GROUP_SIZES`
holds for the CPU; ``--calibration`` prints the table this run measured, in that form (solo
where the best K wins less than ``MIN_FUSED_SPEEDUP``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from regscale.experiments.grouping import MIN_FUSED_SPEEDUP
from regscale.models.registry import ModelConfig
from regscale.sources.catalog import load_language_config
from regscale.threads import use_threads
from regscale.training.loop import train_group
from regscale.training.run_config import (
    DataConfig,
    EvalConfig,
    OptimConfig,
    RunConfig,
    SystemConfig,
)

CONTEXT, BATCH = 32, 16
TARGETS = {("gpt", "pico"): 5.0, ("gpt", "nano"): 5.0, ("gpt", "micro"): 2.0,
           ("gpt", "tiny"): 1.3, ("lstm", "pico"): 1.5, ("lstm", "nano"): 1.5,
           ("lstm", "micro"): 1.0, ("lstm", "tiny"): 1.0}
"""Least speedup of the best K over solo (issue 21)."""


def member_config(arch: str, size: str, k: int, steps: int, device: str = "cpu") -> RunConfig:
    """Member ``k`` of a group: its own 16-state DFA, data seed and rate."""
    return RunConfig(
        system=SystemConfig(device=device),
        language=load_language_config(f"dfa:n=16,t=48,f=5,k=4,seed={k}"),
        model=ModelConfig(arch=arch, size=size, context=CONTEXT),
        data=DataConfig(tokens=steps * CONTEXT * BATCH, batch_size=BATCH, seed=k),
        optim=OptimConfig(lr=(1e-3, 3e-3, 1e-2)[k % 3], warmup_steps=10),
        eval=EvalConfig(every_steps=10**6, rows=4, segments=1, samples=0))


def tokens_per_second(arch: str, size: str, members: int, steps: int, root: Path,
                      device: str = "cpu") -> float:
    """Training tokens/s of ``members`` runs trained as one group (one thread)."""
    configs = [member_config(arch, size, k, steps, device) for k in range(members)]
    folder = root / f"{arch}-{size}-{members}"
    summaries = train_group([(c, folder / c.run_id()) for c in configs], progress=False)
    shutil.rmtree(folder)
    if any(s["status"] != "completed" for s in summaries):
        raise RuntimeError(f"{arch} {size} K={members}: a run did not complete")
    return sum(s["tokens"] for s in summaries) / sum(s["wall_seconds"] for s in summaries)


def smoke_sweep(fuse: bool, root: Path) -> float:
    """Wall seconds of ``regscale sweep complexity --preset smoke --workers 2``."""
    out = root / ("fused" if fuse else "solo")
    command = [sys.executable, "-m", "regscale", "sweep", "complexity", "--preset", "smoke",
               "--out", str(out), "--workers", "2", *([] if fuse else ["--no-fuse"])]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    shutil.rmtree(out)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["gpt", "transformer_xl", "lstm"])
    parser.add_argument("--sizes", nargs="+", default=["pico", "nano", "micro", "tiny"])
    parser.add_argument("--members", nargs="+", type=int, default=[1, 4, 16, 64])
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="rough time per measurement (steps are sized from the solo one)")
    parser.add_argument("--steps", type=int, default=None, help="fixed steps per measurement")
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved repeats per K; each K's best is kept")
    parser.add_argument("--sweep", action="store_true", help="also time the smoke sweep")
    parser.add_argument("--calibration", action="store_true",
                        help="print the best K per (arch, size) as FUSED_GROUP_SIZES entries")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (targets are the CPU's)")
    args = parser.parse_args()
    use_threads(1)
    rows = []
    best: dict[tuple[str, str], int] = {}
    print("| arch | size | K | tokens/s per core | x solo | target | verdict |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for arch in args.archs:
            for size in args.sizes:
                probe = tokens_per_second(arch, size, 1, 10, root, args.device)  # sizes them
                step_seconds = CONTEXT * BATCH / probe
                sizes = sorted(set(args.members) | {1})
                steps = {members: args.steps or max(10, int(args.seconds /
                                                           (step_seconds * members)))
                         for members in sizes}
                rates: dict[int, float] = {}
                for _ in range(args.repeats):  # interleaved: a slow moment hits every K alike
                    for members in sizes:
                        rate = tokens_per_second(arch, size, members, steps[members], root,
                                                 args.device)
                        rates[members] = max(rates.get(members, 0.0), rate)
                ratios = {members: rates[members] / rates[1] for members in sizes}
                for members in sizes:
                    rows.append({"arch": arch, "size": size, "members": members,
                                 "tokens_per_second": rates[members],
                                 "ratio": ratios[members], "steps": steps[members]})
                    print(f"| {arch} | {size} | {members} | {rates[members]:,.0f} | "
                          f"{ratios[members]:.2f}x | | |", flush=True)
                k_best = max(ratios, key=lambda k: ratios[k])
                best[(arch, size)] = k_best if ratios[k_best] >= MIN_FUSED_SPEEDUP else 1
                target = TARGETS.get((arch, size))
                achieved = max(ratios.values())
                verdict = "n/a" if target is None else \
                    ("ok" if achieved >= target else "BELOW TARGET")
                wanted = "" if target is None else f">= {target}x"
                print(f"| {arch} | {size} | best {k_best} | | **{achieved:.2f}x** | {wanted} | "
                      f"{verdict} |", flush=True)
        if args.sweep:
            solo_s, fused_s = smoke_sweep(False, root), smoke_sweep(True, root)
            print(f"\nsmoke sweep, --workers 2: --no-fuse {solo_s:.0f} s, fused {fused_s:.0f} s "
                  f"({solo_s / fused_s:.2f}x)")
            rows.append({"smoke_sweep_solo_s": solo_s, "smoke_sweep_fused_s": fused_s})
    if args.calibration:
        print("\nFUSED_GROUP_SIZES entries (cpu, one thread):")
        for (arch, size), k in best.items():
            print(f'    ("cpu", "{arch}", "{size}"): {k},')
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
