"""A run folder: ``config.json``, ``owner.json``, ``metrics.jsonl``, ``checkpoint.pt``,
``best_model.pt`` and ``summary.json``, the last written atomically and last of all, so its
presence means "finished".

Every file is replaced atomically (write to a temporary file, fsync, rename), so a crash or kill
leaves either the old or the new version, never a torn one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from regscale.errors import ConfigError, StorageError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; the old file survives any failure.

    Raises
    ------
    StorageError
        The write failed (disk full, file too large, permissions).
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"could not write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and Path(tmp).exists():
            Path(tmp).unlink()


def atomic_write_json(path: Path, payload: Any) -> None:
    """Replace ``path`` with pretty JSON atomically."""
    atomic_write_bytes(path, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode())


class RunFolder:
    """Paths and safe reads/writes of one run folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.config = self.path / "config.json"
        self.metrics = self.path / "metrics.jsonl"
        self.summary = self.path / "summary.json"
        self.checkpoint = self.path / "checkpoint.pt"
        self.best_model = self.path / "best_model.pt"
        self.owner = self.path / "owner.json"  # pid and host of the process that last ran it

    def is_finished(self) -> bool:
        """Whether a valid ``summary.json`` exists."""
        return self.read_summary() is not None

    def read_summary(self) -> dict[str, Any] | None:
        """The summary, or None when absent; a corrupt one raises :class:`ConfigError`."""
        if not self.summary.exists():
            return None
        try:
            summary = json.loads(self.summary.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ConfigError(f"corrupt summary {self.summary}; delete it to rerun") from None
        if not isinstance(summary, dict) or "status" not in summary:
            raise ConfigError(f"corrupt summary {self.summary}; delete it to rerun")
        return summary

    def append_metrics(self, row: dict[str, Any]) -> None:
        """Append one JSON line and make it durable (a torn line is skipped when read)."""
        try:
            with self.metrics.open("a") as handle:
                handle.write(json.dumps(row, sort_keys=True) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise StorageError(f"could not write {self.metrics}: {exc.strerror or exc}"
                               ) from None

    def read_metrics(self) -> list[dict[str, Any]]:
        """All complete metric lines (a torn last line from a crash is skipped)."""
        if not self.metrics.exists():
            return []
        rows = []
        for line in self.metrics.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return rows

    def truncate_metrics(self, after_step: int) -> None:
        """Keep only rows up to ``after_step`` (used when resuming from a checkpoint)."""
        kept = [r for r in self.read_metrics() if r.get("step", 0) <= after_step]
        atomic_write_bytes(self.metrics,
                           "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept).encode())
