"""A run's frozen config, composed from component configs; its id is a hash of its content.

``RunConfig = language + model + data + optim + eval + system``. Each part is a keyword-only
frozen dataclass with a comment per field and checks in ``__post_init__``; ``to_dict`` and
``run_config_from_dict`` round-trip through JSON (``config.json`` in every run folder).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from regscale.config_io import check_fields, from_mapping
from regscale.errors import ConfigError
from regscale.models.registry import ModelConfig
from regscale.sources.language_config import SPEC_KINDS, LanguageConfig
from regscale.sources.policies import PolicyConfig


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    """How much data, and whether it repeats."""

    tokens: int = 200_000  # training budget: tokens processed (batches x window)
    dataset_tokens: int | None = None  # D: a finite dataset of this many tokens, repeated;
    #                                   None = a fresh infinite stream (no repetition)
    batch_size: int = 32  # global batch, split across DDP ranks
    seed: int = 0  # seed of the training stream / dataset
    max_string_length: int | None = None  # train on strings of at most this many symbols and
    #                                       evaluate by length bin up to 4x it (exact sources)

    def __post_init__(self) -> None:
        check_fields(self)
        if self.max_string_length is not None and self.max_string_length < 1:
            raise ConfigError(f"max_string_length must be >= 1, got {self.max_string_length}")
        if not 1 <= self.tokens <= 10**13:
            raise ConfigError(f"tokens must be between 1 and 1e13, got {self.tokens}")
        if self.dataset_tokens is not None and not 2 <= self.dataset_tokens <= 10**11:
            raise ConfigError(f"dataset_tokens must be between 2 and 1e11, got "
                              f"{self.dataset_tokens}")
        if not 1 <= self.batch_size <= 1 << 20:
            raise ConfigError(f"batch_size must be between 1 and 2^20, got {self.batch_size}")


@dataclass(frozen=True, kw_only=True)
class OptimConfig:
    """AdamW with linear warm-up then cosine decay to ``min_lr_ratio`` of the peak."""

    lr: float = 3e-3  # peak learning rate
    warmup_steps: int = 50  # linear warm-up from 0
    min_lr_ratio: float = 0.1  # final rate = min_lr_ratio * lr
    weight_decay: float = 0.1  # on matrices only (not norms, biases, embeddings' biases)
    beta1: float = 0.9  # AdamW
    beta2: float = 0.95  # AdamW
    grad_clip: float = 1.0  # global norm; 0 disables

    def __post_init__(self) -> None:
        check_fields(self)
        if not (0 < self.lr < 10 and math.isfinite(self.lr)):
            raise ConfigError(f"lr must be in (0, 10), got {self.lr}")
        if self.warmup_steps < 0 or not 0 <= self.min_lr_ratio <= 1:
            raise ConfigError("warmup_steps must be >= 0 and min_lr_ratio in [0, 1]")
        if self.weight_decay < 0 or self.grad_clip < 0:
            raise ConfigError("weight_decay and grad_clip must be >= 0")
        for name in ("beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")


@dataclass(frozen=True, kw_only=True)
class EvalConfig:
    """Evaluation on a fixed held-out stream."""

    every_steps: int = 100  # evaluate (and checkpoint) every k optimiser steps, and at the end
    rows: int = 64  # held-out windows (GPT) or parallel streams (Transformer-XL, LSTM)
    segments: int = 4  # consecutive segments per stream for models with memory
    samples: int = 64  # free-running samples for the DFA acceptance rate (0 disables)
    patience: int = 5  # finite data: stop after this many evals without improvement
    seed: int = 1_000_003  # seed of the held-out stream (never the training seed)

    def __post_init__(self) -> None:
        check_fields(self)
        if self.every_steps < 1 or self.rows < 1 or self.segments < 1:
            raise ConfigError("every_steps, rows and segments must be >= 1")
        if self.samples < 0 or self.patience < 1:
            raise ConfigError("samples must be >= 0 and patience >= 1")


@dataclass(frozen=True, kw_only=True)
class SystemConfig:
    """Where and how to compute; these do not change what is learned, only how fast."""

    device: str = "auto"  # auto = cuda when present, else cpu
    dtype: str = "auto"  # auto = bfloat16 autocast on cuda, float32 on cpu
    compile: bool = False  # torch.compile the model
    seed: int = 0  # model initialisation and dropout

    def __post_init__(self) -> None:
        check_fields(self)
        if self.dtype not in ("auto", "float32", "bfloat16"):
            raise ConfigError(f"dtype must be auto, float32 or bfloat16, got {self.dtype!r}")


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Everything that defines one training run."""

    language: LanguageConfig  # what to learn
    model: ModelConfig = field(default_factory=ModelConfig)  # architecture and size
    data: DataConfig = field(default_factory=DataConfig)  # budget and repetition
    optim: OptimConfig = field(default_factory=OptimConfig)  # optimiser and schedule
    eval: EvalConfig = field(default_factory=EvalConfig)  # held-out evaluation
    system: SystemConfig = field(default_factory=SystemConfig)  # device and precision
    init_from: str | None = None  # weights to start from (fine-tuning); None = scratch

    def __post_init__(self) -> None:
        check_fields(self)
        window = self.model.context + 1
        if self.data.dataset_tokens is not None and self.data.dataset_tokens < window:
            raise ConfigError(f"dataset_tokens {self.data.dataset_tokens} is shorter than one "
                              f"window of {window} tokens")

    @property
    def tokens_per_step(self) -> int:
        """Tokens per optimiser step (global batch x context)."""
        return self.data.batch_size * self.model.context

    @property
    def total_steps(self) -> int:
        """Optimiser steps in the token budget."""
        return max(1, -(-self.data.tokens // self.tokens_per_step))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the language spec carries its kind."""
        out = dataclasses.asdict(self)
        spec = self.language.spec
        out["language"]["spec"] = {"kind": spec.kind, **dataclasses.asdict(spec)}
        if out["model"]["vocab_size"] is None:
            del out["model"]["vocab_size"]  # absent = default, so older run ids stay valid
        if out["language"]["policy"]["mean_length"] is None:
            del out["language"]["policy"]["mean_length"]  # likewise
        if out["data"]["max_string_length"] is None:
            del out["data"]["max_string_length"]  # likewise
        return out

    def run_id(self) -> str:
        """First 12 hex digits of the SHA-256 of the canonical JSON config."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def run_config_from_dict(data: dict[str, Any]) -> RunConfig:
    """Inverse of :meth:`RunConfig.to_dict`; unknown keys are a :class:`ConfigError`."""
    try:
        language = dict(data["language"])
        spec = dict(language.pop("spec"))
        kind = spec.pop("kind")
    except (KeyError, TypeError):
        raise ConfigError("run config lacks language.spec.kind") from None
    if kind not in SPEC_KINDS:
        raise ConfigError(f"unknown language spec kind {kind!r}")
    language["spec"] = from_mapping(SPEC_KINDS[kind], spec, f"language.spec ({kind})")
    language["policy"] = from_mapping(PolicyConfig, language.get("policy", {}),
                                      "language.policy")
    parts: dict[str, Any] = {"language": from_mapping(LanguageConfig, language, "language")}
    for name, cls in (("model", ModelConfig), ("data", DataConfig), ("optim", OptimConfig),
                      ("eval", EvalConfig), ("system", SystemConfig)):
        if name in data:
            parts[name] = from_mapping(cls, data[name], name)
    unknown = sorted(set(data) - {"language", "model", "data", "optim", "eval", "system",
                                  "init_from"})
    if unknown:
        raise ConfigError(f"unknown run config key(s) {unknown}")
    return RunConfig(**parts, init_from=data.get("init_from"))


_PARTS: dict[str, type[Any]] = {"model": ModelConfig, "data": DataConfig, "optim": OptimConfig,
                                "eval": EvalConfig, "system": SystemConfig}


def run_fields() -> list[str]:
    """Every field a study or a command line can set by name: ``part.field`` or ``init_from``."""
    names = [f"{part}.{f.name}" for part, cls in _PARTS.items()
             for f in dataclasses.fields(cls)]
    return [*names, "init_from"]


def check_run_fields(changes: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` for a name that is not a run field."""
    known = set(run_fields())
    for name in changes:
        if name not in known:
            raise ConfigError(f"unknown run field {name!r}; known: {', '.join(run_fields())}")


def override(config: RunConfig, changes: Mapping[str, Any]) -> RunConfig:
    """``config`` with fields replaced by dotted name, e.g. ``{"optim.lr": 1e-3}``.

    Every study (``regscale train``, sweeps, transfer studies) builds its runs this way from the
    one set of defaults in the dataclasses above, so a field added to a part is settable
    everywhere at once.

    Raises
    ------
    ConfigError
        An unknown name, or a value the part rejects.
    """
    check_run_fields(changes)
    per_part: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for name, value in changes.items():
        part, _, key = name.partition(".")
        if key:
            per_part.setdefault(part, {})[key] = _whole(_PARTS[part], key, value)
        else:
            top[part] = value
    try:
        parts = {part: dataclasses.replace(getattr(config, part), **values)
                 for part, values in per_part.items()}
        return dataclasses.replace(config, **parts, **top)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad run field value: {exc}") from None


def _whole(cls: type[Any], key: str, value: Any) -> Any:
    """TOML writes budgets as ``3e4``: a whole float for an ``int`` field becomes an int."""
    kind = next(f.type for f in dataclasses.fields(cls) if f.name == key)
    if isinstance(value, float) and str(kind).startswith("int") and value.is_integer():
        return int(value)
    return value
