"""DDP under a real torchrun with 2 CPU processes (gloo) follows the single-process loss curve."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from regscale.store import RunFolder

TRAIN = ["-m", "regscale", "train", "--language", "tomita3", "--size", "micro", "--context", "32",
         "--batch-size", "16", "--tokens", "2e4", "--eval-every", "8", "--device", "cpu",
         "--quiet"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_gloo_processes_match_one_process(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    single = subprocess.run([sys.executable, *TRAIN, "--out", str(tmp_path / "one")],
                            capture_output=True, text=True, env=env, check=False)
    assert single.returncode == 0, single.stderr
    ddp = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_addr", "127.0.0.1", "--master_port", str(free_port()), *TRAIN,
         "--out", str(tmp_path / "two")],
        capture_output=True, text=True, env=env, check=False, timeout=300)
    if ddp.returncode != 0 and "gloo" in ddp.stderr.lower() and "unavailable" in ddp.stderr:
        pytest.skip("this torch build has no gloo backend")
    assert ddp.returncode == 0, ddp.stderr[-2000:]
    one = RunFolder(next((tmp_path / "one").iterdir())).read_metrics()
    two = RunFolder(next((tmp_path / "two").iterdir())).read_metrics()
    assert [r["step"] for r in one] == [r["step"] for r in two]
    for a, b in zip(one, two, strict=True):
        assert b["train_loss"] == pytest.approx(a["train_loss"], abs=2e-4)
        assert b["loss"] == pytest.approx(a["loss"], abs=2e-4)


def test_a_nan_evaluation_on_rank_0_stops_every_rank(tmp_path: Path) -> None:
    """Rank 0 alone evaluates; when its loss is NaN every rank must stop, not wait forever."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "REGSCALE_DDP_TIMEOUT": "60"}
    good = subprocess.run([sys.executable, *TRAIN, "--tokens", "2e3", "--out",
                           str(tmp_path / "good")], capture_output=True, text=True, env=env,
                          check=False)
    assert good.returncode == 0, good.stderr
    weights = torch.load(next((tmp_path / "good").iterdir()) / "best_model.pt",
                         weights_only=True)
    weights["model"] = {k: torch.full_like(v, math.nan) for k, v in weights["model"].items()}
    torch.save(weights, tmp_path / "nan.pt")
    try:
        ddp = subprocess.run(
            [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
             "--master_addr", "127.0.0.1", "--master_port", str(free_port()), *TRAIN,
             "--init-from", str(tmp_path / "nan.pt"), "--out", str(tmp_path / "two")],
            capture_output=True, text=True, env=env, check=False, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the ranks hung after rank 0 saw a NaN evaluation")
    assert ddp.returncode != 0 and ddp.stderr.count("diverged") >= 2  # both ranks say so
    assert "[rank0]: Traceback" not in ddp.stderr, ddp.stderr[-2000:]
    assert "[rank1]: Traceback" not in ddp.stderr, ddp.stderr[-2000:]
    summary = RunFolder(next((tmp_path / "two").iterdir())).read_summary()
    assert summary is not None and summary["status"] == "diverged"
