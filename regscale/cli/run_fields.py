"""``--set FIELD=VALUE``: any field of a run's config, by dotted name, in every command that
trains (``train``, ``sweep``, ``transfer``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
import tomllib

from regscale.training.run_config import check_run_fields

F = TypeVar("F", bound=Callable[..., Any])


def set_option(func: F) -> F:
    """Add the repeatable ``--set`` option (parsed into ``sets``)."""
    return click.option(
        "--set", "sets", multiple=True, metavar="FIELD=VALUE",
        help="Set any run field by dotted name (repeatable), e.g. --set optim.beta2=0.99 "
             "--set eval.rows=128; names as in config.json.")(func)


def parse_sets(sets: tuple[str, ...]) -> dict[str, Any]:
    """``("optim.lr=1e-3",)`` -> ``{"optim.lr": 0.001}``; values read as TOML, else text."""
    out: dict[str, Any] = {}
    for item in sets:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected FIELD=VALUE, got {item!r}", param_hint="--set")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        out[name.strip()] = value
    check_run_fields(out)
    return out
