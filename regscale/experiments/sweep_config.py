"""Sweep definitions: a grid of languages x architectures x sizes x budgets x seeds.

A sweep file in ``experiments/`` holds the grid's axes and run settings, and named presets that
replace some of them (``smoke`` for 2 CPU cores, ``gpu`` for a GPU)::

    description = "..."
    languages = ["tomita3", "dfa:n=16,t=28,f=4,k=2,seed=0"]
    archs = ["gpt"]
    sizes = ["nano", "micro", "tiny", "mini"]
    tokens = [3e4, 1e5, 3e5]        # token budgets (the compute axis)
    dataset_tokens = []             # finite dataset sizes D (the data axis); [] = fresh data
    seeds = [0]
    [presets.smoke]
    sizes = ["nano", "micro", "tiny"]
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regscale.config_io import from_mapping, read_toml
from regscale.errors import ConfigError, UnknownNameError
from regscale.models.registry import ModelConfig
from regscale.sources.catalog import catalog_dir, load_language_config
from regscale.training.run_config import (
    DataConfig,
    EvalConfig,
    OptimConfig,
    RunConfig,
    SystemConfig,
)


@dataclass(frozen=True, kw_only=True)
class SweepConfig:
    """The grid and the settings shared by its runs."""

    name: str  # the sweep's name (file stem, plus the preset)
    description: str = ""  # one line for people
    languages: tuple[str, ...] = ("tomita3",)  # catalog names, regex:..., dfa:..., .toml paths
    archs: tuple[str, ...] = ("gpt",)  # model architectures
    sizes: tuple[str, ...] = ("nano", "micro", "tiny")  # size presets
    tokens: tuple[int, ...] = (100_000,)  # token budgets
    dataset_tokens: tuple[int, ...] = ()  # finite dataset sizes; () = fresh data only
    seeds: tuple[int, ...] = (0,)  # model and data seeds
    context: int = 32  # window / segment length
    batch_size: int = 32  # global batch
    lr: float = 3e-3  # peak learning rate
    warmup_steps: int = 20  # linear warm-up
    eval_every: int = 50  # steps between evaluations
    eval_rows: int = 64  # held-out windows / streams
    eval_samples: int = 32  # free-running samples for acceptance
    patience: int = 3  # early stopping on finite data
    device: str = "auto"  # auto = CUDA when present

    def __post_init__(self) -> None:
        for axis in ("languages", "archs", "sizes", "tokens", "seeds"):
            if not getattr(self, axis):
                raise ConfigError(f"sweep {self.name!r}: '{axis}' must not be empty")
        object.__setattr__(self, "tokens", tuple(int(t) for t in self.tokens))
        object.__setattr__(self, "dataset_tokens", tuple(int(d) for d in self.dataset_tokens))

    def run_configs(self) -> list[RunConfig]:
        """Every run of the grid (languages resolved; bad names fail here, before any run)."""
        languages = [load_language_config(name) for name in self.languages]
        finite: tuple[int | None, ...] = self.dataset_tokens or (None,)
        runs = []
        for language, arch, size, tokens, d, seed in itertools.product(
                languages, self.archs, self.sizes, self.tokens, finite, self.seeds):
            runs.append(RunConfig(
                language=language,
                model=ModelConfig(arch=arch, size=size, context=self.context),
                data=DataConfig(tokens=tokens, dataset_tokens=d, batch_size=self.batch_size,
                                seed=seed),
                optim=OptimConfig(lr=self.lr, warmup_steps=self.warmup_steps),
                eval=EvalConfig(every_steps=self.eval_every, rows=self.eval_rows,
                                samples=self.eval_samples, patience=self.patience),
                system=SystemConfig(device=self.device, seed=seed),
            ))
        return runs


def sweep_names() -> list[str]:
    """Sweep files shipped in ``experiments/``."""
    return sorted(p.stem for p in catalog_dir("experiments").glob("*.toml"))


def resolve_experiment_file(name: str) -> Path:
    """A shipped experiment file by name, or a .toml path as it is."""
    path = Path(name)
    if path.suffix != ".toml":
        path = catalog_dir("experiments") / f"{name}.toml"
        if not path.is_file():
            raise UnknownNameError(f"unknown experiment {name!r}; shipped: "
                                   f"{', '.join(sweep_names())} (or give a .toml path)")
    return path


def read_experiment(name: str, preset: str | None, config: type[Any]
                    ) -> tuple[Path, dict[str, Any], str]:
    """Read an experiment file with one preset applied: ``(path, table, label)``.

    Every preset's keys are checked against the fields of the dataclass ``config``; the label
    is the file stem, plus ``-<preset>``.
    """
    path = resolve_experiment_file(name)
    table = read_toml(path)
    presets = table.pop("presets", {})
    fields = {f.name for f in dataclasses.fields(config)} - {"name"}
    for preset_name, preset_table in presets.items():
        unknown = sorted(set(preset_table) - fields)
        if unknown:
            raise ConfigError(f"unknown key(s) {unknown} in {path} [presets.{preset_name}]; "
                              f"known: {sorted(fields)}")
    label = path.stem
    if preset is not None:
        if preset not in presets:
            raise UnknownNameError(f"{label!r} has no preset {preset!r}; presets: "
                                   f"{', '.join(sorted(presets)) or 'none'}")
        table = {**table, **presets[preset]}
        label = f"{label}-{preset}"
    return path, table, label


def load_sweep(name: str, *, preset: str | None = None,
               overrides: dict[str, Any] | None = None) -> SweepConfig:
    """Load a shipped sweep by name (or a .toml path), apply a preset, then overrides."""
    path, table, label = read_experiment(name, preset, SweepConfig)
    sweep = from_mapping(SweepConfig, {"name": label, **table}, str(path))
    if overrides:
        sweep = dataclasses.replace(sweep, **overrides)
    return sweep
