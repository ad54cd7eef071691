"""Run a transfer study: pre-train a ladder on the source, then scratch and fine-tuned runs.

Layout of a study folder::

    <root>/transfer.json      the study config and its planned runs (role, target, size, D_F)
    <root>/runs/<run id>/     one folder per run; pre-trained runs are shared by all targets
    <root>/results.parquet    one row per finished run (regscale transfer-report)

Everything goes through the one training loop and the resumable sweep machinery: a study
rerun with more targets reuses the pre-trained models, and a killed study resumes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regscale.errors import ConfigError
from regscale.experiments.executors import ExecutorOptions
from regscale.experiments.sweep import run_configs
from regscale.experiments.transfer_config import TransferConfig
from regscale.sources.language import build_language
from regscale.sources.natural_language import NaturalLanguage
from regscale.training.run_config import RunConfig
from regscale.training.run_store import RunFolder, atomic_write_json


@dataclass(frozen=True)
class PlannedRun:
    """One run of a study and its place in it."""

    role: str  # pretrain | scratch | finetune
    target: str | None  # target language (None for pre-training)
    size: str  # size preset
    d_f: int | None  # fine-tuning dataset size (None for pre-training)
    config: RunConfig


def plan_transfer(study: TransferConfig) -> list[PlannedRun]:
    """Every run of the study: pre-training first, then per target, size and D_F."""
    vocab = study.vocab_size()
    plan = []
    pretrained = {}
    for size in study.sizes:
        config = study.pretrain_run(size, vocab)
        pretrained[size] = config.run_id()
        plan.append(PlannedRun("pretrain", None, size, None, config))
    for target in study.targets:
        for size in study.sizes:
            for d_f in study.finetune_tokens:
                scratch, tuned = study.target_runs(target, size, d_f, vocab, pretrained[size])
                plan.append(PlannedRun("scratch", target, size, d_f, scratch))
                plan.append(PlannedRun("finetune", target, size, d_f, tuned))
    return plan


def run_transfer(study: TransferConfig, root: Path, *, executor: str = "local",
                 options: ExecutorOptions | None = None,
                 log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run every unfinished run of the study under ``root``; returns all summaries."""
    build_language(study.source_language())  # fail fast: bad names, missing corpus packages
    for target in study.targets:
        language = build_language(study.target_language(target))
        if isinstance(language, NaturalLanguage) and \
                len(language.train_tokens) < study.finetune_tokens[-1]:
            raise ConfigError(f"target {target!r} has {len(language.train_tokens):,} "
                              f"fine-tuning tokens, fewer than D_F = "
                              f"{study.finetune_tokens[-1]:,}")
    plan = plan_transfer(study)
    atomic_write_json(root / "transfer.json", {
        "transfer": dataclasses.asdict(study),
        "runs": [{"run_id": p.config.run_id(), "role": p.role, "target": p.target,
                  "size": p.size, "D_F": p.d_f} for p in plan]})
    pretrain = [p.config for p in plan if p.role == "pretrain"]
    log(f"pre-training {len(pretrain)} model(s) on {study.source}")
    summaries = run_configs(pretrain, root, executor=executor, options=options, log=log)
    ready = {c.run_id() for c in pretrain
             if (root / "runs" / c.run_id() / "best_model.pt").is_file()}
    later = [p.config for p in plan if p.role != "pretrain"]
    usable = [c for c in later if c.init_from is None or c.init_from.split("/")[0] in ready]
    if len(usable) < len(later):
        log(f"{len(later) - len(usable)} fine-tuning run(s) skipped: their pre-trained model "
            "has no best checkpoint (diverged?)")
    log(f"fine-tuning and from-scratch runs on {', '.join(study.targets)}")
    summaries += run_configs(usable, root, executor=executor, options=options, log=log)
    return summaries


def planned_runs(root: Path) -> list[dict[str, Any]]:
    """The planned runs recorded in ``transfer.json``, with their summaries where finished."""
    path = root / "transfer.json"
    if not path.is_file():
        raise ConfigError(f"{root} is not a transfer study folder (no transfer.json)")
    runs = json.loads(path.read_text())["runs"]
    for run in runs:
        run["summary"] = RunFolder(root / "runs" / run["run_id"]).read_summary()
    return list(runs)
