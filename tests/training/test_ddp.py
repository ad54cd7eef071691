"""DDP under a real torchrun with 2 CPU processes (gloo) follows the single-process loss curve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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
