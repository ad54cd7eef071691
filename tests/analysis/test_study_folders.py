"""Collecting study folders: the record decides which runs belong to a study, and folders made
by earlier versions (tests/data/legacy, written by the code before the store existed) still
collect and fit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from regscale.analysis.collect import collect_runs
from regscale.analysis.sweep import analyse_sweep
from regscale.analysis.transfer import analyse_transfer
from regscale.experiments.sweep import run_sweep
from regscale.experiments.sweep_config import load_sweep
from regscale.store import StudyFolder
from tests.experiments.tiny_sweep import write_tiny

LEGACY = Path(__file__).parent.parent / "data" / "legacy"


def copy_legacy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(LEGACY / name, tmp_path / name))


def test_two_sweeps_into_one_folder_are_reported_apart(tmp_path: Path) -> None:
    path = write_tiny(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep(str(path)), out, log=lambda _: None)
    assert len(collect_runs(StudyFolder(out))) == 8
    run_sweep(load_sweep(str(path), preset="one", run={"optim.lr": 1e-3}), out,
              log=lambda _: None)
    assert len(list((out / "runs").iterdir())) == 9  # the first sweep's runs stay on disk
    table = collect_runs(StudyFolder(out))
    assert len(table) == 1 and table.lr.tolist() == [1e-3]


def test_legacy_sweep_folder_collects_and_fits(tmp_path: Path) -> None:
    root = copy_legacy(tmp_path, "sweep")
    analysis = analyse_sweep(root)
    assert len(analysis.results) == 8 and len(analysis.laws) == 2
    assert pd.read_parquet(root / "results.parquet").shape[0] == 8
    assert set(analysis.curves.run_id) == set(analysis.results.run_id)
    for law in analysis.laws.itertuples():  # points behind alpha_N: largest budget, per size
        runs = analysis.results[(analysis.results.language == law.language)
                                & (analysis.results.arch == law.arch)]
        expected = sorted(runs[runs.tokens == runs.tokens.max()].non_embedding_params)
        points = analysis.points
        got = points[(points.language == law.language) & (points.axis == "N")].x
        assert sorted(got) == expected


def test_legacy_transfer_folder_collects_and_fits(tmp_path: Path) -> None:
    root = copy_legacy(tmp_path, "transfer")
    analysis = analyse_transfer(root, resamples=20)
    assert len(analysis.results) == 14  # 2 pre-trained + 2 sizes x 3 D_F x (scratch, tuned)
    assert set(analysis.results.role) == {"pretrain", "scratch", "finetune"}
    assert analysis.source == "tomita4" and len(analysis.similarity) == 1
    assert set(analysis.scratch_lines.N) == set(analysis.results.N)
