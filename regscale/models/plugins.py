"""Architectures from outside regscale: an import path or an installed plug-in.

A model is named by ``arch`` in a run's config. Besides the built-in names it may be

- an import path ``package.module:Name`` (importable from ``sys.path`` or the working
  directory; on Ray or SLURM workers as well), or
- the name of an entry point in the group :data:`ENTRY_POINT_GROUP` of an installed package
  (``[project.entry-points."regscale.models"] mynet = "mypkg.models:MyNet"``).

``Name`` is a builder: a :class:`~regscale.models.base.SequenceModel` subclass, or any callable,
taking the keyword arguments ``vocab_size, context, n_layer, d_model, n_head, dropout`` and
returning a ``SequenceModel`` (the loop, resume, DDP, FLOPs accounting, sweeps, fits and reports
need nothing else; see docs/design.md, "Bring your own architecture"). The model is checked once
when built: it must be a ``SequenceModel`` whose forward maps ``long[B, T]`` to ``[B, T, V]``
logits.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable
from functools import cache
from importlib.metadata import entry_points
from typing import Any

import torch

from regscale.errors import ConfigError, UnknownNameError
from regscale.models.base import SequenceModel

ENTRY_POINT_GROUP = "regscale.models"
"""Entry point group through which installed packages offer architectures."""

Builder = Callable[..., Any]


def is_import_path(arch: str) -> bool:
    """``package.module:Name``."""
    return ":" in arch


@cache
def installed_plugins() -> dict[str, str]:
    """Entry point name -> ``module:Name`` of every installed plug-in."""
    return {point.name: point.value for point in entry_points(group=ENTRY_POINT_GROUP)}


def resolve_builder(arch: str, builtins: Iterable[str] = ()) -> Builder:
    """The builder an import path or plug-in name stands for; ``builtins`` are the names the
    error lists beside the plug-ins.

    Raises
    ------
    UnknownNameError
        Neither an import path nor an installed plug-in.
    ConfigError
        The module does not import, or has no such name, or the name is not callable.
    """
    path = arch if is_import_path(arch) else installed_plugins().get(arch)
    if path is None:
        raise UnknownNameError(
            f"unknown model {arch!r}; choose one of {sorted(builtins)}, an installed plug-in "
            f"{sorted(installed_plugins())} or an import path module:Name")
    module_name, _, name = path.partition(":")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())  # as `python -m` would: modules beside the user resolve
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any import failure is the user's module, said in one line
        raise ConfigError(f"model {arch!r}: module {module_name!r} does not import "
                          f"({type(exc).__name__}: {exc})") from None
    builder: Any = module
    for part in name.split("."):
        builder = getattr(builder, part, None)
        if builder is None:
            raise ConfigError(f"model {arch!r}: module {module_name!r} has no {name!r}")
    if not callable(builder):
        raise ConfigError(f"model {arch!r}: {name!r} is not a class or function")
    return builder


def build_plugin(arch: str, *, vocab_size: int, context: int, n_layer: int, d_model: int,
                 n_head: int, dropout: float) -> SequenceModel:
    """Build and check a model from outside regscale (module docstring).

    Raises
    ------
    ConfigError
        The builder fails, or what it returns breaks the interface.
    """
    builder = resolve_builder(arch)
    try:
        model = builder(vocab_size=vocab_size, context=context, n_layer=n_layer,
                        d_model=d_model, n_head=n_head, dropout=dropout)
    except Exception as exc:
        raise ConfigError(f"model {arch!r} could not be built with vocab_size, context, "
                          f"n_layer, d_model, n_head, dropout ({type(exc).__name__}: {exc})"
                          ) from None
    if not isinstance(model, SequenceModel):
        raise ConfigError(f"model {arch!r} built a {type(model).__name__}, not a "
                          "regscale.models.base.SequenceModel")
    check_interface(arch, model, vocab_size, context)
    return model


def check_interface(arch: str, model: SequenceModel, vocab_size: int, context: int) -> None:
    """One forward pass of two short rows: logits ``[2, T, V]`` and finite parameter counts."""
    tokens = torch.zeros(2, min(context, 4), dtype=torch.long)
    try:
        with torch.no_grad():
            out = model(tokens, None)
        logits = out[0] if isinstance(out, tuple) else None
        counts = (model.embedding_params(), model.non_embedding_params(),
                  model.train_flops_per_token())
    except Exception as exc:
        raise ConfigError(f"model {arch!r} breaks the SequenceModel interface "
                          f"({type(exc).__name__}: {exc})") from None
    expected = (2, tokens.shape[1], vocab_size)
    if not isinstance(out, tuple) or len(out) != 2 or not isinstance(logits, torch.Tensor) \
            or tuple(logits.shape) != expected:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(out).__name__
        raise ConfigError(f"model {arch!r} breaks the SequenceModel interface: forward must "
                          f"return (logits {list(expected)}, memory), got {shape}")
    if min(counts) < 0:
        raise ConfigError(f"model {arch!r} reports negative parameter or FLOP counts {counts}")
