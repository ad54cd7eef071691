"""The training data of context-free languages: evaluation rows that start at SEP with exact
floors (a bounded-depth Dyck language gives its minimal DFA's floors), packed streams that resume
exactly, and the real loop on a grammar."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from regscale.sources.catalog import load_language_config
from regscale.sources.context_free_language import ContextFreeLanguage
from regscale.sources.grammar_normal_form import normal_form
from regscale.sources.language import build_language
from regscale.training.grammar_data import GrammarTrainingData
from regscale.training.packed_lanes import PackedLanes
from regscale.training.regular_data import RegularTrainingData


def grammar_language(name: str) -> ContextFreeLanguage:
    language = build_language(load_language_config(name))
    assert isinstance(language, ContextFreeLanguage)
    return language


def test_bounded_dyck_has_the_floors_of_its_minimal_dfa() -> None:
    """The same source as a grammar and as a DFA with a walk policy: on the same evaluation
    tokens (rows start at SEP) the grammar's exact floors and valid sets are the Bayes filter's."""
    grammar = GrammarTrainingData(grammar_language("dyck1_depth3"), torch.device("cpu"))
    regular = build_language(load_language_config("dyck1_depth3_dfa"))
    data = RegularTrainingData(regular, torch.device("cpu"))  # type: ignore[arg-type]
    assert regular.dfa.n_states == 4
    assert grammar.language.entropy_rate_nats == pytest.approx(
        regular.automaton.entropy_rate_nats, abs=1e-12)
    for stateful in (False, True):
        ev = grammar.eval_set(stateful=stateful, rows=16, segments=3, window=33, seed=5)
        lanes = ev.tokens[0] if not stateful else torch.cat(
            [ev.tokens[0]] + [s[:, 1:] for s in ev.tokens[1:]], dim=1)
        result = data.filter.run(lanes)
        nll = result.nll_nats[:, 1:].reshape(ev.optimal_nll.shape[1], -1)
        mine = ev.optimal_nll.permute(1, 0, 2).reshape(nll.shape[0], -1)
        assert torch.allclose(mine, nll.double(), atol=1e-9)
        valid = result.valid[:, 1:].reshape(mine.shape[0], mine.shape[1], -1)
        assert torch.equal(ev.valid.permute(1, 0, 2, 3).reshape(valid.shape), valid)


def test_packed_streams_resume_exactly_and_lanes_continue() -> None:
    language = grammar_language("dyck2")
    stream = PackedLanes(language.packed, torch.device("cpu"), batch_size=4, window=9, seed=3)
    first = stream.next_batch()
    assert first[:, 0].eq(0).all()  # every lane opens at a string boundary
    state = stream.state_dict()
    expected = [stream.next_batch() for _ in range(5)]
    again = PackedLanes(language.packed, torch.device("cpu"), batch_size=4, window=9, seed=99)
    again.load_state_dict(state)
    assert all(torch.equal(a, b) for a, b in zip(expected, [again.next_batch()
                                                            for _ in range(5)], strict=True))
    assert torch.equal(expected[0][:, 0], first[:, -1])  # the next segment continues the last


def test_evaluation_floors_are_exact_laws() -> None:
    language = grammar_language("dyck1")
    data = GrammarTrainingData(language, torch.device("cpu"))
    ev = data.eval_set(stateful=False, rows=8, segments=1, window=65, seed=1)
    assert ev.tokens[0, :, 0].eq(0).all()
    assert torch.isfinite(ev.optimal_nll).all()
    floors = language.floors(ev.tokens[0, 0].tolist())
    assert floors.sum(axis=1) == pytest.approx(np.ones(64), abs=1e-12)
    rate = language.entropy_rate_nats
    assert float(ev.optimal_nll.mean()) == pytest.approx(rate, abs=0.1)
    assert normal_form(language.grammar).empty == pytest.approx(0.6)


@pytest.mark.parametrize("arch", ["gpt", "lstm", "transformer_xl"])
def test_the_loop_trains_on_a_grammar_against_its_floor(tmp_path: Path, arch: str) -> None:
    """Every architecture learns Dyck-2 below the uniform loss, its excess is measured over the
    exact floor and its samples are parsed (resume: tests/training/test_resume.py)."""
    from regscale.training.loop import train
    from tests.training.helpers import small_run

    config = small_run("dyck2", arch=arch, size="pico", tokens=40_000, samples=16)
    summary = train(config, tmp_path / "run", progress=False)
    assert summary["optimal_loss"] < summary["loss"] < np.log(5)
    assert summary["excess_loss"] == pytest.approx(summary["loss"] - summary["optimal_loss"])
    assert 0.0 <= summary["acceptance"] <= 1.0
    stored = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert stored["entropy_rate_nats"] == pytest.approx(
        grammar_language("dyck2").entropy_rate_nats)
    assert stored["complexity"]["entropy_exact"] is True


def test_export_of_a_grammar_writes_its_floors(tmp_path: Path) -> None:
    """nanoGPT files and Parquet rows with exact floors; a floor whose string opened out of
    the context's view is NaN, never a guess."""
    from regscale.training.export import export

    config = load_language_config("dyck2")
    export(config, tmp_path, tokens=4000, val_tokens=3000, window=32, context=8)
    data = GrammarTrainingData(grammar_language("dyck2"), torch.device("cpu"))
    val = np.fromfile(tmp_path / "val.bin", dtype=np.uint16).astype(np.int64)
    floor = np.fromfile(tmp_path / "val_optimal.bin", dtype=np.float32)
    assert len(floor) == len(val) and val[0] == 0
    full = data.sliding_floor(val, context=10**9)
    seen = np.flatnonzero(~np.isnan(floor))
    assert np.allclose(floor[seen], full[seen], atol=1e-6)  # the same law where in view
    last_sep = np.maximum.accumulate(np.where(val == 0, np.arange(len(val)), 0))
    opened = np.r_[0, last_sep[:-1]]
    assert np.array_equal(np.isnan(floor[1:]), (np.arange(len(val)) - opened)[1:] > 8)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert "NaN where" in meta["val_optimal"]
    import pyarrow.parquet as pq

    row = pq.read_table(tmp_path / "val.parquet").slice(0, 1).to_pylist()[0]
    assert row["input_ids"][0] == 0 and row["optimal_nll"][-1] is None
    assert np.isfinite(row["optimal_nll"][:-1]).all()
