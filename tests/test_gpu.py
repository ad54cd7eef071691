"""GPU paths: the torch sampler and filter on CUDA, bf16 training, torch.compile, fused groups
with the fused AdamW, TF32, NCCL under torchrun.

Marked ``gpu`` and skipped with a reason where no CUDA device is present (CI and the
developers' machines); run on a GPU machine with ``pytest -m gpu -q`` (what
``benchmarks/gpu_check.py`` does).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from scipy.stats import chisquare

from regscale.automata.regex_to_dfa import min_dfa_from_regex
from regscale.sources.bayes_optimal import BayesFilter
from regscale.sources.policies import PolicyConfig, compile_policy
from regscale.sources.sampler import TokenSampler
from regscale.training.loop import train, train_group
from regscale.training.run_config import SystemConfig, override
from tests.training.helpers import small_run

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(),
                                 reason="needs a CUDA GPU; none is present here")]

DFA = min_dfa_from_regex("(a|b)*a(a|b){2}c?")


@pytest.mark.parametrize("policy", ["walk", "uniform_length"])
def test_cuda_sampler_draws_the_stationary_token_law(policy: str) -> None:
    pa = compile_policy(DFA, PolicyConfig(name=policy, max_length=9))
    sampler = TokenSampler(pa, "cuda")
    assert sampler.backend == "torch"
    gen = sampler.generator(0)
    tokens, _ = sampler.run(sampler.stationary_states(50_000, gen), 3, gen)
    expected = pa.stationary @ pa.probs
    for column in tokens.T:
        observed = torch.bincount(column, minlength=pa.vocab_size).double().cpu().numpy()
        keep = expected > 0
        assert observed[~keep].sum() == 0
        assert chisquare(observed[keep], expected[keep] * len(column)).pvalue > 1e-4
    again = TokenSampler(pa, "cuda")
    gen2 = again.generator(0)
    assert torch.equal(again.run(again.stationary_states(50_000, gen2), 3, gen2)[0], tokens)


def test_cuda_filter_equals_cpu() -> None:
    pa = compile_policy(DFA, PolicyConfig())
    cpu = TokenSampler(pa)
    gen = cpu.generator(1)
    tokens, _ = cpu.run(cpu.stationary_states(32, gen), 200, gen)
    on_cpu = BayesFilter(pa, DFA).run(tokens)
    on_gpu = BayesFilter(pa, DFA, "cuda").run(tokens.cuda())
    assert torch.allclose(on_cpu.nll_nats, on_gpu.nll_nats.cpu(), atol=1e-12)
    assert torch.equal(on_cpu.valid, on_gpu.valid.cpu())


@pytest.mark.parametrize("compile_", [False, True])
def test_bf16_training_on_cuda_is_near_optimal(tmp_path: Path, compile_: bool) -> None:
    config = small_run(tokens=120_000)
    config = dataclasses.replace(config, system=SystemConfig(device="cuda", dtype="auto",
                                                             compile=compile_))
    summary = train(config, tmp_path / "run", progress=False)
    assert summary["status"] == "completed"
    assert summary["excess_bits"] < 0.05


def test_a_fused_group_on_cuda_trains_each_member_as_alone(tmp_path: Path) -> None:
    """fp32 (TF32 matmuls, as the loop sets on CUDA) and the fused AdamW: a member of a group
    follows its solo run to within TF32's rounding."""
    configs = [override(small_run(language, arch="gpt", size="nano", context=16, every=10,
                                  tokens=16 * 32 * 40),
                        {"system.device": "cuda", "system.dtype": "float32",
                         "data.seed": seed, "optim.lr": lr})
               for language, seed, lr in (("tomita5", 0, 3e-3), ("tomita3", 1, 1e-2),
                                          ("parity", 2, 1e-3))]
    fused = train_group([(c, tmp_path / "fused" / c.run_id()) for c in configs], progress=False)
    assert torch.backends.cuda.matmul.allow_tf32
    for config, summary in zip(configs, fused, strict=True):
        alone = train(config, tmp_path / "alone" / config.run_id(), progress=False)
        assert summary["status"] == alone["status"] == "completed"
        assert summary["group_size"] == 3
        assert summary["loss"] == pytest.approx(alone["loss"], rel=2e-2)


def test_torchrun_on_cuda_trains_over_nccl(tmp_path: Path) -> None:
    """One process under torchrun on CUDA: the process group is NCCL (distributed.py)."""
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "1", "-m",
         "regscale", "train", "--language", "tomita3", "--size", "nano", "--tokens", "2e4",
         "--device", "cuda", "--eval-every", "10", "--quiet", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summaries = list(tmp_path.glob("*/summary.json"))
    assert len(summaries) == 1
