"""Training on short strings and evaluating by length bin: streams hold only short strings and
resume exactly; a model that predicts with the exact law has zero excess, full valid mass and
full acceptance in every bin, for a regular language and for a context-free one; the loop and
the CLI report the bins."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from regscale.cli import cli
from regscale.sources.automaton import SEP
from regscale.sources.catalog import load_language_config
from regscale.sources.context_free_language import ContextFreeLanguage
from regscale.sources.language import build_language
from regscale.sources.regular_language import RegularLanguage
from regscale.training.grammar_data import GrammarTrainingData
from regscale.training.length_generalisation import (
    bins_of,
    length_table,
    short_string_stream,
)
from regscale.training.regular_data import RegularTrainingData
from regscale.training.run_config import DataConfig, RunConfig

CPU = torch.device("cpu")


def grammar() -> ContextFreeLanguage:
    language = build_language(load_language_config("dyck1_depth3"))
    assert isinstance(language, ContextFreeLanguage)
    return language


def exact_sources() -> list[RegularTrainingData | GrammarTrainingData]:
    regular = build_language(load_language_config("dyck1_depth3_dfa"))
    assert isinstance(regular, RegularLanguage)
    return [RegularTrainingData(regular, CPU), GrammarTrainingData(grammar(), CPU)]


class ExactModel(torch.nn.Module):
    """Predicts every token with the source's exact law (the grammar's floors; the DFA twin is
    the same source), for rows that start at SEP."""

    stateful = False

    def __init__(self) -> None:
        super().__init__()
        self.language = grammar()

    def forward(self, tokens: torch.Tensor, memory: Any = None) -> tuple[torch.Tensor, None]:
        rows = []
        for row in tokens.tolist():
            laws = self.language.floors([*row, SEP])  # the law after each prefix
            rows.append(np.log(np.maximum(laws, 1e-300)))
        return torch.from_numpy(np.stack(rows)).float(), None


def split(tokens: list[int]) -> list[list[int]]:
    words, current = [], []
    for t in tokens:
        if t == SEP:
            words.append(current)
            current = []
        else:
            current.append(t)
    return words


@pytest.mark.parametrize("data", exact_sources(), ids=["dfa", "grammar"])
def test_short_string_streams_hold_only_short_strings_and_resume(
        data: RegularTrainingData | GrammarTrainingData) -> None:
    stream = short_string_stream(data, CPU, stateful=True, batch_size=3, window=17, seed=2,
                                 dataset_tokens=None, max_length=4)
    batches = [stream.next_batch() for _ in range(4)]
    lanes = [torch.cat([batches[0][i]] + [b[i, 1:] for b in batches[1:]]).tolist()
             for i in range(3)]
    for lane in lanes:
        assert lane[0] == SEP
        assert all(len(w) <= 4 for w in split(lane[1:])[:-1])
        assert any(len(w) > 0 for w in split(lane[1:]))
    state = stream.state_dict()
    ahead = [stream.next_batch() for _ in range(3)]
    again = short_string_stream(data, CPU, stateful=True, batch_size=3, window=17, seed=9,
                                dataset_tokens=None, max_length=4)
    again.load_state_dict(state)
    assert all(torch.equal(a, again.next_batch()) for a in ahead)
    finite = short_string_stream(data, CPU, stateful=False, batch_size=2, window=9, seed=1,
                                 dataset_tokens=500, max_length=2)
    assert finite.next_batch().shape == (2, 9)


@pytest.mark.parametrize("data", exact_sources(), ids=["dfa", "grammar"])
def test_the_exact_law_has_no_excess_in_any_bin(
        data: RegularTrainingData | GrammarTrainingData) -> None:
    rows = length_table(ExactModel(), data, 3, context=64, samples=200, seed=4, device=CPU,
                        autocast=contextlib.nullcontext())
    assert [(r["bin_low"], r["bin_high"]) for r in rows] == bins_of(3) == [
        (0, 3), (4, 6), (7, 9), (10, 12)]
    for row in rows:
        assert row["strings"] > 0
        assert row["excess_nats"] == pytest.approx(0.0, abs=1e-6)  # float32 logits
        assert row["valid_mass"] == pytest.approx(1.0, abs=1e-6)
        if row["samples"]:
            assert row["acceptance"] == 1.0


def test_the_loop_and_the_cli_report_length_bins(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [
        "train", "--language", "dyck2", "--size", "pico", "--context", "48", "--tokens", "3e4",
        "--max-string-length", "6", "--eval-every", "20", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    folder = next(tmp_path.iterdir())
    summary = json.loads((folder / "summary.json").read_text())
    rows = summary["length_generalisation"]
    assert [r["bin_high"] for r in rows] == [6, 12, 18, 24]
    assert (folder / "length_generalisation.png").is_file()
    assert "excess (nats)" in result.output


def test_run_ids_without_the_option_are_unchanged() -> None:
    config = RunConfig(language=load_language_config("tomita3"))
    assert "max_string_length" not in config.to_dict()["data"]
    short = RunConfig(language=load_language_config("tomita3"),
                      data=DataConfig(max_string_length=5))
    assert short.run_id() != config.run_id()


def test_a_sweep_reports_length_bins_per_language(tmp_path: Path) -> None:
    """A study file's max_string_length reaches every run; the report gains its table, the
    tables a CSV and the figures one per language."""
    study = tmp_path / "lengths.toml"
    study.write_text('description = "lengths"\nlanguages = ["tomita5", "dyck1"]\n'
                     'archs = ["gpt"]\nsizes = ["pico"]\ntokens = [2e4]\ncontext = 48\n'
                     'eval_every = 20\nwarmup_steps = 10\neval_samples = 8\n'
                     'max_string_length = 5\n')
    result = CliRunner().invoke(cli, ["sweep", str(study), "--out", str(tmp_path / "out"),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "fits" / "length_generalisation.csv")
    assert sorted(table["language"].unique()) == ["dyck1", "tomita5"]
    assert set(table["bin_high"]) == {5, 10, 15, 20}
    assert "## Length generalisation" in (tmp_path / "out" / "report.md").read_text()
    assert len(list((tmp_path / "out" / "figures").glob("length_generalisation_*.png"))) == 2
