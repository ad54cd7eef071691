"""Any language from its config: a regular or context-free one (exact sources) or a natural
one (corpus bytes).

Every kind answers the same questions (``name``, ``vocab_size``, ``natural``, ``finite_tokens``),
so callers ask the language what it is rather than testing its type.
"""

from __future__ import annotations

from regscale.sources.context_free_language import ContextFreeLanguage
from regscale.sources.language_config import CONTEXT_FREE_KINDS, LanguageConfig
from regscale.sources.natural_language import NaturalLanguage
from regscale.sources.regular_language import RegularLanguage

Language = RegularLanguage | ContextFreeLanguage | NaturalLanguage


def build_language(config: LanguageConfig) -> Language:
    """Build the automaton or the grammar, or load the corpus part (raises their errors)."""
    if config.spec.natural:
        return NaturalLanguage(config.name, config.spec)
    if config.spec.kind in CONTEXT_FREE_KINDS:
        return ContextFreeLanguage.build(config)
    return RegularLanguage.build(config)
