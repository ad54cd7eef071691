"""Small run configs for training tests."""

from __future__ import annotations

from typing import Any

from regscale.models.registry import ModelConfig
from regscale.sources.catalog import load_language_config
from regscale.training.run_config import DataConfig, EvalConfig, OptimConfig, RunConfig


def small_run(language: str = "a_star_b", *, arch: str = "gpt", size: str = "tiny",
              tokens: int = 60_000, context: int = 32, every: int = 20, samples: int = 32,
              **data: Any) -> RunConfig:
    """A run that finishes in seconds on CPU."""
    return RunConfig(
        language=load_language_config(language),
        model=ModelConfig(arch=arch, size=size, context=context),
        data=DataConfig(tokens=tokens, batch_size=32, **data),
        optim=OptimConfig(lr=3e-3, warmup_steps=10),
        eval=EvalConfig(every_steps=every, rows=32, segments=3, samples=samples, patience=2),
    )
