"""Any language from its config: a regular one (exact source) or a natural one (corpus bytes)."""

from __future__ import annotations

from regscale.sources.natural_language import CorpusSpec, NaturalLanguage
from regscale.sources.regular_language import LanguageConfig, RegularLanguage

Language = RegularLanguage | NaturalLanguage


def build_language(config: LanguageConfig) -> Language:
    """Build the automaton, or load the corpus part (raises the errors of either)."""
    if isinstance(config.spec, CorpusSpec):
        return NaturalLanguage(config.name, config.spec)
    return RegularLanguage.build(config)


def is_natural(config: LanguageConfig) -> bool:
    """Whether the config names a corpus rather than an automaton."""
    return isinstance(config.spec, CorpusSpec)
