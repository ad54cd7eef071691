"""A small verse-aligned parallel corpus that the tests generate: same content, three scripts.

Each verse is a seeded random sequence of concept ids; each language spells the concepts with
its own lexicon (ASCII English-like, German-like with umlauts, CJK), so the three files are
aligned verse by verse like the real Bible corpora. Some verses carry the markers that
:mod:`regscale.sources.text_cleaning` removes.
"""

from __future__ import annotations

import random
from pathlib import Path

BOOKS = (1, 2, 40, 41)  # two Old Testament and two New Testament books
CHAPTERS = 12
VERSES = 8

LEXICONS = {
    "en": ("the", "lord", "said", "unto", "him", "and", "went", "into", "city", "light"),
    "de": ("der", "herr", "sprach", "zu", "ihm", "und", "ging", "in", "stadt", "licht\u00fc"),
    "zh": ("\u795e", "\u4e3b", "\u8aaa", "\u5c0d", "\u4ed6", "\u548c", "\u53bb", "\u9032",
           "\u57ce", "\u5149"),
}


def verse_rows(language: str, seed: int = 0) -> list[tuple[int, int, int, str]]:
    """``(book, chapter, verse, raw text)`` of the fixture in ``language``."""
    rng = random.Random(seed)
    lexicon = LEXICONS[language]
    joiner = "" if language == "zh" else " "
    rows = []
    for book in BOOKS:
        for chapter in range(1, CHAPTERS + 1):
            for verse in range(1, VERSES + 1):
                words = [lexicon[rng.randrange(len(lexicon))] for _ in range(rng.randint(4, 12))]
                text = joiner.join(words) + "."
                if verse == 3:
                    text = f"(1:{chapter}) " + text
                if verse == 5:
                    text = text.replace(words[0], f"[{words[0]}]", 1)
                rows.append((book, chapter, verse, text))
    return rows


def write_corpus(folder: Path, language: str, seed: int = 0) -> Path:
    """Write the fixture as a TSV corpus file; returns its path."""
    path = folder / f"fixture_{language}.tsv"
    lines = [f"{b}\t{c}\t{v}\t{t}" for b, c, v, t in verse_rows(language, seed)]
    path.write_text("# generated parallel fixture\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_language(folder: Path, language: str, seed: int = 0) -> Path:
    """Write a language TOML naming the fixture corpus; returns its path."""
    corpus = write_corpus(folder, language, seed)
    path = folder / f"fixture_{language}.toml"
    path.write_text(f'description = "fixture {language}"\n[corpus]\ncorpus = "file"\n'
                    f'version = "{corpus.as_posix()}"\neval_every = 4\n', encoding="utf-8")
    return path
