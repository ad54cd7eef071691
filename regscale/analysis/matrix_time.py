"""How long a transfer matrix will take here: ``regscale transfer --matrix ... --plan``.

A matrix runs its studies one after another (:mod:`regscale.experiments.transfer_matrix`): each
source's pre-training ladder, then that source's fine-tuned runs and every from-scratch run not
trained by an earlier source. Each of these is a phase, timed by
:func:`regscale.experiments.time_estimate.estimate_phases` from real probe groups on this
machine, with every run at its token cap: runs stop early on their held-out loss, so the total
is an upper bound.
"""

from __future__ import annotations

from collections.abc import Callable

from regscale.experiments.time_estimate import PhaseEstimate, StepCost, estimate_phases
from regscale.experiments.transfer import plan_transfer
from regscale.experiments.transfer_config import TransferConfig
from regscale.training.run_config import RunConfig


def matrix_phases(studies: list[TransferConfig]) -> list[tuple[str, list[RunConfig]]]:
    """The matrix's phases in the order it runs them, each run in the first phase that has it."""
    seen: set[str] = set()
    phases = []
    for study in studies:
        planned = plan_transfer(study)
        for name, roles in ((f"pre-train {study.source}", {"pretrain"}),
                            (f"targets of {study.source}", {"scratch", "finetune"})):
            runs = []
            for p in planned:
                if p.role in roles and (run_id := p.config.run_id()) not in seen:
                    seen.add(run_id)
                    runs.append(p.config)
            phases.append((name, runs))
    return phases


def estimate_matrix(studies: list[TransferConfig], *, workers: int, max_group: int | None,
                    measure: Callable[[RunConfig, int], StepCost] | None = None
                    ) -> list[PhaseEstimate]:
    """Each phase's wall time at its runs' caps on ``workers`` (module docstring)."""
    return estimate_phases(matrix_phases(studies), workers=workers, max_group=max_group,
                           measure=measure)
