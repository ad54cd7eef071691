"""Sweeps: every run once, finished runs untouched, a killed sweep resumes, bad files fail."""

from __future__ import annotations

import itertools
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from regscale.analysis.collect import collect_runs
from regscale.errors import ConfigError, UnknownNameError
from regscale.experiments.runner import run_configs
from regscale.experiments.study_file import study_names
from regscale.experiments.sweep import run_sweep
from regscale.experiments.sweep_config import load_sweep
from regscale.sources.catalog import load_language_config
from regscale.store import RunFolder, StudyFolder
from regscale.training.run_config import RunConfig
from tests.experiments.tiny_sweep import TINY, write_tiny


def quiet(_: str) -> None:
    pass


def test_shipped_sweeps_load_with_their_presets() -> None:
    assert {"complexity", "size", "data"} <= set(study_names())
    for name in ("complexity", "size", "data"):
        for preset in (None, "smoke", "gpu"):
            sweep = load_sweep(name, preset=preset)
            runs = sweep.run_configs()
            # the grid is the product of its axes, each point once
            names = [load_language_config(n).name for n in sweep.languages]
            grid = set(itertools.product(names, sweep.archs, sweep.sizes, sweep.tokens,
                                         sweep.dataset_tokens or (None,), sweep.seeds))
            points = [(r.language.name, r.model.arch, r.model.size, r.data.tokens,
                       r.data.dataset_tokens, r.data.seed) for r in runs]
            assert len(points) == len(set(points)) == len(grid) and set(points) == grid
            assert len({r.run_id() for r in runs}) == len(runs), (name, preset)


def test_runs_once_and_finished_runs_are_untouched(tmp_path: Path) -> None:
    sweep = load_sweep(str(write_tiny(tmp_path)))
    summaries = run_sweep(sweep, tmp_path / "out", log=quiet)
    assert len(summaries) == 8 and all(s["status"] == "completed" for s in summaries)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").glob("runs/*/summary.json")}
    again = run_sweep(sweep, tmp_path / "out", log=quiet)
    assert [s["run_id"] for s in again] == [s["run_id"] for s in summaries]
    assert stamps == {p: p.stat().st_mtime_ns
                      for p in (tmp_path / "out").glob("runs/*/summary.json")}
    table = collect_runs(StudyFolder(tmp_path / "out"))
    path = StudyFolder(tmp_path / "out").write_results(table)
    loaded = pd.read_parquet(path)
    assert len(loaded) == 8 and loaded["run_id"].is_unique
    assert {"loss", "optimal_loss", "flops", "complexity_states"} <= set(loaded.columns)


def test_sigkill_mid_sweep_then_rerun_completes_every_run_once(tmp_path: Path) -> None:
    path = write_tiny(tmp_path, TINY.replace("tokens = [2048, 6144]", "tokens = [8192, 16384]"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "regscale", "sweep", str(path), "--out", str(out),
               "--no-report"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.time() + 180
    while time.time() < deadline and len(list(out.glob("runs/*/summary.json"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p: p.read_bytes() for p in out.glob("runs/*/summary.json")}
    assert 2 <= len(finished) < 8, "the sweep must be killed part-way"
    rerun = subprocess.run(command, capture_output=True, text=True, check=True)
    assert f"{len(finished)} finished" in rerun.stdout
    summaries = list(out.glob("runs/*/summary.json"))
    assert len(summaries) == 8
    assert all(p.read_bytes() == data for p, data in finished.items())
    for folder in (out / "runs").iterdir():
        steps = [r["step"] for r in RunFolder(folder).read_metrics()]
        assert steps == sorted(set(steps)), "no metric line may be duplicated or lost"


def test_a_diverged_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    runs = load_sweep(str(write_tiny(tmp_path)), preset="one").run_configs()
    good = run_configs(runs, StudyFolder(tmp_path / "pre"), log=quiet)[0]
    weights = torch.load(tmp_path / "pre" / "runs" / good["run_id"] / "best_model.pt",
                         weights_only=True)
    weights["model"] = {k: torch.full_like(v, math.nan) for k, v in weights["model"].items()}
    torch.save(weights, tmp_path / "nan.pt")
    broken = RunConfig(**{**runs[0].__dict__, "init_from": str(tmp_path / "nan.pt")})
    other = RunConfig(**{**runs[0].__dict__, "system": runs[0].system.__class__(seed=1)})
    messages: list[str] = []
    summaries = run_configs([broken, other], StudyFolder(tmp_path / "out"),
                            log=messages.append)
    assert [s["status"] for s in summaries] == ["diverged", "completed"]
    assert any("diverged" in m for m in messages)


def test_bad_sweeps_fail_before_any_run(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="no preset"):
        load_sweep(str(write_tiny(tmp_path)), preset="huge")
    with pytest.raises(UnknownNameError, match="unknown experiment"):
        load_sweep("nonexistent")
    with pytest.raises(ConfigError, match="unknown key"):
        load_sweep(str(write_tiny(tmp_path, TINY + "\nbogus = 1\n")))
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_sweep(str(write_tiny(tmp_path, "languages = [")))
    bad = load_sweep(str(write_tiny(tmp_path, TINY.replace('"a_star_b", ', '"nope", '))))
    with pytest.raises(UnknownNameError, match="unknown language 'nope'"):
        run_sweep(bad, tmp_path / "out", log=quiet)
    assert not (tmp_path / "out" / "runs").exists()
