"""`regscale sweep`, `collect`, `fit` and `report` from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.experiments.tiny_sweep import write_tiny


def regscale(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "regscale", *args], capture_output=True,
                          text=True, check=False)


def test_sweep_ends_in_fits_figures_and_a_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = regscale("sweep", str(write_tiny(tmp_path)), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "| language | arch |" in proc.stdout and "report: " in proc.stdout
    figures = sorted((out / "figures").glob("*.png"))
    assert len(figures) == 9  # six law figures, the joint model, learnability, the curves
    assert all(f.read_bytes()[:4] == b"\x89PNG" for f in figures)
    report = (out / "report.md").read_text()
    assert all(f"figures/{f.name}" in report for f in figures)
    for command in ("collect", "fit", "report"):
        again = regscale(command, str(out))
        assert again.returncode == 0, again.stderr
    assert (out / "results.parquet").exists() and (out / "fits" / "laws.csv").exists()


def test_sweep_errors_are_one_line(tmp_path: Path) -> None:
    for args in (["nonexistent"], [str(write_tiny(tmp_path)), "--preset", "huge"]):
        proc = regscale("sweep", *args, "--out", str(tmp_path / "o"))
        assert proc.returncode != 0
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    proc = regscale("fit", str(tmp_path))
    assert proc.returncode != 0 and "no finished runs" in proc.stderr
