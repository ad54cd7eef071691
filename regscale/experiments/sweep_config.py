"""Sweep definitions: a grid of languages x architectures x sizes x budgets x seeds.

A sweep file in ``experiments/`` holds the grid's axes, the settings of its runs (any field of
:class:`~regscale.training.run_config.RunConfig`, see :mod:`regscale.experiments.study_file`)
and named presets that replace some of them (``smoke`` for 2 CPU cores, ``gpu`` for a GPU)::

    description = "..."
    languages = ["tomita3", "dfa:n=16,t=28,f=4,k=2,seed=0"]
    archs = ["gpt"]
    sizes = ["nano", "micro", "tiny", "mini"]
    tokens = [3e4, 1e5, 3e5]        # token budgets (the compute axis)
    dataset_tokens = []             # finite dataset sizes D (the data axis); [] = fresh data
    seeds = [0]
    lrs = [1e-3, 3e-3, 1e-2]        # optional: tune the peak rate per (language, arch, size)
    tuning_tokens = 3e4             #   at this budget, then use the best in the grid
    # or a grid per architecture:  lrs = {gpt = [1e-3, 3e-3, 1e-2], lstm = [1e-2, 3e-2, 1e-1]}
    context = 32                    # run fields: short keys or a [run] table
    tuning_languages = []           # tune on these languages only: one rate per (arch, size)
    [design]                        # optional: a factorial design of random DFAs replaces
    states = [4, 8, 16, 64]         #   languages (regscale.experiments.design)
    transitions_per_state = [1.5, 2.5, 3.5]
    [presets.smoke]
    sizes = ["nano", "micro", "tiny"]
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Any

from regscale.config_io import check_fields, from_mapping
from regscale.errors import ConfigError
from regscale.experiments.design import DesignConfig
from regscale.experiments.study_file import read_study_file
from regscale.sources.catalog import load_language_config
from regscale.training.run_config import RunConfig, check_run_fields, override


@dataclass(frozen=True, kw_only=True)
class SweepConfig:
    """The grid, and the run fields shared by its runs."""

    name: str  # the sweep's name (file stem, plus the preset)
    description: str = ""  # one line for people
    languages: tuple[str, ...] = ("tomita3",)  # catalog names, regex:..., dfa:..., .toml paths
    archs: tuple[str, ...] = ("gpt",)  # model architectures
    sizes: tuple[str, ...] = ("nano", "micro", "tiny")  # size presets
    tokens: tuple[int, ...] = (100_000,)  # token budgets
    dataset_tokens: tuple[int, ...] = ()  # finite dataset sizes; () = fresh data only
    seeds: tuple[int, ...] = (0,)  # model and data seeds
    lrs: tuple[float, ...] | dict[str, tuple[float, ...]] = ()  # peak learning rates to tune
    #   per (language, arch, size), one grid or one per architecture; () = every run uses optim.lr
    tuning_tokens: int | None = None  # budget of each tuning run (required with lrs)
    tuning_languages: tuple[str, ...] = ()  # tune on these only, one rate per (arch, size);
    #   () = every language tunes its own
    design: dict[str, Any] = field(default_factory=dict)  # a DesignConfig table; replaces
    #   languages (and sets tuning_languages where its tuning is "corners")
    run: dict[str, Any] = field(default_factory=dict)  # run fields by dotted name

    def __post_init__(self) -> None:
        check_fields(self)
        if self.design:
            design = from_mapping(DesignConfig, self.design, f"sweep {self.name!r} [design]")
            object.__setattr__(self, "languages", design.languages())
            if not self.tuning_languages:
                object.__setattr__(self, "tuning_languages", design.tuning_languages())
        unknown = sorted(set(self.tuning_languages) - set(self.languages))
        if unknown:
            raise ConfigError(f"sweep {self.name!r}: tuning_languages {unknown} are not among "
                              "its languages")
        for axis in ("languages", "archs", "sizes", "tokens", "seeds"):
            if not getattr(self, axis):
                raise ConfigError(f"sweep {self.name!r}: '{axis}' must not be empty")
        object.__setattr__(self, "tokens", tuple(int(t) for t in self.tokens))
        object.__setattr__(self, "dataset_tokens", tuple(int(d) for d in self.dataset_tokens))
        check_run_fields(self.run)
        object.__setattr__(self, "lrs", self._rate_grids())
        if self.lrs and not (self.tuning_tokens and self.tuning_tokens > 0):
            raise ConfigError(f"sweep {self.name!r}: 'lrs' needs 'tuning_tokens', the budget "
                              "of each tuning run")
        if self.tuning_tokens is not None:
            object.__setattr__(self, "tuning_tokens", int(self.tuning_tokens))

    def _rate_grids(self) -> tuple[float, ...] | dict[str, tuple[float, ...]]:
        """``lrs`` as floats; a per-architecture table must name exactly the sweep's archs."""
        if not isinstance(self.lrs, dict):
            return tuple(float(lr) for lr in self.lrs)
        if set(self.lrs) != set(self.archs):
            raise ConfigError(f"sweep {self.name!r}: 'lrs' per architecture names "
                              f"{sorted(self.lrs)}, the sweep's archs are {sorted(self.archs)}")
        empty = sorted(arch for arch, grid in self.lrs.items() if not grid)
        if empty:
            raise ConfigError(f"sweep {self.name!r}: 'lrs' for {empty} is empty")
        return {arch: tuple(float(lr) for lr in grid) for arch, grid in self.lrs.items()}

    def lrs_for(self, arch: str) -> tuple[float, ...]:
        """The peak learning rates tuned for ``arch`` (empty when the sweep does not tune)."""
        return self.lrs.get(arch, ()) if isinstance(self.lrs, dict) else self.lrs

    def run_configs(self) -> list[RunConfig]:
        """Every run of the grid (languages resolved; bad names fail here, before any run)."""
        languages = [load_language_config(name) for name in self.languages]
        finite: tuple[int | None, ...] = self.dataset_tokens or (None,)
        runs = []
        for language, arch, size, tokens, d, seed in itertools.product(
                languages, self.archs, self.sizes, self.tokens, finite, self.seeds):
            base = override(RunConfig(language=language), self.run)
            runs.append(override(base, {
                "model.arch": arch, "model.size": size, "data.tokens": tokens,
                "data.dataset_tokens": d, "data.seed": seed, "system.seed": seed}))
        return runs


def load_sweep(name: str, *, preset: str | None = None,
               overrides: dict[str, Any] | None = None,
               run: dict[str, Any] | None = None) -> SweepConfig:
    """Load a shipped sweep by name (or a .toml path), apply a preset, then ``overrides`` of the
    sweep's own keys and ``run`` fields by dotted name (``{"system.device": "cuda"}``)."""
    path, table, label = read_study_file(name, preset, SweepConfig)
    table["run"] = {**table["run"], **(run or {})}
    sweep = from_mapping(SweepConfig, {"name": label, **table}, str(path))
    if overrides:
        sweep = dataclasses.replace(sweep, **overrides)
    return sweep
