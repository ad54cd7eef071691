"""Transfer study definitions: pre-train on a source, fine-tune and train from scratch on targets.

A transfer file in ``experiments/`` (``transfer.toml``) holds the study's settings, the settings
of its runs (any field of :class:`~regscale.training.run_config.RunConfig`, see
:mod:`regscale.experiments.study_file`) and named presets (``smoke`` for 2 CPU cores, ``gpu``
for a GPU)::

    source = "en"
    targets = ["de", "es", "zh"]
    sizes = ["micro", "tiny", "mini"]
    pretrain_tokens = 1e6
    finetune_tokens = [1e3, 1e4, 1e5, 1e6]    # D_F, log-spaced
    scratch_tokens = [1e3, 1e4, 1e5, 1e6, 3e6] # D of the from-scratch runs; default: D_F
    seeds = [0, 1, 2]                          # scratch and fine-tuned runs per seed
    scratch_part = "new+old"                   # scratch runs may read the Old Testament too
    budget_epochs = 6                          # a run on D tokens trains up to 6 D tokens...
    min_tokens = 1e6                           # ...but at least this many, at most max_tokens
    context = 64                               # run fields: short keys or a [run] table

Any language works on either side: catalog names (natural or regular), ``regex:...``,
``dfa:...`` or a .toml path. A natural source is pre-trained on its Old Testament and natural
targets are fine-tuned and evaluated on their New Testament, so no verse content is shared.
With ``scratch_part = "new+old"`` a natural target's from-scratch runs train on its New
Testament and then its Old (evaluated on the same held-out New Testament verses), so that the
scratch curve reaches past the largest D_F: a fine-tuned run better than the whole curve is
censored (its effective data only a lower bound).

Every run stops early on its held-out loss (``patience``); ``max_tokens`` only caps a run that
keeps improving. With ``budget_epochs`` the cap of a run on D tokens is
``clip(budget_epochs * D, min_tokens, max_tokens)``, so small datasets do not get the budget of
large ones and large ones get enough passes to stop on their own. All
runs of a study use one vocabulary (the largest of its languages), so that a pre-trained model
fits every target.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from regscale.config_io import check_fields, from_mapping
from regscale.errors import ConfigError
from regscale.experiments.study_file import read_study_file
from regscale.sources.catalog import load_language_config
from regscale.sources.language import Language, build_language
from regscale.sources.language_config import LanguageConfig
from regscale.store import best_model_ref
from regscale.training.run_config import RunConfig, check_run_fields, override

SOURCE_PART, TARGET_PART = "old", "new"
"""Corpus parts of natural sources and targets: disjoint content."""

SCRATCH_PARTS = (TARGET_PART, "new+old")
"""Corpus parts a natural target's scratch runs may use: its own, or the Old Testament after."""


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
    scratch_tokens: tuple[int, ...] = ()  # D of the from-scratch runs; () = finetune_tokens.
    #   A fine-tuned run is worth D_E tokens measured on the scratch curve, so that curve must
    #   reach past D_F where transfer is large: beyond its largest D, D_E is only a lower bound
    max_tokens: int = 300_000  # cap on tokens processed by one fine-tuning or scratch run
    budget_epochs: float | None = None  # cap per run: clip(budget_epochs * D, min_tokens,
    #                                      max_tokens); None: max_tokens for every run
    min_tokens: int = 0  # the smallest cap budget_epochs gives
    scratch_part: str = TARGET_PART  # corpus part of a natural target's scratch runs: "new",
    #                                  or "new+old" (the Old Testament after the New)
    finetune_lr: float | None = None  # peak learning rate of fine-tuning; None = the runs'
    #                                    optim.lr, so scratch and fine-tuned runs differ only in
    #                                    their start
    seeds: tuple[int, ...] = (0,)  # scratch and fine-tuned runs per seed (model and data);
    #                                pre-training uses the first
    run: dict[str, Any] = field(default_factory=dict)  # run fields by dotted name

    def __post_init__(self) -> None:
        check_fields(self)
        object.__setattr__(self, "pretrain_tokens", int(self.pretrain_tokens))
        object.__setattr__(self, "max_tokens", int(self.max_tokens))
        object.__setattr__(self, "min_tokens", int(self.min_tokens))
        if self.scratch_part not in SCRATCH_PARTS:
            raise ConfigError(f"transfer {self.name!r}: scratch_part must be one of "
                              f"{SCRATCH_PARTS}, got {self.scratch_part!r}")
        if self.budget_epochs is not None and not self.budget_epochs > 0:
            raise ConfigError(f"transfer {self.name!r}: budget_epochs must be > 0, got "
                              f"{self.budget_epochs}")
        if self.min_tokens > self.max_tokens:
            raise ConfigError(f"transfer {self.name!r}: min_tokens ({self.min_tokens:,}) exceeds "
                              f"max_tokens ({self.max_tokens:,})")
        object.__setattr__(self, "finetune_tokens",
                           tuple(sorted(int(d) for d in self.finetune_tokens)))
        object.__setattr__(self, "scratch_tokens",
                           tuple(sorted(int(d) for d in self.scratch_tokens))
                           or self.finetune_tokens)
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        check_run_fields(self.run)
        if not self.targets or not self.sizes or len(self.finetune_tokens) < 3 or len(
                self.scratch_tokens) < 3:
            raise ConfigError(f"transfer {self.name!r} needs targets, sizes and at least 3 "
                              "fine-tuning and 3 from-scratch dataset sizes")
        if not self.seeds or len(set(self.seeds)) < len(self.seeds):
            raise ConfigError(f"transfer {self.name!r}: seeds must be distinct and not empty")
        context = self.base(self.source_language()).model.context
        if min(self.finetune_tokens[0], self.scratch_tokens[0]) <= context:
            raise ConfigError(f"fine-tuning and scratch sets must be longer than the context "
                              f"({context}), got "
                              f"{min(self.finetune_tokens[0], self.scratch_tokens[0])}")

    def base(self, language: LanguageConfig) -> RunConfig:
        """The study's base run on ``language``: defaults, then the study's run fields."""
        return override(RunConfig(language=language), self.run)

    @cached_property
    def _languages(self) -> dict[str, LanguageConfig]:
        """Source and target configs, read from the catalog once."""
        found = {self.source: with_part(load_language_config(self.source), SOURCE_PART)}
        for target in self.targets:
            config = load_language_config(target)
            found[f"target:{target}"] = with_part(config, TARGET_PART)
            found[f"scratch:{target}"] = with_part(config, self.scratch_part)
        return found

    def source_language(self) -> LanguageConfig:
        """The source, restricted to its pre-training part when natural."""
        return self._languages[self.source]

    def target_language(self, target: str) -> LanguageConfig:
        """A target, restricted to its fine-tuning part when natural."""
        return self._languages[f"target:{target}"]

    def scratch_language(self, target: str) -> LanguageConfig:
        """A target as its from-scratch runs read it (``scratch_part`` when natural)."""
        return self._languages[f"scratch:{target}"]

    def budget(self, dataset_tokens: int) -> int:
        """Tokens a run on ``dataset_tokens`` may process at most (module docstring)."""
        if self.budget_epochs is None:
            return self.max_tokens
        wanted = math.ceil(self.budget_epochs * dataset_tokens)
        return min(self.max_tokens, max(self.min_tokens, wanted))

    @cached_property
    def built(self) -> dict[str, Language]:
        """The study's languages built once (automata compiled, corpora loaded)."""
        return {key: build_language(config) for key, config in self._languages.items()}

    def vocab_size(self) -> int:
        """The shared vocabulary: the largest of the study's languages."""
        return max(language.vocab_size for language in self.built.values())

    def _run(self, language: LanguageConfig, size: str, vocab: int, *, tokens: int,
             dataset_tokens: int | None, init_from: str | None, seed: int,
             lr: float | None = None) -> RunConfig:
        changes: dict[str, Any] = {
            "model.arch": self.arch, "model.size": size, "model.vocab_size": vocab,
            "data.tokens": tokens, "data.dataset_tokens": dataset_tokens,
            "data.seed": seed, "system.seed": seed, "init_from": init_from}
        if lr is not None:
            changes["optim.lr"] = lr
        return override(self.base(language), changes)

    def pretrain_run(self, size: str, vocab: int) -> RunConfig:
        """Pre-training of one size on fresh source data."""
        return self._run(self.source_language(), size, vocab, tokens=self.pretrain_tokens,
                         dataset_tokens=None, init_from=None, seed=self.seeds[0])

    def scratch_run(self, target: str, size: str, d: int, vocab: int, seed: int) -> RunConfig:
        """From scratch on ``d`` target tokens."""
        return self._run(self.scratch_language(target), size, vocab, tokens=self.budget(d),
                         dataset_tokens=d, init_from=None, seed=seed)

    def finetune_run(self, target: str, size: str, d_f: int, vocab: int, pretrained: str,
                     seed: int) -> RunConfig:
        """From the pre-trained run ``pretrained`` (a run id) on ``d_f`` target tokens."""
        return self._run(self.target_language(target), size, vocab, tokens=self.budget(d_f),
                         dataset_tokens=d_f, lr=self.finetune_lr,
                         init_from=best_model_ref(pretrained), seed=seed)


def with_part(config: LanguageConfig, part: str) -> LanguageConfig:
    """A natural language restricted to a corpus part (named ``<name>:<part>``); a regular one
    as it is."""
    spec = config.spec
    if not spec.natural:
        return config
    return dataclasses.replace(config, name=f"{config.name}:{part}",
                               spec=dataclasses.replace(spec, part=part))


def load_transfer(name: str = "transfer", *, preset: str | None = None,
                  overrides: dict[str, Any] | None = None,
                  run: dict[str, Any] | None = None) -> TransferConfig:
    """Load a transfer file by name (or .toml path), apply a preset, then ``overrides`` of the
    study's own keys and ``run`` fields by dotted name."""
    path, table, _ = read_study_file(name, preset, TransferConfig)
    table = {**table, **(overrides or {}), "run": {**table["run"], **(run or {})}}
    label = f"{path.stem}-{table.get('source', 'en')}" + (f"-{preset}" if preset else "")
    return from_mapping(TransferConfig, {**table, "name": label}, str(path))
