"""GPT training throughput and MFU beside a plain reference GPT of the same shape, and the
device sampler beside the CPU (numba) one, measured in one run.

    python benchmarks/gpu_throughput.py --device cuda --json out.json
    python benchmarks/gpu_throughput.py --device cpu --tiny        # plumbing check (CI)

For each size (``medium``, ``large``) and context (256, 1024), eager and compiled, bf16 autocast
on CUDA: ours is the whole training loop (``regscale.training.loop.train``: data generation,
schedule, clipping, AdamW), its rate the marginal one between a run of 2 steps and a longer one;
the reference is the most direct PyTorch GPT of the same layers, width, heads, context and
vocabulary (SDPA attention, AdamW, clipping, the same autocast and compile) on fixed random
tokens. Printed: tokens/s of both, the ratio (target >= 0.95x), MFU over the device's dense
bf16 peak (:data:`PEAK_BF16_TFLOPS`; model FLOPs 6N + 6 n_layer n_ctx d per token; target >= 40%
for ``large`` at context 1024 compiled) and our data generation's share of step time (target
< 2%). Then symbols/s of the ``walk`` sampler on the device against the CPU (numba) sampler on
a 50-state random DFA. ``--tiny`` shrinks every shape so the whole script runs in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from regscale.automata.random_dfa import RandomDFASpec, random_min_dfa
from regscale.models.registry import SIZES, ModelConfig
from regscale.sources.policies import PolicyConfig

sys.path.insert(0, str(Path(__file__).parent))
from sampler import sampler_symbols_per_s  # a sibling benchmark
from trainer import PEAK_BF16_TFLOPS, RefBlock, ours

VOCAB = 16  # the trainer benchmark's 15-symbol random DFA + SEP


class ShapedGPT(nn.Module):
    """The plain reference GPT at any shape (SDPA attention, tied head)."""

    def __init__(self, layers: int, width: int, heads: int, context: int) -> None:
        super().__init__()
        self.tok, self.pos = nn.Embedding(VOCAB, width), nn.Embedding(context, width)
        self.blocks = nn.Sequential(*(RefBlock(width, heads, sdpa=True) for _ in range(layers)))
        self.ln, self.head = nn.LayerNorm(width), nn.Linear(width, VOCAB, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))
        return self.head(self.ln(self.blocks(x)))


def reference_tokens_per_second(layers: int, width: int, heads: int, context: int, batch: int,
                                steps: int, device: str, compile_: bool) -> float:
    """The reference's tokens/s over ``steps`` steps after 3 warm-up steps."""
    model: nn.Module = ShapedGPT(layers, width, heads, context).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=device.startswith("cuda"))
    step_model = torch.compile(model) if compile_ else model
    data = torch.randint(0, VOCAB, (batch, context + 1), device=device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda"))

    def step() -> None:
        with autocast:
            logits = step_model(data[:, :-1])
            loss = F.cross_entropy(logits.float().reshape(-1, VOCAB), data[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch * context / (time.perf_counter() - start)


def throughput(device: str, tiny: bool, steps: int) -> list[dict[str, Any]]:
    """One row per (size, context, compiled)."""
    name = torch.cuda.get_device_name(device) if device.startswith("cuda") else "cpu"
    peak = next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)
    shapes = ([("nano", 32, 4), ("nano", 64, 4)] if tiny
              else [("medium", 256, 64), ("medium", 1024, 16), ("large", 256, 64),
                    ("large", 1024, 16)])
    rows = []
    for size, context, batch in shapes:
        layers, width, heads = SIZES[size]
        for compile_ in ((False,) if tiny else (False, True)):
            model = ModelConfig(arch="gpt", size=size, context=context)
            summary = ours("gpt", steps, device, size=model, batch=batch,
                           dtype="bfloat16" if device.startswith("cuda") else "float32",
                           compile_=compile_)
            mine = summary["tokens_per_second"]
            theirs = reference_tokens_per_second(layers, width, heads, context, batch, steps,
                                                 device, compile_)
            tflops = mine * summary["flops_per_token"] / 1e12
            mfu = tflops / peak if peak else None
            row = {"size": size, "context": context, "batch": batch, "compiled": compile_,
                   "N": summary["non_embedding_params"], "tokens_per_second": mine,
                   "reference_tokens_per_second": theirs, "ratio": mine / theirs,
                   "tflops": tflops, "mfu": mfu, "peak_tflops": peak,
                   "data_fraction": summary["data_fraction"]}
            rows.append(row)
            mfu_text = f"{100 * mfu:.1f}%" if mfu is not None else "n/a (no known peak)"
            print(f"  GPT {size} ctx {context} batch {batch} compile={compile_}: ours "
                  f"{mine:,.0f} tokens/s, reference {theirs:,.0f} ({mine / theirs:.3f}x, target "
                  f">= 0.95x), {tflops:.1f} TFLOP/s, MFU {mfu_text}, data "
                  f"{100 * summary['data_fraction']:.2f}% of step time (target < 2%)",
                  flush=True)
    return rows


def sampler_rates(device: str, seconds: float) -> dict[str, float]:
    """``walk`` symbols/s on ``device`` and on the CPU (numba) for a 50-state random DFA."""
    dfa = random_min_dfa(RandomDFASpec(states=50, transitions=100, accepting=12,
                                       alphabet_size=3, seed=0))
    config = PolicyConfig(name="walk")
    cpu = sampler_symbols_per_s(dfa, config, "cpu", seconds)
    here = sampler_symbols_per_s(dfa, config, device, seconds)
    print(f"  sampler walk, 50 states: {device} {here / 1e6:,.1f} M symbols/s, cpu (numba) "
          f"{cpu / 1e6:,.1f} M symbols/s ({here / cpu:.1f}x)", flush=True)
    return {"device_symbols_per_s": here, "cpu_symbols_per_s": cpu, "ratio": here / cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--tiny", action="store_true", help="small shapes: a plumbing check")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per measurement")
    parser.add_argument("--sampler-seconds", type=float, default=1.0)
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()
    steps = args.steps or (20 if args.tiny else 30)
    print(f"gpu throughput on {args.device} (torch {torch.__version__}, CUDA "
          f"{torch.version.cuda})", flush=True)
    result: dict[str, Any] = {"device": args.device, "throughput": throughput(
        args.device, args.tiny, steps)}
    result["sampler"] = sampler_rates(args.device, args.sampler_seconds)
    ratios = [r["ratio"] for r in result["throughput"]]
    print(f"  median ratio to the reference {statistics.median(ratios):.3f}x")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
