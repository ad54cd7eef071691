"""The GPU check's plumbing, dry-run on the CPU: every part runs in its own process, the JSON and
the Markdown table come out, and a failing part is recorded while the others go on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "gpu_check.py"
PARTS = ["gpu tests", "train", "sweep fused", "sweep solo", "score", "throughput",
         "fused groups"]


@pytest.mark.slow
def test_the_dry_run_writes_every_part(tmp_path: Path) -> None:
    pytest.importorskip("transformers", reason="the score part needs the hf extra")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", "--tiny", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    assert [p["name"] for p in report["parts"]] == PARTS
    assert all(p["status"] == "ok" for p in report["parts"])
    assert report["environment"]["device"] == "cpu"
    numbers = {p["name"]: p["numbers"] for p in report["parts"]}
    rows = numbers["throughput"]["throughput"]
    assert rows and all(r["tokens_per_second"] > 0 and r["reference_tokens_per_second"] > 0
                        for r in rows)
    assert numbers["throughput"]["sampler"]["cpu_symbols_per_s"] > 0
    assert {r["members"] for r in numbers["fused groups"] if "members" in r} == {1, 4}
    table = (tmp_path / "gpu_check.md").read_text()
    for name in PARTS:
        assert f"| {name} | ok |" in table
    assert "## Throughput" in table and "## Fused groups" in table
    assert "skipped" in table  # the GPU tests skip here and the table says so


def test_a_failing_part_is_recorded_and_the_check_fails(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--device", "cuda:7", "--tiny",
                           "--only", "train", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    part, = json.loads((tmp_path / "gpu_check.json").read_text())["parts"]
    assert part["name"] == "train" and part["status"].startswith("failed")
    assert "0 of 1 parts ok; not ok: train" in proc.stdout
