"""Group a study's unfinished runs for fused training: same shape together, up to a measured K.

Runs that agree on :func:`regscale.training.group_key.group_key` and on their vocabulary (the
language's, or the model's override) may train as one fused group; different languages,
budgets, seeds and learning rates share groups. A shape trains in groups of at most
:data:`FUSED_GROUP_SIZES` members (measured on the device type by ``benchmarks/fused.py``, which
prints the table), solo where the table says fusing does not pay or has no entry, and at most
``max_group`` when that is set (``--fuse K``; ``--no-fuse`` is 1). Within a shape, runs are
sorted by their number of steps before they are cut into groups, so members of a group end
close together and the group does not run on for long with few members; a group smaller than
its fused form's ``min_members`` trains solo (and a group that shrinks below it goes on solo).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path

from regscale.models.fused import FusedModel
from regscale.models.registry import build_model, fused_form
from regscale.sources.language import build_language
from regscale.sources.language_config import LanguageConfig
from regscale.training.group_key import can_fuse, group_key
from regscale.training.run_config import RunConfig

Job = tuple[RunConfig, Path]
Group = list[Job]

FUSED_GROUP_SIZES: dict[tuple[str, str, str], int] = {
    ("cpu", "gpt", "pico"): 32,  # 4.18x solo (benchmarks/fused.py, 2 cores, one thread a run)
    ("cpu", "gpt", "nano"): 16,  # 2.94x
    ("cpu", "gpt", "micro"): 16,  # 2.31x
    ("cpu", "gpt", "tiny"): 8,  # 1.34x
    ("cpu", "transformer_xl", "pico"): 64,  # 3.51x
    ("cpu", "transformer_xl", "nano"): 32,  # 2.71x
    ("cpu", "transformer_xl", "micro"): 32,  # 2.24x
    ("cpu", "transformer_xl", "tiny"): 32,  # 1.47x
    ("cpu", "lstm", "pico"): 64,  # 3.29x
    ("cpu", "lstm", "nano"): 16,  # 1.89x
    ("cpu", "lstm", "micro"): 1,  # best 1.11x (K 16), within the noise of repeats; 0.63-0.99x
    ("cpu", "lstm", "tiny"): 1,  # fused 0.51-0.66x: nn.LSTM's fused kernel wins
}
"""(device type, arch, size) -> most members per fused group; 1 = solo. Measured with one thread
per process by ``python benchmarks/fused.py --calibration --members 1 4 8 16 32 64`` (each K's
best of 3 interleaved repeats); a shape fuses where its best K beats solo by at least
:data:`MIN_FUSED_SPEEDUP`. Sizes and devices without an entry train solo unless ``--fuse K``
says otherwise."""

MIN_FUSED_SPEEDUP = 1.15
"""Least speedup that makes a shape fuse: more than repeats of one measurement spread on a shared
2-core machine (5-10%), so that noise never makes a shape slower than solo."""


def best_group_size(config: RunConfig, device_type: str) -> int:
    """Members per group for the run's shape on ``device_type`` (1 = solo)."""
    size = config.model.size
    if size is None:
        return 1
    return FUSED_GROUP_SIZES.get((device_type, config.model.arch, size), 1)


def plan_groups(jobs: list[Job], *, max_group: int | None, device_type: str,
                vocab_size: Callable[[LanguageConfig], int] | None = None) -> list[Group]:
    """Cut ``jobs`` into groups (a group of one trains solo), in the jobs' order of shapes.

    Parameters
    ----------
    jobs
        Unfinished runs and their folders.
    max_group
        At most this many members per group; None = :data:`FUSED_GROUP_SIZES`.
    device_type
        ``cpu`` or ``cuda``: which calibration applies.
    vocab_size
        The vocabulary of a language (default: build it); runs of different vocabularies
        never share a group.
    """
    vocab = vocab_size or _vocab_size()
    by_key: dict[Hashable, list[Job]] = {}
    fused_forms: dict[Hashable, type[FusedModel] | None] = {}
    groups: list[Group] = []
    for job in jobs:
        config = job[0]
        if max_group == 1 or not can_fuse(config):
            groups.append([job])
            continue
        key = (group_key(config), config.model.vocab_size or vocab(config.language))
        if key not in fused_forms:  # plug-ins may declare a fused form, or train solo
            fused_forms[key] = fused_form(build_model(config.model, key[1]))
        if fused_forms[key] is None:
            groups.append([job])
            continue
        by_key.setdefault(key, []).append(job)
    for shape, members in by_key.items():
        limit = max_group or best_group_size(members[0][0], device_type)
        fused = fused_forms[shape]
        assert fused is not None  # shapes without a fused form went solo above
        fewest = fused.min_members
        ordered = sorted(members, key=lambda job: job[0].total_steps)
        count = -(-len(ordered) // limit)  # as few groups as the limit allows, sizes balanced
        for g in range(count):
            group = ordered[g * len(ordered) // count:(g + 1) * len(ordered) // count]
            # too few to pay for fusing: solo
            groups.extend([group] if len(group) >= fewest else [[job] for job in group])
    return groups


def _vocab_size() -> Callable[[LanguageConfig], int]:
    """A vocabulary lookup that builds each language once."""
    seen: dict[LanguageConfig, int] = {}

    def lookup(language: LanguageConfig) -> int:
        if language not in seen:
            seen[language] = build_language(language).vocab_size
        return seen[language]

    return lookup
