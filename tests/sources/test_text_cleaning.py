"""Verse cleaning: each marker kind found in the shipped corpora, and properties of the rules."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regscale.sources.text_cleaning import clean_verse, has_letters

EXAMPLES = [  # (raw verse as it appears in a corpus, cleaned)
    ("(7:26) L'Éternel dit à Moïse: Va vers Pharaon.", "L'Éternel dit à Moïse: Va vers Pharaon."),
    ("(ADDED FROM KJV: The song of songs. => Песня Песней Соломона.)", ""),
    ("Jedaja, [der Sohn des] Jojarib, Jakin,", "Jedaja, der Sohn des Jojarib, Jakin,"),
    ("first -[fruits] you shall offer", "first -fruits you shall offer"),
    ("And he said, *** I took you out", "And he said, I took you out"),
    ("auf ewig. * * *", "auf ewig."),
    ("[]", ""),
    ("(*)", ""),
    ("God`s Spirit was hovering", "God's Spirit was hovering"),
    ("生了該隱（就是得的意思），便說", "生了該隱（就是得的意思），便說"),
    ("利器的（或譯：是銅匠鐵匠的祖師）。土八", "利器的。土八"),
    ("骨肉（原文是弟兄）。", "骨肉。"),
    ("  In   the\tbeginning ", "In the beginning"),
    ("(out of whom came Philistim,) and", "(out of whom came Philistim,) and"),
]
CONSTRUCTED = [  # (raw, cleaned): forms none of the corpora holds, which hypothesis found
    ("利器的（或譯：是銅匠", "利器的"),  # an unclosed note runs to the end of the verse
    ("骨肉（（或譯）或譯：弟兄）。", "骨肉。"),  # a removal that brings a marker together
]


@pytest.mark.parametrize(("raw", "cleaned"), EXAMPLES + CONSTRUCTED)
def test_examples_from_the_corpora(raw: str, cleaned: str) -> None:
    assert clean_verse(raw) == cleaned


MARKER_FREE = st.text(st.characters(blacklist_characters="[]［］*`()（）",
                                    blacklist_categories=("Cs",)), max_size=80)


@given(MARKER_FREE)
def test_text_without_markers_only_loses_extra_whitespace(text: str) -> None:
    assert clean_verse(text) == " ".join(text.split())


@given(st.text(alphabet=st.sampled_from(list("ab [](*)`1:2 （或譯原文）")), max_size=60))
def test_cleaning_is_idempotent_and_leaves_no_markers(text: str) -> None:
    once = clean_verse(text)
    assert clean_verse(once) == once
    assert not re.search(r"[\[\]*`]|\(\d+:\d+\)|（或譯", once)


def test_has_letters() -> None:
    assert has_letters("Jesus wept.") and has_letters("神")
    assert not has_letters("...") and not has_letters("")
