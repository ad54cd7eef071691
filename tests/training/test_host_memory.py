"""Raised malloc thresholds let a fused step reuse warm pages (real glibc, real training step)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from regscale.training.host_memory import keep_freed_memory

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="needs glibc's malloc (Linux)")

STEPS = """
import contextlib, resource, sys, torch
from regscale.models.registry import ModelConfig, build_model, fused_form
from regscale.training.host_memory import keep_freed_memory
from regscale.training.model_group import FusedGroup
from regscale.training.run_config import OptimConfig
torch.set_num_threads(1)
if sys.argv[1] == "keep":
    assert keep_freed_memory()
solos = [build_model(ModelConfig(arch="gpt", size="pico", context=32), 5) for _ in range(16)]
group = FusedGroup(solos, fused_form(solos[0]), OptimConfig(lr=1e-3), torch.device("cpu"))
batches = [torch.randint(0, 5, (16, 33)) for _ in solos]
for _ in range(3):
    group.train_step(batches, [1e-3] * 16, contextlib.nullcontext())
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    group.train_step(batches, [1e-3] * 16, contextlib.nullcontext())
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
"""


def faults_per_step(mode: str) -> float:
    """Minor page faults per training step of a fused group of 16 GPT picos."""
    done = subprocess.run([sys.executable, "-c", STEPS, mode], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.split()[-1])


def test_a_fused_step_reuses_pages_instead_of_faulting_them_in() -> None:
    default, kept = faults_per_step("default"), faults_per_step("keep")
    assert default > 200  # glibc gives the step's megabyte tensors back and faults them in
    assert kept < default / 10


def test_is_idempotent() -> None:
    assert keep_freed_memory() and keep_freed_memory()
