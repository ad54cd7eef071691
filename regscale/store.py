"""Where results live: the run folder and the study folder, read and written nowhere else.

A **run folder** ``<runs>/<run id>/`` holds::

    config.json      {"run_id": ..., **RunConfig.to_dict()}
    owner.json       pid, host and world size of the process that last ran it
    .lock            the writer lock: held by the process training the run (regscale.locks)
    metrics.jsonl    one line per evaluation (a torn last line from a crash is skipped)
    checkpoint.pt    a :class:`Checkpoint`: resumes the run exactly
    best_model.pt    {"run_id", "model"}: the weights of the best evaluation
    summary.json     written atomically and last: its presence means "finished"

A **study folder** (a sweep or a transfer study) holds::

    study.json       the study's record: its kind, its config and its planned runs
    runs/<run id>/   one run folder per run
    .lock            the tables' lock: held while a process writes what follows
    results.parquet  the collected table (and results.csv beside it)
    curves.parquet   every evaluation of every run (learning curves)
    fits/*.csv       the analysis tables
    figures/*.png    the figures
    report.md        the report

The studies of a transfer matrix keep one ``runs/`` beside their folders, so a run they share (a
target's from-scratch runs) is trained once.

Folders written before ``study.json`` existed carry ``sweep.json`` or ``transfer.json``; they are
read as records too. Every file is replaced atomically (write to a temporary file, fsync, rename),
so a crash or kill leaves either the old or the new version, never a torn one.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import socket
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from regscale.errors import ConfigError, StorageError
from regscale.locks import FolderLock, locked

BEST_METRICS = ("loss", "loss_se", "optimal_loss", "excess_loss", "excess_se", "excess_bits",
                "bits_per_token", "accuracy", "valid_mass", "acceptance", "acceptance_se",
                "bits_per_byte", "bits_per_char")
"""Evaluation metrics a summary carries at top level, taken from the best evaluation."""

SUMMARY_COLUMNS = ("run_id", "status", "language", "arch", "size", "context",
                   "non_embedding_params", "total_params", "dataset_tokens", "steps", "tokens",
                   "flops", "flops_per_token", "wall_seconds", "tokens_per_second", "threads",
                   *BEST_METRICS, "entropy_rate_nats", "converged", "late_drop")
"""Summary fields that become columns of a results table (absent ones are left empty)."""


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


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with UTF-8 text atomically."""
    atomic_write_bytes(path, text.encode())


def _torch_save(path: Path, state: dict[str, Any]) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_state(path: Path) -> dict[str, Any]:
    """A checkpoint or weights file, loaded safely (``weights_only``): tensors and containers.

    Raises
    ------
    ConfigError
        Missing or corrupt file.
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConfigError(f"no checkpoint at {path}") from None
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError,
            KeyError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"corrupt checkpoint {path}: {reason}; delete it to start the run "
                          "over") from None
    if not isinstance(state, dict):
        raise ConfigError(f"corrupt checkpoint {path}: not a checkpoint dictionary; delete it "
                          "to start the run over")
    return state


def load_weights(path: Path) -> dict[str, Any]:
    """Model weights from a ``checkpoint.pt`` or a ``best_model.pt`` (fine-tuning)."""
    state = load_state(path)
    weights: dict[str, Any] = state.get("model", state)
    return weights


def differing_fields(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted names of the fields where two JSON values differ (``model.size``, ...)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [name for key in sorted(set(a) | set(b))
                for name in differing_fields(a.get(key), b.get(key), f"{prefix}{key}.")]
    return [] if a == b else [prefix.rstrip(".") or "(whole config)"]


BEST_MODEL = "best_model.pt"
"""The best weights' file name in a run folder."""


def best_model_ref(run_id: str) -> str:
    """How a run in the same study names another run's best weights (``init_from``): relative
    to the runs folder, so a study folder can move."""
    return f"{run_id}/{BEST_MODEL}"


def run_of_ref(ref: str) -> str:
    """The run id a :func:`best_model_ref` points to."""
    return ref.split("/")[0]


@dataclass
class Checkpoint:
    """Everything that resumes a run exactly (the schema of ``checkpoint.pt``)."""

    run_id: str  # the run it belongs to
    step: int  # optimiser steps taken
    tokens_seen: int  # training tokens processed
    model: dict[str, Any]  # model state dict
    optimizer: dict[str, Any]  # optimiser state dict
    stream: dict[str, Any]  # training stream state
    best: dict[str, Any]  # the best evaluation row so far
    evals_since_best: int  # for early stopping
    train_seconds: float  # wall time spent training
    data_seconds: float  # of which drawing batches
    rng_cpu: torch.Tensor  # torch's CPU generator state
    rng_cuda: torch.Tensor | None  # this device's CUDA generator state
    memory: list[torch.Tensor] | None  # carried segment memory (Transformer-XL, LSTM)

    @classmethod
    def from_state(cls, state: dict[str, Any], path: Path) -> Checkpoint:
        """Check a loaded dict against the schema."""
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in state]
        if missing:
            raise ConfigError(f"checkpoint {path} does not match this run: lacks {missing}")
        return cls(**{n: state[n] for n in names})


class RunFolder:
    """Paths and safe reads/writes of one run folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.config = self.path / "config.json"
        self.metrics = self.path / "metrics.jsonl"
        self.summary = self.path / "summary.json"
        self.checkpoint = self.path / "checkpoint.pt"
        self.best_model = self.path / BEST_MODEL
        self.owner = self.path / "owner.json"

    # -- the writer lock -------------------------------------------------------------------------
    def lock(self) -> FolderLock:
        """The run's writer lock: one process trains a run at a time (not yet acquired)."""
        return FolderLock(self.path)

    def is_busy(self) -> bool:
        """Whether another process holds the run's lock now (it is training the run)."""
        return FolderLock(self.path).is_held_elsewhere()

    def holder(self) -> str:
        """Who last claimed the run, from ``owner.json`` ("pid 123 on host h"), or ""."""
        try:
            owner = json.loads(self.owner.read_text())
            return f"pid {owner['pid']} on {owner['host']}"
        except (OSError, ValueError, KeyError, TypeError):
            return ""

    # -- config and owner ------------------------------------------------------------------------
    def read_config(self) -> dict[str, Any] | None:
        """``config.json`` (with its ``run_id``), or None when absent."""
        if not self.config.exists():
            return None
        try:
            data = json.loads(self.config.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ConfigError(f"corrupt run config {self.config}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"corrupt run config {self.config}: not a JSON object; "
                              "delete the run folder to rerun it")
        return data

    def claim(self, run_id: str, config: dict[str, Any], world_size: int) -> None:
        """Create the folder for ``run_id`` (writing its config once) and record the owner.

        Raises
        ------
        ConfigError
            The folder already holds another run.
        """
        self.check_owner(run_id, config)
        self.path.mkdir(parents=True, exist_ok=True)
        if not self.config.exists():
            atomic_write_json(self.config, {"run_id": run_id, **config})
        atomic_write_json(self.owner, {"pid": os.getpid(), "host": socket.gethostname(),
                                       "world_size": world_size})

    def check_owner(self, run_id: str, config: dict[str, Any] | None = None) -> None:
        """Raise when the folder holds another run's config, or (given ``config``) a
        ``config.json`` of this run id whose fields were edited since it was written."""
        existing = self.read_config()
        if existing is None:
            return
        if existing.get("run_id") != run_id:
            raise ConfigError(f"{self.path} holds run {existing.get('run_id')}, not {run_id}; "
                              "choose another folder")
        if config is not None:
            stored = {k: v for k, v in existing.items() if k != "run_id"}
            differ = differing_fields(stored, json.loads(json.dumps(config)))
            if differ:
                raise ConfigError(f"{self.config} differs from run {run_id} in "
                                  f"{', '.join(differ)}; restore it, or train the new config "
                                  "in another folder (its run id differs)")

    # -- summary ---------------------------------------------------------------------------------
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
        if not isinstance(summary, dict) or not {"status", "run_id"} <= set(summary):
            raise ConfigError(f"corrupt summary {self.summary}; delete it to rerun")
        return summary

    def write_summary(self, summary: dict[str, Any]) -> None:
        """Write ``summary.json`` atomically: the run is finished from now on."""
        atomic_write_json(self.summary, summary)

    # -- metrics ---------------------------------------------------------------------------------
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
        return self._metric_lines()[0]

    def torn_metric_lines(self) -> int:
        """How many lines of ``metrics.jsonl`` are not whole JSON objects (a crash mid-write)."""
        return self._metric_lines()[1]

    def _metric_lines(self) -> tuple[list[dict[str, Any]], int]:
        if not self.metrics.exists():
            return [], 0
        rows, torn = [], 0
        for line in self.metrics.read_text(errors="replace").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                torn += 1
                continue
            if isinstance(row, dict):
                rows.append(row)
            else:
                torn += 1
        return rows, torn

    def truncate_metrics(self, after_step: int) -> None:
        """Keep only rows up to ``after_step`` (used when resuming from a checkpoint)."""
        kept = [r for r in self.read_metrics() if r.get("step", 0) <= after_step]
        atomic_write_bytes(self.metrics,
                           "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept).encode())

    # -- checkpoints -----------------------------------------------------------------------------
    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Write ``checkpoint.pt`` atomically."""
        _torch_save(self.checkpoint, asdict(checkpoint))

    def load_checkpoint(self, run_id: str) -> Checkpoint:
        """``checkpoint.pt``, checked to belong to ``run_id`` and to match the schema."""
        state = load_state(self.checkpoint)
        if state.get("run_id") != run_id:
            raise ConfigError(f"checkpoint {self.checkpoint} belongs to run "
                              f"{state.get('run_id')!r}, not {run_id!r}")
        return Checkpoint.from_state(state, self.checkpoint)

    def save_best_model(self, run_id: str, weights: dict[str, Any]) -> None:
        """Write ``best_model.pt`` atomically."""
        _torch_save(self.best_model, {"run_id": run_id, "model": weights})


@dataclass(frozen=True)
class StudyRecord:
    """What a study folder was made for: its kind, its config and its planned runs."""

    kind: str  # sweep | transfer
    config: dict[str, Any]  # the study config as a dict (dataclasses.asdict)
    runs: list[dict[str, Any]]  # one dict per planned run, each with its "run_id"

    @property
    def run_ids(self) -> list[str]:
        """Planned run ids, in plan order."""
        return [run["run_id"] for run in self.runs]


class StudyFolder:
    """Paths and safe reads/writes of one study folder (a sweep or a transfer study)."""

    def __init__(self, root: Path, runs: Path | None = None) -> None:
        self.root = Path(root)
        self.runs = Path(runs) if runs is not None else self.root / "runs"  # shared by the
        #   studies of a transfer matrix, so that they share identical runs
        self.record = self.root / "study.json"
        self.results = self.root / "results.parquet"
        self.curves = self.root / "curves.parquet"
        self.fits = self.root / "fits"
        self.figures = self.root / "figures"
        self.report = self.root / "report.md"

    def run(self, run_id: str) -> RunFolder:
        """The folder of one run."""
        return RunFolder(self.runs / run_id)

    @contextmanager
    def writing_tables(self) -> Iterator[None]:
        """Hold the lock of the study's shared tables (results, curves, fits, figures, report)
        for the body, waiting for another process that holds it: one writer at a time."""
        with locked(self.root):
            yield

    def run_folders(self) -> list[RunFolder]:
        """Every run folder present, sorted by run id."""
        return [RunFolder(p) for p in sorted(self.runs.glob("*")) if p.is_dir()]

    def write_record(self, record: StudyRecord) -> None:
        """Write ``study.json``: later analysis reads exactly these runs."""
        atomic_write_json(self.record, {"kind": record.kind, "config": record.config,
                                        "runs": record.runs})

    def read_record(self) -> StudyRecord | None:
        """``study.json``, or the ``sweep.json`` / ``transfer.json`` of older folders."""
        for path, kind in ((self.record, None), (self.root / "sweep.json", "sweep"),
                           (self.root / "transfer.json", "transfer")):
            if not path.is_file():
                continue
            try:
                data = json.loads(path.read_text())
                if kind is None:
                    record = StudyRecord(kind=data["kind"], config=data["config"],
                                         runs=data["runs"])
                elif kind == "sweep":
                    record = StudyRecord(kind=kind, config=data["sweep"],
                                         runs=[{"run_id": r} for r in data["run_ids"]])
                else:
                    record = StudyRecord(kind=kind, config=data["transfer"], runs=data["runs"])
                record.run_ids  # noqa: B018  (every planned run names its id)
            except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
                raise ConfigError(f"corrupt study record {path}: not a regscale study record "
                                  "(damaged, or written by another tool); move it away to use "
                                  "the folder") from None
            if record.kind not in ("sweep", "transfer"):
                raise ConfigError(f"{path} records a study of unknown kind {record.kind!r}")
            return record
        return None

    def write_results(self, table: pd.DataFrame) -> Path:
        """``results.parquet`` and ``results.csv``, atomically; returns the parquet path."""
        self._write_parquet(self.results, table)
        atomic_write_text(self.root / "results.csv", table.to_csv(index=False))
        return self.results

    def write_curves(self, table: pd.DataFrame) -> Path:
        """``curves.parquet``: every evaluation of every run."""
        self._write_parquet(self.curves, table)
        return self.curves

    def write_table(self, name: str, table: pd.DataFrame) -> Path:
        """``fits/<name>.csv``, atomically."""
        path = self.fits / f"{name}.csv"
        atomic_write_text(path, table.to_csv(index=False))
        return path

    def figure(self, name: str) -> Path:
        """Where the figure ``name`` goes (the folder is created)."""
        self.figures.mkdir(parents=True, exist_ok=True)
        return self.figures / f"{name}.png"

    def write_report(self, text: str) -> Path:
        """``report.md``, atomically."""
        atomic_write_text(self.report, text)
        return self.report

    @staticmethod
    def _write_parquet(path: Path, table: pd.DataFrame) -> None:
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        atomic_write_bytes(path, buffer.getvalue())
