"""GPU paths: the torch sampler and filter on CUDA, bf16 training, torch.compile.

Skipped with a reason where no CUDA device is present (CI and the developers' machines); run on
a GPU machine with ``pytest -q tests/test_gpu.py``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from scipy.stats import chisquare

from regscale.automata.regex_to_dfa import min_dfa_from_regex
from regscale.sources.bayes_optimal import BayesFilter
from regscale.sources.policies import PolicyConfig, compile_policy
from regscale.sources.sampler import TokenSampler
from regscale.training.loop import train
from regscale.training.run_config import SystemConfig
from tests.training.helpers import small_run

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs a CUDA GPU; none is present here")

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
