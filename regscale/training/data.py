"""The training data of any language: exact regular or context-free sources, or natural-language
bytes.

Every kind offers the same interface to the loop (``train_stream``, ``eval_set``, ``describe``,
``name``, ``vocab_size``) and say whether they are ``natural``.
"""

from __future__ import annotations

import torch

from regscale.sources.context_free_language import ContextFreeLanguage
from regscale.sources.language import build_language
from regscale.sources.language_config import LanguageConfig
from regscale.training.grammar_data import GrammarTrainingData
from regscale.training.natural_data import NaturalTrainingData
from regscale.training.regular_data import RegularTrainingData

TrainingData = RegularTrainingData | GrammarTrainingData | NaturalTrainingData


def training_data(config: LanguageConfig, device: torch.device) -> TrainingData:
    """Streams and a held-out set for the language ``config`` names, on ``device``."""
    language = build_language(config)
    if language.natural:
        return NaturalTrainingData(language, device)
    if isinstance(language, ContextFreeLanguage):
        return GrammarTrainingData(language, device)
    return RegularTrainingData(language, device)
