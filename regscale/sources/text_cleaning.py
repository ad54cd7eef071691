"""Cleaning of verse text: drop editors' notes and markers, keep the translation's words.

What the shipped Bible versions carry besides text, and what happens to it:

- verse-number cross references such as ``(7:26)`` (French, Russian, BBE): removed;
- editors' remarks ``(ADDED FROM KJV: ...)``, ``(MISSING)``, ``(*)``: removed;
- asterisk runs marking omitted text (``***``, ``* * *``): removed;
- square brackets around words the translators supplied (``[and]``): brackets dropped, words
  kept; empty brackets removed;
- Chinese translator's notes ``（或譯：...）``, ``（原文是...）``, ``（或作...）``: removed, an
  unclosed one to the end of the verse;
- the WEB's backtick apostrophe: becomes ``'``;
- runs of whitespace: one space; a verse left without any letter is dropped by the caller.

The rules repeat until the text stops changing, so a marker that a removal brings together
(``（（或譯）或譯``) goes too. None of the shipped versions has an unclosed or nested note.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\(\s*\d+\s*:\s*\d+\s*\)"), " "),
    (re.compile(r"\(ADDED FROM [^)]*\)|\(MISSING\)|\(\*\)"), " "),
    (re.compile(r"（(?:或譯|原文|或作)[^）]*(?:）|$)"), ""),
    (re.compile(r"\*(?:\s*\*)*"), " "),
    (re.compile(r"\[\s*\]|［\s*］"), " "),
    (re.compile(r"[\[\]［］]"), ""),
    (re.compile("`"), "'"),
    (re.compile(r"\s+"), " "),
)


def clean_verse(text: str) -> str:
    """The verse without notes and markers, whitespace collapsed and stripped."""
    while True:
        cleaned = text
        for pattern, replacement in _RULES:
            cleaned = pattern.sub(replacement, cleaned)
        cleaned = cleaned.strip()
        if cleaned == text:
            return cleaned
        text = cleaned


def has_letters(text: str) -> bool:
    """Whether any character is a letter (verses of only punctuation are dropped)."""
    return any(ch.isalpha() for ch in text)
