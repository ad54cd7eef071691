"""Checkpoints: model, optimiser, step, RNG and stream state, so a run resumes exactly.

Saved atomically with ``torch.save``; loaded with ``torch.load(weights_only=True)``, so a
checkpoint can hold only tensors and plain containers. A corrupt file or one from another run
(its run id differs) is a one-line :class:`~regscale.errors.ConfigError`.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from regscale.errors import ConfigError
from regscale.training.run_store import atomic_write_bytes


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Serialise ``state`` to ``path`` atomically."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_checkpoint(path: Path, *, run_id: str | None = None) -> dict[str, Any]:
    """Load a checkpoint safely; check it belongs to ``run_id`` when given."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConfigError(f"no checkpoint at {path}") from None
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError,
            KeyError) as exc:
        raise ConfigError(f"corrupt checkpoint {path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(state, dict):
        raise ConfigError(f"corrupt checkpoint {path}: not a checkpoint dictionary")
    if run_id is not None and state.get("run_id") != run_id:
        raise ConfigError(f"checkpoint {path} belongs to run {state.get('run_id')!r}, "
                          f"not {run_id!r}")
    return state


def load_model_weights(model: torch.nn.Module, path: Path) -> None:
    """Load weights for fine-tuning from a checkpoint or a ``best_model.pt``; shapes must fit."""
    state = load_checkpoint(path)
    weights = state.get("model", state)
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"weights in {path} do not fit this model: {first}") from None
