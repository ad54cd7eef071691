"""Frozen config dataclasses from TOML tables, with unknown keys and bad types reported clearly."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import tomllib

from regscale.errors import ConfigError, RegscaleError

T = TypeVar("T")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a missing or malformed file is a :class:`ConfigError`."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"no such file: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None


def from_mapping(cls: type[T], table: Mapping[str, Any], where: str) -> T:
    """Build the dataclass ``cls`` from ``table``.

    Raises
    ------
    ConfigError
        Unknown keys, missing keys, or a value the dataclass rejects (``where`` names the table).
    """
    assert dataclasses.is_dataclass(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key(s) {unknown} in {where}; known: {sorted(fields)}")
    values = {k: _freeze(v) for k, v in table.items()}
    try:
        return cls(**values)
    except RegscaleError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _freeze(value: Any) -> Any:
    """Lists (TOML arrays, JSON lists) become tuples, recursively, for frozen dataclasses."""
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value
