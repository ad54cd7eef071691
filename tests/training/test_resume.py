"""A run killed with SIGKILL resumes exactly: same metrics as an uninterrupted run, on a regular
language and on a context-free one (whose streams carry their lanes' pending tokens)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from regscale.store import RunFolder

ARGS = ["-m", "regscale", "train", "--size", "micro", "--context", "32",
        "--tokens", "1.6e5", "--eval-every", "10", "--seed", "3", "--quiet"]
DETERMINISTIC = ("step", "tokens", "loss", "loss_se", "optimal_loss", "excess_se",
                 "train_loss", "accuracy", "valid_mass")


def run(out: Path, language: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *ARGS, "--language", language, "--out", str(out),
                           *extra],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


@pytest.mark.parametrize("language", ["tomita3", "dyck2"])
def test_kill_then_resume_matches_an_uninterrupted_run(tmp_path: Path, language: str) -> None:
    killed_out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, *ARGS, "--language", language, "--out",
                             str(killed_out)],
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    folder = None
    while time.time() < deadline:
        runs = list(killed_out.glob("*/metrics.jsonl"))
        if runs and len(RunFolder(runs[0].parent).read_metrics()) >= 3:
            folder = RunFolder(runs[0].parent)
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert folder is not None, "the run never reached its third evaluation"
    assert not folder.is_finished(), "the run finished before it could be killed"
    checkpoint_step = folder.load_checkpoint(folder.path.name).step
    assert checkpoint_step > 0
    before = [r for r in folder.read_metrics() if r["step"] <= checkpoint_step]
    resumed = run(killed_out, language, "--resume")
    assert "completed" in resumed.stdout
    # it resumed rather than started over: the rows up to the checkpoint are the ones written
    # before the kill, wall time and all (a restart from step 0 rewrites them with new times)
    kept = [r for r in folder.read_metrics() if r["step"] <= checkpoint_step]
    assert kept == before and len(kept) >= 2  # the third row's checkpoint may not be written
    run(tmp_path / "straight", language)
    straight = RunFolder(next((tmp_path / "straight").iterdir()))
    assert folder.path.name == straight.path.name  # same config, same run id
    a, b = folder.read_metrics(), straight.read_metrics()
    assert [r["step"] for r in a] == [r["step"] for r in b]
    for row_a, row_b in zip(a, b, strict=True):
        for key in DETERMINISTIC:
            assert row_a[key] == row_b[key], (key, row_a["step"])
    summary_a, summary_b = folder.read_summary(), straight.read_summary()
    assert summary_a is not None and summary_b is not None
    assert summary_a["loss"] == summary_b["loss"]
    assert summary_a["acceptance"] == summary_b["acceptance"]  # the best model's, seeded
