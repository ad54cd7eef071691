"""Bring your own architecture: a GRU defined in the tests trains, resumes and runs through
``regscale sweep`` end to end by its import path; broken paths and classes fail in one line."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from regscale.errors import ConfigError, UnknownNameError
from regscale.models.plugins import build_plugin
from regscale.models.registry import ModelConfig, build_model
from regscale.store import RunFolder
from regscale.training.loop import train
from tests.training.helpers import small_run

ROOT = Path(__file__).parents[2]
GRU = "tests.plugins.models:GRU"

SWEEP = f"""
description = "a plug-in GRU beside the built-in LSTM"
languages = ["tomita3"]
archs = ["lstm", "{GRU}"]
sizes = ["nano", "micro", "tiny"]
tokens = [12000]
context = 16
batch_size = 16
eval_every = 25
eval_rows = 32
eval_samples = 8
"""


def test_a_plugin_builds_by_class_or_function_and_counts_its_flops() -> None:
    for path in (GRU, "tests.plugins.models:gru_builder"):
        model = build_model(ModelConfig(arch=path, size="micro", context=16), 5)
        assert model.stateful and model.n_layer == 2 and model.d_model == 32
        assert model.train_flops_per_token() == 6.0 * model.non_embedding_params()


def test_a_plugin_trains_below_its_first_evaluation_and_resumes(tmp_path: Path) -> None:
    config = small_run("tomita3", arch=GRU, size="micro", tokens=30_000, every=20, samples=8)
    summary = train(config, tmp_path / "run", progress=False)
    rows = RunFolder(tmp_path / "run").read_metrics()
    assert summary["status"] == "completed" and summary["arch"] == GRU
    assert rows[-1]["excess_loss"] < rows[0]["excess_loss"]
    accepted = summary["acceptance"] * 8  # of eval.samples = 8 free-running samples
    assert accepted == pytest.approx(round(accepted)) and 0 <= round(accepted) <= 8
    assert summary["acceptance_se"] == pytest.approx(
        math.sqrt(summary["acceptance"] * (1 - summary["acceptance"]) / 8))
    assert train(config, tmp_path / "run", resume=True, progress=False) == summary


@pytest.mark.parametrize(("arch", "error", "message"), [
    ("nope.module:Net", ConfigError, "does not import"),
    ("tests.plugins.models:Missing", ConfigError, "has no 'Missing'"),
    ("mynet", UnknownNameError, "unknown model 'mynet'"),
])
def test_bad_paths_fail_when_the_config_is_made(arch: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        ModelConfig(arch=arch)


@pytest.mark.parametrize(("name", "message"), [
    ("NotAModel", "not a regscale.models.base.SequenceModel"),
    ("WrongShape", r"forward must return \(logits \[2, 4, 5\], memory\)"),
])
def test_a_class_that_breaks_the_interface_is_named(name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_plugin(f"tests.plugins.models:{name}", vocab_size=5, context=16, n_layer=1,
                     d_model=8, n_head=2, dropout=0.0)


def test_cli_says_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "regscale", "train", "--language", "tomita3", "--model",
         "tests.plugins.models:WrongShape", "--tokens", "1e3", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "breaks the SequenceModel" in result.stderr


def test_a_sweep_fits_and_reports_a_plugin_beside_a_builtin(tmp_path: Path) -> None:
    """Two workers import the plug-in; results, laws and figures carry it as an architecture."""
    (tmp_path / "plug.toml").write_text(SWEEP)
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "regscale", "sweep", str(tmp_path / "plug.toml"), "--out",
         str(out), "--workers", "2"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    results = pd.read_csv(out / "results.csv")
    assert sorted(results["arch"].unique()) == sorted(["lstm", GRU])
    assert (results["status"] == "completed").all() and len(results) == 6
    laws = pd.read_csv(out / "fits" / "laws.csv")
    assert GRU in set(laws["arch"])
    assert (out / "figures" / "learning_curves.png").exists()


def test_an_installed_plugin_is_found_by_its_entry_point_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution on sys.path whose entry_points.txt offers ``gru`` in the group
    ``regscale.models`` (what ``pip install`` of a plug-in package leaves)."""
    from regscale.models.plugins import ENTRY_POINT_GROUP, installed_plugins
    info = tmp_path / "regscale_gru_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: regscale-gru-plugin\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\ngru = {GRU}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    installed_plugins.cache_clear()
    try:
        assert installed_plugins()["gru"] == GRU
        model = build_model(ModelConfig(arch="gru", size="nano", context=8), 4)
        assert type(model).__name__ == "GRU"
    finally:
        installed_plugins.cache_clear()
