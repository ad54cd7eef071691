"""Study files (sweeps and transfer studies in ``experiments/``): presets and run fields.

A study file holds the study's own keys (its grid or its ladder), named presets that replace
some of them, and the settings of its runs. Runs are built from the one base
:class:`~regscale.training.run_config.RunConfig`; a study sets any of its fields by name in a
``[run]`` table (``[run.optim] lr = 1e-3``), or through the short keys below that older files
use (``context = 32``)::

    description = "..."
    languages = ["tomita3"]
    context = 32                 # short for [run.model] context = 32
    [run.optim]
    beta2 = 0.99                 # any field of RunConfig
    [presets.smoke]
    sizes = ["nano", "micro"]
    [presets.smoke.run.eval]
    rows = 128
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from regscale.config_io import read_toml
from regscale.errors import ConfigError, UnknownNameError
from regscale.sources.catalog import catalog_dir

SHORT_KEYS = {"context": "model.context", "batch_size": "data.batch_size", "lr": "optim.lr",
              "warmup_steps": "optim.warmup_steps", "eval_every": "eval.every_steps",
              "eval_rows": "eval.rows", "eval_samples": "eval.samples",
              "patience": "eval.patience", "device": "system.device",
              "max_string_length": "data.max_string_length"}
"""Short study-file keys -> the run field each sets."""


def study_names() -> list[str]:
    """Study files shipped in ``experiments/``."""
    return sorted(p.stem for p in catalog_dir("experiments").glob("*.toml"))


def resolve_study_file(name: str) -> Path:
    """A shipped study file by name, or a .toml path as it is."""
    path = Path(name)
    if path.suffix != ".toml":
        path = catalog_dir("experiments") / f"{name}.toml"
        if not path.is_file():
            raise UnknownNameError(f"unknown experiment {name!r}; shipped: "
                                   f"{', '.join(study_names())} (or give a .toml path)")
    return path


def flatten_run_table(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optim": {"lr": 1e-3}}`` -> ``{"optim.lr": 1e-3}``."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_run_table(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _split(table: dict[str, Any], study_keys: set[str], where: str
           ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A table's study keys, and its run fields (short keys and the ``run`` table)."""
    unknown = sorted(set(table) - study_keys - set(SHORT_KEYS) - {"run"})
    if unknown:
        raise ConfigError(f"unknown key(s) {unknown} in {where}; known: "
                          f"{sorted(study_keys | set(SHORT_KEYS) | {'run'})}")
    study = {k: v for k, v in table.items() if k in study_keys}
    run = {SHORT_KEYS[k]: v for k, v in table.items() if k in SHORT_KEYS}
    run.update(flatten_run_table(table.get("run", {})))
    return study, run


def read_study_file(name: str, preset: str | None, config: type[Any]
                    ) -> tuple[Path, dict[str, Any], str]:
    """Read a study file with one preset applied: ``(path, table, label)``.

    ``table`` holds the study's own keys (the fields of the dataclass ``config``) and ``run``,
    the run fields by dotted name. The label is the file stem, plus ``-<preset>``.
    """
    path = resolve_study_file(name)
    table = read_toml(path)
    presets = table.pop("presets", {})
    keys = {f.name for f in dataclasses.fields(config)} - {"name", "run"}
    study, run = _split(table, keys, str(path))
    chosen: tuple[dict[str, Any], dict[str, Any]] | None = None
    for preset_name, preset_table in presets.items():
        split = _split(preset_table, keys, f"{path} [presets.{preset_name}]")
        if preset_name == preset:
            chosen = split
    label = path.stem
    if preset is not None:
        if chosen is None:
            raise UnknownNameError(f"{label!r} has no preset {preset!r}; presets: "
                                   f"{', '.join(sorted(presets)) or 'none'}")
        study, run = {**study, **chosen[0]}, {**run, **chosen[1]}
        label = f"{label}-{preset}"
    return path, {**study, "run": run}, label
