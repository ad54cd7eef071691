"""One base RunConfig for every study: fields overridden by dotted name, ids that do not move."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from regscale.cli import cli
from regscale.errors import ConfigError
from regscale.experiments.sweep_config import load_sweep
from regscale.experiments.transfer import plan_transfer
from regscale.experiments.transfer_config import load_transfer
from regscale.sources.catalog import load_language_config
from regscale.training.run_config import RunConfig, override, run_fields
from tests.experiments.tiny_sweep import TINY, write_tiny

DATA = Path(__file__).parent.parent / "data"

FIELDS = {"optim.beta2": 0.99, "eval.segments": 2, "system.dtype": "float32",
          "model.dropout": 0.1, "optim.weight_decay": 0.0}
"""Run fields no study file or flag names, each with a non-default value."""


def test_override_by_dotted_name_and_errors() -> None:
    base = RunConfig(language=load_language_config("tomita3"))
    changed = override(base, {"optim.lr": 1e-3, "data.tokens": 3e4, "init_from": "x.pt"})
    assert changed.optim.lr == 1e-3 and changed.data.tokens == 30_000
    assert isinstance(changed.data.tokens, int) and changed.init_from == "x.pt"
    assert changed.model == base.model and changed.run_id() != base.run_id()
    assert override(base, {}) == base
    with pytest.raises(ConfigError, match=r"unknown run field 'optim\.lrr'"):
        override(base, {"optim.lrr": 1.0})
    with pytest.raises(ConfigError, match="lr must be"):
        override(base, {"optim.lr": -1.0})
    assert set(FIELDS) <= set(run_fields())


def test_shipped_presets_keep_the_run_ids_of_the_previous_layout() -> None:
    """``preset_run_ids.json`` was written by the code before the one-base-config change."""
    expected = json.loads((DATA / "preset_run_ids.json").read_text())
    for key, ids in expected.items():
        name, preset = key.split(":")
        preset_name = None if preset == "None" else preset
        if name == "transfer":
            study = load_transfer(preset=preset_name, overrides={
                "source": "tomita4", "targets": ("tomita2", "tomita5")})
            got = [p.config.run_id() for p in plan_transfer(study)]
        else:
            got = [r.run_id() for r in load_sweep(name, preset=preset_name).run_configs()]
        assert got == ids, key


def test_any_run_field_reaches_sweeps_transfer_studies_and_train(tmp_path: Path) -> None:
    table = "\n[run.optim]\nbeta2 = 0.99\nweight_decay = 0.0\n[run.eval]\nsegments = 2\n" \
            "[run.system]\ndtype = \"float32\"\n[run.model]\ndropout = 0.1\n"
    sweep = load_sweep(str(write_tiny(tmp_path, _tiny_text() + table)))
    for run in sweep.run_configs():
        assert _fields(run) == FIELDS
    assert all(_fields(r) == FIELDS for r in load_sweep("size", run=FIELDS).run_configs())
    study = load_transfer(overrides={"source": "tomita4", "targets": ("tomita2",)}, run=FIELDS)
    assert all(_fields(p.config) == FIELDS for p in plan_transfer(study))
    sets = [arg for name, value in FIELDS.items() for arg in ("--set", f"{name}={value!r}"
                                                              .replace("'", '"'))]
    result = CliRunner().invoke(cli, [
        "train", "--language", "tomita3", "--size", "nano", "--context", "8", "--batch-size",
        "4", "--tokens", "64", "--quiet", "--out", str(tmp_path / "runs"), *sets])
    assert result.exit_code == 0, result.output
    config = json.loads(next((tmp_path / "runs").glob("*/config.json")).read_text())
    assert {name: config[name.split(".")[0]][name.split(".")[1]] for name in FIELDS} == FIELDS


def test_bad_run_fields_in_files_and_flags_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown run field 'optim\.nope'"):
        load_sweep(str(write_tiny(tmp_path, _tiny_text() + "\n[run.optim]\nnope = 1\n")))
    result = CliRunner().invoke(cli, ["train", "--language", "tomita3", "--set", "lr"])
    assert result.exit_code == 2 and "FIELD=VALUE" in result.output


def _fields(run: RunConfig) -> dict[str, object]:
    return {name: getattr(getattr(run, name.split(".")[0]), name.split(".")[1])
            for name in FIELDS}


def _tiny_text() -> str:
    return TINY.split("[presets.one]")[0]  # tables appended after the presets would nest
