"""Live metrics: every evaluation of a run also written where a dashboard reads it while the run
goes on. Off by default; ``--log tensorboard`` on ``regscale train``, ``sweep`` and
``transfer``.

``tensorboard``
    Event files in ``<run folder>/tensorboard/`` (``pip install 'regscale[live]'``): each
    numeric field of an evaluation as the scalar ``eval/<field>`` against tokens seen, and the
    run's language, architecture and size as text, so ``tensorboard --logdir results/<study>``
    shows every run of a sweep as it trains.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

from regscale.errors import ConfigError

SINKS = ("tensorboard",)
"""Names ``--log`` accepts."""


class MetricSink(Protocol):
    """Somewhere evaluations go besides ``metrics.jsonl``."""

    def write(self, row: dict[str, Any]) -> None:
        """One evaluation row (as ``metrics.jsonl`` has it)."""

    def close(self) -> None:
        """Flush and release."""


class TensorBoardSink:
    """Scalars ``eval/<field>`` against tokens, in ``<folder>/tensorboard``."""

    def __init__(self, folder: Path, title: str) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ConfigError("--log tensorboard needs TensorBoard: pip install "
                              "'regscale[live]'") from None
        self.writer = SummaryWriter(log_dir=str(folder / "tensorboard"))
        self.writer.add_text("run", title, global_step=0)

    def write(self, row: dict[str, Any]) -> None:
        step = int(row["tokens"])
        for key, value in row.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and \
                    key not in ("tokens", "step") and math.isfinite(value):
                self.writer.add_scalar(f"eval/{key}", value, global_step=step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def open_sinks(names: tuple[str, ...], folder: Path, title: str) -> list[MetricSink]:
    """The sinks ``names`` asks for.

    Raises
    ------
    ConfigError
        An unknown name, or a sink whose package is not installed.
    """
    unknown = sorted(set(names) - set(SINKS))
    if unknown:
        raise ConfigError(f"unknown --log {unknown}; choose from {list(SINKS)}")
    return [TensorBoardSink(folder, title) for name in names if name == "tensorboard"]
