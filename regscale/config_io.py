"""Frozen config dataclasses from TOML tables, with unknown keys and bad types reported clearly."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
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
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table of keys, got {table!r}")
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


def check_fields(config: Any) -> None:
    """Check every field of a config dataclass against its annotation, once, at the edge.

    ``int`` fields take whole numbers (a whole float such as TOML's ``3e5`` too, never a
    bool), ``float`` fields finite numbers, ``str`` and ``bool`` fields exactly those,
    ``X | None`` None or an X, ``tuple[X, ...]`` a sequence of X. Call it first in
    ``__post_init__``, so that a config built from TOML, JSON, ``--set`` or code is checked
    the same way before its own range checks run.

    Raises
    ------
    ConfigError
        A field of the wrong type, naming the field and the value.
    """
    for name, kind in _field_types(type(config)).items():
        value = getattr(config, name)
        if not _fits(kind, value):
            raise ConfigError(f"{name} must be {_describe(kind)}, got {value!r}")


_FIELD_TYPES: dict[type[Any], dict[str, Any]] = {}


def _field_types(cls: type[Any]) -> dict[str, Any]:
    if cls not in _FIELD_TYPES:
        try:
            hints = typing.get_type_hints(cls)
        except (NameError, TypeError):  # an annotation that cannot be resolved: not checked
            hints = {}
        _FIELD_TYPES[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls)
                             if f.name in hints}
    return _FIELD_TYPES[cls]


_NOUNS = {bool: ("true or false", "trues or falses"), int: ("a whole number", "whole numbers"),
          float: ("a finite number", "finite numbers"), str: ("a string", "strings")}


def _fits(kind: Any, value: Any) -> bool:
    """Whether ``value`` fits the annotation ``kind`` (annotations not listed here: yes)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        return (value is None and type(None) in args) or any(
            _fits(a, value) for a in args if a is not type(None))
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return not isinstance(value, bool) and (isinstance(value, int) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer()))
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool) and \
            math.isfinite(value)
    if kind is str:
        return isinstance(value, str)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return isinstance(value, tuple | list) and all(_fits(args[0], v) for v in value)
    return True


def _describe(kind: Any, plural: bool = False) -> str:
    """``int`` -> "a whole number"; ``tuple[int, ...]`` -> "a list of whole numbers"."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        options = [_describe(a, plural) for a in args if a is not type(None)]
        return " or ".join(options + (["none"] if type(None) in args else []))
    if origin is tuple:
        return "lists of " + _describe(args[0], True) if plural else \
            "a list of " + _describe(args[0], True)
    nouns = _NOUNS.get(kind)
    return nouns[plural] if nouns else ("values" if plural else "a value") + f" of {kind}"
