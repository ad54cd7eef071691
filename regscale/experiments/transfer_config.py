"""Transfer study definitions: pre-train on a source, fine-tune and train from scratch on targets.

A transfer file in ``experiments/`` (``transfer.toml``) holds the study's settings and named
presets (``smoke`` for 2 CPU cores, ``gpu`` for a GPU)::

    source = "en"
    targets = ["de", "es", "zh"]
    sizes = ["micro", "tiny", "mini"]
    pretrain_tokens = 1e6
    finetune_tokens = [1e3, 1e4, 1e5, 1e6]    # D_F, log-spaced

Any language works on either side: catalog names (natural or regular), ``regex:...``,
``dfa:...`` or a .toml path. A natural source is pre-trained on its Old Testament and natural
targets are fine-tuned and evaluated on their New Testament, so no verse content is shared. All
runs of a study use one vocabulary (the largest of its languages), so that a pre-trained model
fits every target.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from regscale.config_io import from_mapping
from regscale.errors import ConfigError
from regscale.experiments.sweep_config import read_experiment
from regscale.models.registry import ModelConfig
from regscale.sources.catalog import load_language_config
from regscale.sources.language import build_language
from regscale.sources.language_config import LanguageConfig
from regscale.sources.natural_language import BYTE_VOCAB, CorpusSpec
from regscale.training.run_config import (
    DataConfig,
    EvalConfig,
    OptimConfig,
    RunConfig,
    SystemConfig,
)

SOURCE_PART, TARGET_PART = "old", "new"
"""Corpus parts of natural sources and targets: disjoint content."""


@dataclass(frozen=True, kw_only=True)
class TransferConfig:
    """One transfer study: a source, targets, a model ladder and fine-tuning dataset sizes."""

    name: str  # the study's name (file stem, source, preset)
    description: str = ""  # one line for people
    source: str = "en"  # pre-training language
    targets: tuple[str, ...] = ("de",)  # fine-tuning languages
    arch: str = "gpt"  # architecture of every run
    sizes: tuple[str, ...] = ("micro", "tiny")  # the model ladder
    pretrain_tokens: int = 1_000_000  # tokens of source pre-training (fresh, not repeated)
    finetune_tokens: tuple[int, ...] = (1_000, 10_000, 100_000)  # D_F values, log-spaced
    max_tokens: int = 300_000  # cap on tokens processed by one fine-tuning or scratch run
    context: int = 64  # window / segment length
    batch_size: int = 32  # global batch
    lr: float = 3e-3  # peak learning rate of pre-training and from-scratch runs
    finetune_lr: float | None = None  # peak learning rate of fine-tuning; None = lr, so that
    #                                    scratch and fine-tuned runs differ only in their start
    warmup_steps: int = 20  # linear warm-up
    eval_every: int = 20  # steps between evaluations (early stopping granularity)
    eval_rows: int = 64  # held-out windows / streams
    patience: int = 4  # evaluations without improvement before stopping
    seed: int = 0  # model and data seed
    device: str = "auto"  # auto = CUDA when present

    def __post_init__(self) -> None:
        object.__setattr__(self, "pretrain_tokens", int(self.pretrain_tokens))
        object.__setattr__(self, "max_tokens", int(self.max_tokens))
        object.__setattr__(self, "finetune_tokens",
                           tuple(sorted(int(d) for d in self.finetune_tokens)))
        if not self.targets or not self.sizes or len(self.finetune_tokens) < 3:
            raise ConfigError(f"transfer {self.name!r} needs targets, sizes and at least 3 "
                              "fine-tuning dataset sizes")
        if self.finetune_tokens[0] <= self.context:
            raise ConfigError(f"fine-tuning sets must be longer than the context "
                              f"({self.context}), got {self.finetune_tokens[0]}")

    def source_language(self) -> LanguageConfig:
        """The source, restricted to its pre-training part when natural."""
        return _with_part(load_language_config(self.source), SOURCE_PART)

    def target_language(self, target: str) -> LanguageConfig:
        """A target, restricted to its fine-tuning part when natural."""
        return _with_part(load_language_config(target), TARGET_PART)

    def vocab_size(self) -> int:
        """The shared vocabulary: the largest of the study's languages."""
        configs = [self.source_language()] + [self.target_language(t) for t in self.targets]
        return max(BYTE_VOCAB if isinstance(c.spec, CorpusSpec) else
                   build_language(c).vocab_size for c in configs)

    def _run(self, language: LanguageConfig, size: str, vocab: int, *, tokens: int,
             dataset_tokens: int | None, lr: float, init_from: str | None) -> RunConfig:
        return RunConfig(
            language=language,
            model=ModelConfig(arch=self.arch, size=size, context=self.context, vocab_size=vocab),
            data=DataConfig(tokens=tokens, dataset_tokens=dataset_tokens,
                            batch_size=self.batch_size, seed=self.seed),
            optim=OptimConfig(lr=lr, warmup_steps=self.warmup_steps),
            eval=EvalConfig(every_steps=self.eval_every, rows=self.eval_rows, samples=0,
                            patience=self.patience),
            system=SystemConfig(device=self.device, seed=self.seed),
            init_from=init_from,
        )

    def pretrain_run(self, size: str, vocab: int) -> RunConfig:
        """Pre-training of one size on fresh source data."""
        return self._run(self.source_language(), size, vocab, tokens=self.pretrain_tokens,
                         dataset_tokens=None, lr=self.lr, init_from=None)

    def target_runs(self, target: str, size: str, d_f: int, vocab: int, pretrained: str
                    ) -> tuple[RunConfig, RunConfig]:
        """``(scratch, finetuned)`` on ``d_f`` target tokens; ``pretrained`` is a run id."""
        language = self.target_language(target)
        scratch = self._run(language, size, vocab, tokens=self.max_tokens, dataset_tokens=d_f,
                            lr=self.lr, init_from=None)
        tuned = self._run(language, size, vocab, tokens=self.max_tokens, dataset_tokens=d_f,
                          lr=self.lr if self.finetune_lr is None else self.finetune_lr,
                          init_from=f"{pretrained}/best_model.pt")
        return scratch, tuned


def _with_part(config: LanguageConfig, part: str) -> LanguageConfig:
    if not isinstance(config.spec, CorpusSpec):
        return config
    spec = dataclasses.replace(config.spec, part=part)
    return dataclasses.replace(config, name=f"{config.name}:{part}", spec=spec)


def load_transfer(name: str = "transfer", *, preset: str | None = None,
                  overrides: dict[str, Any] | None = None) -> TransferConfig:
    """Load a transfer file by name (or .toml path), apply a preset, then overrides."""
    path, table, _ = read_experiment(name, preset, TransferConfig)
    table = {**table, **(overrides or {})}
    label = f"{path.stem}-{table.get('source', 'en')}" + (f"-{preset}" if preset else "")
    return from_mapping(TransferConfig, {**table, "name": label}, str(path))
