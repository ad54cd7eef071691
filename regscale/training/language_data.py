"""The training data of any language: exact regular sources or natural-language bytes."""

from __future__ import annotations

import torch

from regscale.sources.language import build_language
from regscale.sources.natural_language import NaturalLanguage
from regscale.sources.regular_language import LanguageConfig
from regscale.training.data import RegularTrainingData
from regscale.training.natural_data import NaturalTrainingData

TrainingData = RegularTrainingData | NaturalTrainingData


def training_data(config: LanguageConfig, device: torch.device) -> TrainingData:
    """Streams and a held-out set for the language ``config`` names, on ``device``."""
    language = build_language(config)
    if isinstance(language, NaturalLanguage):
        return NaturalTrainingData(language, device)
    return RegularTrainingData(language, device)
