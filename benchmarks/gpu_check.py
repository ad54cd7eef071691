"""Everything a GPU machine should answer, in one call under 9 minutes: one JSON, one table.

    python benchmarks/gpu_check.py --out "$OUT"                    # on the GPU machine
    python benchmarks/gpu_check.py --device cpu --tiny --out /tmp/check   # dry run (CI)

Parts, each in its own process with its own time limit (the script goes on when one fails or
runs out of time, and the whole stays within ``--budget`` seconds):

1. ``environment``: device, torch, CUDA and cuDNN versions, compute capability, memory;
2. ``gpu tests``: ``pytest -m gpu -q`` (CUDA sampler and filter, bf16, compile, fused groups
   with the fused AdamW and TF32, NCCL under torchrun);
3. ``train``, ``sweep fused``, ``sweep solo`` and ``score``: a CUDA smoke of each command (a
   two-size sweep written here, fused and with ``--no-fuse``; ``score`` of a small Hugging Face
   GPT-2 built here);
4. ``throughput``: ``benchmarks/gpu_throughput.py``: GPT medium and large at context 256 and
   1024, eager and compiled, bf16, beside a plain reference GPT of the same shape: tokens/s,
   MFU over the card's dense bf16 peak, ratio, data time; the device sampler against numba;
5. ``fused groups``: ``benchmarks/fused.py`` on the device, pico..tiny, K = 1, 16, 64, 256:
   members per GPU and speedup over solo.

Writes ``gpu_check.json`` (every part: command, status, seconds, output tail, parsed numbers)
and ``gpu_check.md`` (one table of parts, then the throughput and fused tables) under ``--out``.
``--tiny`` shrinks every part so the plumbing runs on a CPU in about a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TAIL = 4000
"""Characters of each part's output kept in the JSON."""

SWEEP = """description = "gpu_check smoke: two GPT sizes, two budgets"
languages = ["tomita3"]
archs = ["gpt"]
sizes = ["pico", "nano"]
tokens = [{small}, {large}]
context = 16
batch_size = 16
eval_every = 20
eval_rows = 32
eval_samples = 4
"""



def score_smoke(device: str, folder: Path) -> int:
    """Build a small random Hugging Face GPT-2 over tomita3's 3 tokens and score it on
    ``device`` with ``regscale score``; its exit code."""
    import transformers

    config = transformers.GPT2Config(vocab_size=3, n_positions=64, n_embd=32, n_layer=2,
                                     n_head=2, bos_token_id=0, eos_token_id=0)
    transformers.GPT2LMHeadModel(config).save_pretrained(folder)
    return subprocess.run([sys.executable, "-m", "regscale", "score", "--language", "tomita3",
                           "--hf", str(folder), "--token-map", "identity", "--device", device,
                           "--rows", "8", "--samples", "4", "--json"], cwd=ROOT).returncode


@dataclass
class Part:
    """One part: a command (or the environment), its limit, and what it gave."""

    name: str
    command: list[str]
    limit: float
    json_file: Path | None = None
    status: str = "not run"
    seconds: float = 0.0
    output: str = ""
    numbers: Any = None
    notes: list[str] = field(default_factory=list)


def environment(device: str) -> dict[str, Any]:
    """Device, versions and memory (in this process: cheap, and the others need it)."""
    import torch

    info: dict[str, Any] = {"device": device, "torch": torch.__version__,
                            "cuda": torch.version.cuda, "python": sys.version.split()[0],
                            "cuda_available": torch.cuda.is_available()}
    if device.startswith("cuda") and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(device)
        info.update(name=props.name, capability=f"{props.major}.{props.minor}",
                    memory_gib=round(props.total_memory / 2**30, 1),
                    cudnn=torch.backends.cudnn.version(), count=torch.cuda.device_count())
    return info


def parts(device: str, tiny: bool, out: Path) -> list[Part]:
    """The parts in order, with their limits (seconds)."""
    py, cli = sys.executable, [sys.executable, "-m", "regscale"]
    smoke = out / "smoke"
    sweep_file = smoke / "gpu_check_sweep.toml"
    sizes = ["pico"] if tiny else ["pico", "nano", "micro", "tiny"]
    members = ["1", "4"] if tiny else ["1", "16", "64", "256"]
    return [
        Part("gpu tests", [py, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "test_gpu.py")], 150),
        Part("train", [*cli, "train", "--language", "tomita3", "--size", "nano", "--tokens",
                       "1e4" if tiny else "2e5", "--device", device, "--eval-every", "20",
                       "--quiet", "--out", str(smoke / "train")], 45),
        Part("sweep fused", [*cli, "sweep", str(sweep_file), "--device", device, "--workers",
                             "1", "--no-report", "--out", str(smoke / "sweep_fused")], 60),
        Part("sweep solo", [*cli, "sweep", str(sweep_file), "--device", device, "--workers",
                            "1", "--no-fuse", "--no-report", "--out",
                            str(smoke / "sweep_solo")], 60),
        Part("score", [py, str(Path(__file__).resolve()), "--score-smoke", device,
                       str(smoke / "hf_gpt2")], 40),
        Part("throughput", [py, str(HERE / "gpu_throughput.py"), "--device", device,
                            *(["--tiny", "--sampler-seconds", "0.3"] if tiny else []),
                            "--json", str(out / "throughput.json")], 150,
             json_file=out / "throughput.json"),
        Part("fused groups", [py, str(HERE / "fused.py"), "--device", device, "--archs", "gpt",
                              "lstm", "--sizes", *sizes, "--members", *members,
                              *(["--steps", "4"] if tiny else ["--seconds", "2"]),
                              "--json", str(out / "fused.json")], 120,
             json_file=out / "fused.json"),
    ]


def run_part(part: Part, limit: float) -> None:
    """Run one part within ``limit`` seconds; record what happened."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(part.command, capture_output=True, text=True, timeout=limit,
                              cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        part.status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
        part.output = (proc.stdout + proc.stderr)[-TAIL:]
    except subprocess.TimeoutExpired as exc:
        part.status = f"timed out after {limit:.0f} s"
        text = (exc.stdout or b"") + (exc.stderr or b"")
        part.output = (text.decode(errors="replace") if isinstance(text, bytes)
                       else str(text))[-TAIL:]
    part.seconds = time.perf_counter() - start
    if part.json_file is not None and part.json_file.is_file():
        part.numbers = json.loads(part.json_file.read_text())


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[-1][:100] if lines else "").replace("|", "/")


def markdown(env: dict[str, Any], done: list[Part]) -> str:
    """The Markdown report: parts, then throughput and fused groups where measured."""
    lines = ["# GPU check", "", ", ".join(f"{k}: {v}" for k, v in env.items()), "",
             "| part | status | seconds | last line of its output |", "|---|---|---|---|"]
    lines += [f"| {p.name} | {p.status} | {p.seconds:.0f} | {_last_line(p.output)} |"
              for p in done]
    numbers = {p.name: p.numbers for p in done if p.numbers}
    if "throughput" in numbers:
        lines += ["", "## Throughput (bf16 on CUDA)", "",
                  "| size | context | batch | compiled | ours tokens/s | reference tokens/s | "
                  "ratio | TFLOP/s | MFU | data share |", "|" + "---|" * 10]
        for r in numbers["throughput"]["throughput"]:
            mfu = "n/a" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"
            lines.append(f"| {r['size']} | {r['context']} | {r['batch']} | {r['compiled']} | "
                         f"{r['tokens_per_second']:,.0f} | "
                         f"{r['reference_tokens_per_second']:,.0f} | {r['ratio']:.3f} | "
                         f"{r['tflops']:.1f} | {mfu} | {100 * r['data_fraction']:.2f}% |")
        s = numbers["throughput"]["sampler"]
        lines += ["", f"Sampler (walk, 50 states): device {s['device_symbols_per_s']:,.0f} "
                  f"symbols/s, numba {s['cpu_symbols_per_s']:,.0f} ({s['ratio']:.1f}x)"]
    if "fused groups" in numbers:
        lines += ["", "## Fused groups", "", "| arch | size | K | tokens/s | x solo |",
                  "|---|---|---|---|---|"]
        lines += [f"| {r['arch']} | {r['size']} | {r['members']} | "
                  f"{r['tokens_per_second']:,.0f} | {r['ratio']:.2f} |"
                  for r in numbers["fused groups"] if "arch" in r]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--tiny", action="store_true", help="small parts: a plumbing check")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu_check")))
    parser.add_argument("--budget", type=float, default=530.0,
                        help="seconds for the whole check (each part gets at most what is left)")
    parser.add_argument("--only", nargs="+", default=None, help="run only these parts")
    parser.add_argument("--score-smoke", nargs=2, metavar=("DEVICE", "FOLDER"),
                        help=argparse.SUPPRESS)  # the score part runs itself this way
    args = parser.parse_args()
    if args.score_smoke:
        sys.exit(score_smoke(args.score_smoke[0], Path(args.score_smoke[1])))
    start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "smoke").mkdir(exist_ok=True)
    small, large = ("3e3", "6e3") if args.tiny else ("2e4", "6e4")
    (args.out / "smoke" / "gpu_check_sweep.toml").write_text(SWEEP.format(small=small,
                                                                          large=large))
    env = environment(args.device)
    print(f"environment: {env}", flush=True)
    done = []
    for part in parts(args.device, args.tiny, args.out):
        if args.only and part.name not in args.only:
            continue
        left = args.budget - (time.perf_counter() - start)
        if left < 5:
            part.status = "skipped: out of time"
        else:
            run_part(part, min(part.limit, left))
        done.append(part)
        print(f"{part.name}: {part.status} ({part.seconds:.0f} s)", flush=True)
        (args.out / "gpu_check.json").write_text(json.dumps(
            {"environment": env, "parts": [vars(p) | {"json_file": str(p.json_file)}
                                           for p in done]}, indent=2, default=str))
        (args.out / "gpu_check.md").write_text(markdown(env, done))
    failed = [p.name for p in done if p.status != "ok"]
    print(f"gpu check: {len(done) - len(failed)} of {len(done)} parts ok"
          + (f"; not ok: {', '.join(failed)}" if failed else "")
          + f"; {time.perf_counter() - start:.0f} s; {args.out / 'gpu_check.md'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
