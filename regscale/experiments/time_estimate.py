"""How long a study will take here: measured step costs, its fused groups, and its workers.

For each shape and group size a study will train, :func:`step_cost` trains a real group of that
many members for a few steps, twice (the one training loop, one thread, the study's own
evaluation settings): once evaluating once, once three times. The loop's step clock gives the
cost of a step, the difference of the rest the cost of an evaluation, and what remains the
start-up. A group then costs ``start + steps x step + evaluations x evaluation``. With several
workers the probes run in as many processes at once, so that the measured costs include what
concurrent workers take from each other (memory bandwidth, caches, turbo): one probe alone on 2
cores ran 1.5-1.8x faster than the workers of a real sweep.
Groups are placed on the workers longest first; phases (tuning, then the grid) follow one
another. Runs that stop early finish sooner than this: the estimate is an upper bound.
"""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import tempfile
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from regscale.experiments.grouping import Group, plan_groups
from regscale.threads import threads_for
from regscale.training.group_key import group_key
from regscale.training.loop import eval_interval, train_group
from regscale.training.run_config import RunConfig, override

PROBE_STEPS = 24
"""Steps of each measuring run."""


@dataclasses.dataclass(frozen=True)
class StepCost:
    """Measured costs of one group shape: seconds per step, per evaluation, and to start."""

    step: float
    evaluation: float
    start: float

    def group_seconds(self, steps: int, every: int) -> float:
        """A group of ``steps`` steps evaluating every ``every`` steps and at the end."""
        return self.start + steps * self.step + (-(-steps // max(every, 1))) * self.evaluation


def step_cost(config: RunConfig, members: int, *, steps: int = PROBE_STEPS) -> StepCost:
    """Measure a group of ``members`` runs shaped like ``config``: one probe evaluating once,
    one evaluating three times (module docstring)."""
    rests, clocks = [], []
    for every in (steps, steps // 3):
        probes = [override(config, {"data.tokens": steps * config.tokens_per_step,
                                    "data.dataset_tokens": None, "data.seed": 10_000 + k,
                                    "system.seed": 10_000 + k, "eval.every_steps": every,
                                    "init_from": None})  # a fine-tuning step costs the same
                  for k in range(members)]
        with tempfile.TemporaryDirectory(prefix="regscale-probe-") as tmp, threads_for(1):
            start = time.perf_counter()
            summaries = train_group([(p, Path(tmp) / f"m{k}") for k, p in enumerate(probes)],
                                    progress=False)
            total = time.perf_counter() - start
        clock = sum(float(s["wall_seconds"]) for s in summaries if s is not None)
        clocks.append(clock)
        rests.append(max(total - clock, 0.0))
    evaluation = max((rests[1] - rests[0]) / 2, 0.0)
    return StepCost(step=min(clocks) / steps, evaluation=evaluation,
                    start=max(rests[0] - evaluation, 0.0))


def makespan(costs: Sequence[float], workers: int) -> float:
    """Seconds until ``workers`` finish ``costs``, longest first, each to the least loaded."""
    loads = [0.0] * max(workers, 1)
    for cost in sorted(costs, reverse=True):
        loads[loads.index(min(loads))] += cost
    return max(loads)


@dataclasses.dataclass(frozen=True)
class PhaseEstimate:
    """One phase of a study: its runs, groups and estimated wall time."""

    name: str
    runs: int
    groups: int
    seconds: float


def concurrent_step_cost(pool: ProcessPoolExecutor, workers: int, config: RunConfig,
                         members: int) -> StepCost:
    """:func:`step_cost` measured in ``workers`` processes at once; their mean."""
    costs = list(pool.map(step_cost, [config] * workers, [members] * workers))
    return StepCost(step=sum(c.step for c in costs) / workers,
                    evaluation=sum(c.evaluation for c in costs) / workers,
                    start=sum(c.start for c in costs) / workers)


def estimate_phases(phases: Sequence[tuple[str, list[RunConfig]]], *, workers: int,
                    max_group: int | None, device_type: str = "cpu",
                    measure: Callable[[RunConfig, int], StepCost] | None = None
                    ) -> list[PhaseEstimate]:
    """Each phase's wall time on ``workers`` (phases run one after another); ``measure``
    replaces the concurrent probes."""
    if measure is not None:
        return _estimate(phases, workers, max_group, device_type, measure)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return _estimate(phases, workers, max_group, device_type,
                         functools.partial(concurrent_step_cost, pool, workers))


def _estimate(phases: Sequence[tuple[str, list[RunConfig]]], workers: int,
              max_group: int | None, device_type: str,
              timer: Callable[[RunConfig, int], StepCost]) -> list[PhaseEstimate]:
    cache: dict[tuple[Hashable, int], StepCost] = {}
    out = []
    for name, runs in phases:
        groups: list[Group] = plan_groups([(r, Path(r.run_id())) for r in runs],
                                          max_group=max_group, device_type=device_type)
        costs = []
        for group in groups:
            first = group[0][0]
            key = (group_key(first), len(group))
            if key not in cache:
                cache[key] = timer(first, len(group))
            steps = max(config.total_steps for config, _ in group)
            costs.append(cache[key].group_seconds(steps, eval_interval(first)))
        out.append(PhaseEstimate(name=name, runs=len(runs), groups=len(groups),
                                 seconds=makespan(costs, workers)))
    return out
