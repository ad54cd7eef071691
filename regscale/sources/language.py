"""Any language from its config: a regular one (exact source) or a natural one (corpus bytes).

Both kinds answer the same questions (``name``, ``vocab_size``, ``natural``, ``finite_tokens``),
so callers ask the language what it is rather than testing its type.
"""

from __future__ import annotations

from regscale.sources.language_config import LanguageConfig
from regscale.sources.natural_language import NaturalLanguage
from regscale.sources.regular_language import RegularLanguage

Language = RegularLanguage | NaturalLanguage


def build_language(config: LanguageConfig) -> Language:
    """Build the automaton, or load the corpus part (raises the errors of either)."""
    if config.spec.natural:
        return NaturalLanguage(config.name, config.spec)
    return RegularLanguage.build(config)
