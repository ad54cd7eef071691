"""Run a transfer study: pre-train a ladder on the source, then scratch and fine-tuned runs.

The study's record (``study.json``, see :mod:`regscale.store`) lists every planned run with its
role (pretrain, scratch, finetune), target, size and D_F; pre-trained runs are shared by all
targets. Everything goes through the one training loop and the resumable runner: a study rerun
with more targets reuses the pre-trained models, and a killed study resumes. The analysis is
:func:`regscale.analysis.transfer.analyse_transfer` (``regscale transfer --report-only``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regscale.errors import ConfigError
from regscale.experiments.executors import ExecutorOptions
from regscale.experiments.runner import run_configs
from regscale.experiments.transfer_config import TransferConfig
from regscale.store import StudyFolder, StudyRecord, run_of_ref
from regscale.training.run_config import RunConfig


@dataclass(frozen=True)
class PlannedRun:
    """One run of a study and its place in it."""

    role: str  # pretrain | scratch | finetune
    target: str | None  # target language (None for pre-training)
    size: str  # size preset
    d_f: int | None  # dataset size: D_F, or D of a scratch run (None for pre-training)
    config: RunConfig

    def record(self) -> dict[str, Any]:
        """The run's entry in the study record (its seed is the run's own ``seed``)."""
        return {"run_id": self.config.run_id(), "role": self.role, "target": self.target,
                "size": self.size, "D_F": self.d_f}


def plan_transfer(study: TransferConfig) -> list[PlannedRun]:
    """Every run of the study: pre-training first, then per target, size, seed and dataset size
    the scratch run (where D is a scratch budget) and the fine-tuned run (where it is a D_F)."""
    vocab = study.vocab_size()
    plan = []
    pretrained = {}
    for size in study.sizes:
        config = study.pretrain_run(size, vocab)
        pretrained[size] = config.run_id()
        plan.append(PlannedRun("pretrain", None, size, None, config))
    for target in study.targets:
        for size in study.sizes:
            for seed in study.seeds:
                for d in sorted(set(study.scratch_tokens) | set(study.finetune_tokens)):
                    if d in study.scratch_tokens:
                        plan.append(PlannedRun("scratch", target, size, d, study.scratch_run(
                            target, size, d, vocab, seed)))
                    if d in study.finetune_tokens:
                        plan.append(PlannedRun("finetune", target, size, d, study.finetune_run(
                            target, size, d, vocab, pretrained[size], seed)))
    return plan


def run_transfer(study: TransferConfig, root: Path, *, executor: str = "local",
                 options: ExecutorOptions | None = None, runs: Path | None = None,
                 log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run every unfinished run of the study under ``root`` (its run folders under ``runs``
    where given, shared with other studies); returns all summaries."""
    for target in study.targets:  # fail fast: bad names, missing corpora, too little text
        for role, key, largest in (("fine-tuning", "target", study.finetune_tokens[-1]),
                                   ("from-scratch", "scratch", study.scratch_tokens[-1])):
            available = study.built[f"{key}:{target}"].finite_tokens
            if available is not None and available < largest:
                raise ConfigError(f"target {target!r} has {available:,} {role} tokens, fewer "
                                  f"than the study's largest {role} dataset, {largest:,}")
    plan = plan_transfer(study)
    folder = StudyFolder(root, runs)
    folder.write_record(StudyRecord(kind="transfer", config=dataclasses.asdict(study),
                                    runs=[p.record() for p in plan]))
    pretrain = [p.config for p in plan if p.role == "pretrain"]
    log(f"pre-training {len(pretrain)} model(s) on {study.source}")
    summaries = run_configs(pretrain, folder, executor=executor, options=options, log=log)
    ready = {c.run_id() for c in pretrain if folder.run(c.run_id()).best_model.is_file()}
    later = [p.config for p in plan if p.role != "pretrain"]
    usable = [c for c in later if c.init_from is None or run_of_ref(c.init_from) in ready]
    if len(usable) < len(later):
        log(f"{len(later) - len(usable)} fine-tuning run(s) skipped: their pre-trained model "
            "has no best checkpoint (diverged?)")
    log(f"fine-tuning and from-scratch runs on {', '.join(study.targets)}")
    summaries += run_configs(usable, folder, executor=executor, options=options, log=log)
    return summaries
