"""`regscale train` from the command line: summary line, run folder, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def regscale(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "regscale", *args], capture_output=True,
                          text=True, check=False)


def test_train_prints_a_summary_and_fills_the_run_folder(tmp_path: Path) -> None:
    proc = regscale("train", "--language", "a_star_b", "--size", "nano", "--tokens", "2e4",
                    "--eval-every", "5", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("completed: run ")
    (folder,) = tmp_path.iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert isinstance(summary["converged"], bool) and isinstance(summary["late_drop"], bool)
    assert {p.name for p in folder.iterdir()} >= {"config.json", "metrics.jsonl",
                                                  "summary.json", "checkpoint.pt",
                                                  "best_model.pt"}
    assert json.loads((folder / "summary.json").read_text())["status"] == "completed"
    assert "step 5" in proc.stdout and "excess" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--model", "mamba"], "unknown model 'mamba'"),
     (["--size", "huge"], "Invalid value for '--size'"),
     (["--tokens", "lots"], "is not a number"),
     (["--tokens", "1e4", "--batch-size", "0"], "batch_size must be"),
     (["--d-model", "-3"], "sizes must be positive"),
     (["--tokens", "1e4", "--dataset-tokens", "10"], "shorter than one window"),
     (["--device", "cuda"], "no CUDA device")],
)
def test_bad_training_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    if "cuda" in args:
        import torch

        if torch.cuda.is_available():
            pytest.skip("a CUDA device is present")
    proc = regscale("train", "--language", "a_star_b", "--out", str(tmp_path), *args)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_png_draws_the_runs_learning_curves(tmp_path: Path) -> None:
    png = tmp_path / "curves.png"
    proc = regscale("train", "--language", "a_star_b", "--size", "pico", "--tokens", "4e3",
                    "--eval-every", "2", "--quiet", "--out", str(tmp_path / "runs"),
                    "--png", str(png))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {png}" in proc.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
