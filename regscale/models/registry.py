"""The model registry and the size ladders: one place that maps names to architectures.

Sizes are named presets of ``(n_layer, d_model, n_head)``, shared by the three architectures so
that a sweep can compare them at one name. Non-embedding parameters span about 4 orders of
magnitude: ``pico`` to ``small`` train on a CPU, ``medium`` and ``large`` are meant for a GPU.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from regscale.config_io import check_fields
from regscale.errors import ConfigError, UnknownNameError
from regscale.models.base import SequenceModel
from regscale.models.fused import FusedModel
from regscale.models.fused_gpt import FusedGPT
from regscale.models.fused_lstm import FusedLSTM
from regscale.models.fused_transformer_xl import FusedTransformerXL
from regscale.models.gpt import GPT, GPTConfig
from regscale.models.lstm import LSTM, LSTMConfig
from regscale.models.plugins import build_plugin, resolve_builder
from regscale.models.transformer_xl import TransformerXL, TransformerXLConfig

SIZES: dict[str, tuple[int, int, int]] = {
    "pico": (1, 8, 2),
    "nano": (1, 16, 2),
    "micro": (2, 32, 2),
    "tiny": (2, 64, 4),
    "mini": (4, 128, 4),
    "small": (6, 256, 8),
    "medium": (8, 512, 8),
    "large": (12, 768, 12),
}
"""Size name -> (n_layer, d_model, n_head)."""


def _gpt(v: int, ctx: int, n_layer: int, d: int, heads: int, dropout: float) -> SequenceModel:
    return GPT(GPTConfig(vocab_size=v, context=ctx, n_layer=n_layer, n_head=heads, d_model=d,
                         dropout=dropout))


def _xl(v: int, ctx: int, n_layer: int, d: int, heads: int, dropout: float) -> SequenceModel:
    return TransformerXL(TransformerXLConfig(vocab_size=v, context=ctx, n_layer=n_layer,
                                             n_head=heads, d_model=d, dropout=dropout))


def _lstm(v: int, ctx: int, n_layer: int, d: int, heads: int, dropout: float) -> SequenceModel:
    return LSTM(LSTMConfig(vocab_size=v, context=ctx, n_layer=n_layer, d_model=d,
                           dropout=dropout))


MODELS: dict[str, Callable[[int, int, int, int, int, float], SequenceModel]] = {
    "gpt": _gpt,
    "transformer_xl": _xl,
    "lstm": _lstm,
}
"""Architecture name -> builder(vocab, context, n_layer, d_model, n_head, dropout)."""


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Which model to train: an architecture and a size (a preset or explicit numbers)."""

    arch: str = "gpt"  # one of MODELS, an installed plug-in, or module:Name (models/plugins.py)
    size: str | None = "tiny"  # a SIZES preset, or None to use the explicit numbers
    n_layer: int | None = None  # overrides the preset
    d_model: int | None = None  # overrides the preset
    n_head: int | None = None  # overrides the preset
    context: int = 64  # tokens per window (GPT) or segment (Transformer-XL, LSTM)
    dropout: float = 0.0  # regularisation; 0 for data-rich runs
    vocab_size: int | None = None  # None = the language's own; transfer pads to a shared one

    def __post_init__(self) -> None:
        check_fields(self)
        if self.arch not in MODELS:  # a plug-in: fails here, in one line, if it does not import
            resolve_builder(self.arch, builtins=MODELS)
        if self.size is not None and self.size not in SIZES:
            raise UnknownNameError(f"unknown size {self.size!r}; choose one of {list(SIZES)}")
        if self.size is None and None in (self.n_layer, self.d_model):
            raise ConfigError("without a size preset, give n_layer and d_model")
        dims = self.dims()
        if min(dims) < 1 or self.context < 1 or max(dims) > 100_000 or self.context > 1 << 20:
            raise ConfigError(f"model sizes must be positive and sane, got {dims}, "
                              f"context {self.context}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.vocab_size is not None and not 2 <= self.vocab_size <= 1 << 20:
            raise ConfigError(f"vocab_size must be between 2 and 2^20, got {self.vocab_size}")

    def dims(self) -> tuple[int, int, int]:
        """(n_layer, d_model, n_head) after applying overrides to the preset."""
        base = SIZES[self.size] if self.size is not None else (0, 0, 1)
        n_layer = self.n_layer if self.n_layer is not None else base[0]
        d_model = self.d_model if self.d_model is not None else base[1]
        n_head = self.n_head if self.n_head is not None else base[2]
        return n_layer, d_model, n_head


def build_model(config: ModelConfig, vocab_size: int) -> SequenceModel:
    """Instantiate the model ``config`` describes for a language of ``vocab_size`` tokens.

    Raises
    ------
    ConfigError
        ``config.vocab_size`` is set but smaller than the language's vocabulary.
    """
    if config.vocab_size is not None:
        if config.vocab_size < vocab_size:
            raise ConfigError(f"model vocab_size {config.vocab_size} is smaller than the "
                              f"language's {vocab_size} tokens")
        vocab_size = config.vocab_size
    n_layer, d_model, n_head = config.dims()
    if config.arch not in MODELS:
        return build_plugin(config.arch, vocab_size=vocab_size, context=config.context,
                            n_layer=n_layer, d_model=d_model, n_head=n_head,
                            dropout=config.dropout)
    return MODELS[config.arch](vocab_size, config.context, n_layer, d_model, n_head,
                               config.dropout)


FUSED_MODELS: dict[type[SequenceModel], type[FusedModel]] = {
    GPT: FusedGPT,
    TransformerXL: FusedTransformerXL,
    LSTM: FusedLSTM,
}
"""Solo model class -> its fused form (K members trained as one model)."""


def fused_form(solo: SequenceModel) -> type[FusedModel] | None:
    """The fused class of a solo model, or None when it trains solo only.

    The built-in models name theirs in :data:`FUSED_MODELS`; a plug-in declares a class
    attribute ``fused_form`` (a :class:`FusedModel` subclass). A model with dropout has none:
    its members would share one stream of random draws.
    """
    if float(getattr(solo.config, "dropout", 0.0) or 0.0) > 0:
        return None
    declared = FUSED_MODELS.get(type(solo), getattr(type(solo), "fused_form", None))
    if isinstance(declared, type) and issubclass(declared, FusedModel):
        return declared
    return None
