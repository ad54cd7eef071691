"""The store: checkpoint schema, study records old and new, and one-line errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from regscale.errors import ConfigError
from regscale.store import Checkpoint, RunFolder, StudyFolder, StudyRecord


def checkpoint(run_id: str) -> Checkpoint:
    return Checkpoint(run_id=run_id, step=3, tokens_seen=96, model={"w": torch.ones(2)},
                      optimizer={}, stream={"pos": 5}, best={"loss": 0.5}, evals_since_best=1,
                      train_seconds=1.5, data_seconds=0.1, rng_cpu=torch.get_rng_state(),
                      rng_cuda=None, memory=[torch.zeros(1, 2)])


def test_checkpoint_round_trip_and_ownership(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "abc")
    folder.claim("abc", {"x": 1}, world_size=1)
    folder.save_checkpoint(checkpoint("abc"))
    back = folder.load_checkpoint("abc")
    assert back.step == 3 and back.stream == {"pos": 5} and torch.equal(back.model["w"],
                                                                           torch.ones(2))
    with pytest.raises(ConfigError, match="belongs to run 'abc'"):
        folder.load_checkpoint("other")
    torch.save({"run_id": "abc", "step": 1}, folder.checkpoint)
    with pytest.raises(ConfigError, match="does not match this run: lacks"):
        folder.load_checkpoint("abc")
    folder.checkpoint.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="corrupt checkpoint"):
        folder.load_checkpoint("abc")
    with pytest.raises(ConfigError, match="holds run abc"):
        folder.claim("xyz", {}, world_size=1)
    assert json.loads(folder.config.read_text()) == {"run_id": "abc", "x": 1}


def test_study_records_new_and_old(tmp_path: Path) -> None:
    study = StudyFolder(tmp_path / "s")
    assert study.read_record() is None
    study.write_record(StudyRecord(kind="sweep", config={"a": 1}, runs=[{"run_id": "r1"}]))
    assert study.read_record() == StudyRecord(kind="sweep", config={"a": 1},
                                              runs=[{"run_id": "r1"}])
    old = StudyFolder(tmp_path / "old")
    old.root.mkdir()
    (old.root / "sweep.json").write_text(json.dumps({"sweep": {"b": 2}, "run_ids": ["x", "y"]}))
    assert old.read_record() == StudyRecord(kind="sweep", config={"b": 2},
                                            runs=[{"run_id": "x"}, {"run_id": "y"}])
    study.record.write_text("{")
    with pytest.raises(ConfigError, match="corrupt study record"):
        study.read_record()
