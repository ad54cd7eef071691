"""Group a study's unfinished runs for fused training: same shape together, up to a measured K.

Runs that agree on :func:`regscale.training.group_key.group_key` and on their vocabulary (the
language's, or the model's override) may train as one fused group; different languages,
budgets, seeds and learning rates share groups. A shape trains in groups of at most
:data:`FUSED_GROUP_SIZES` members (measured on the device type by ``benchmarks/fused.py``, which
prints the table), solo where the table says fusing does not pay or has no entry, and at most
``max_group`` when that is set (``--fuse K``; ``--no-fuse`` is 1). Within a shape, runs are
sorted by their number of steps before they are cut into groups, so members of a group end
close together and the group does not run on for long with few members.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path

from regscale.models.registry import build_model, fused_form
from regscale.sources.language import build_language
from regscale.sources.language_config import LanguageConfig
from regscale.training.group_key import can_fuse, group_key
from regscale.training.run_config import RunConfig

Job = tuple[RunConfig, Path]
Group = list[Job]

FUSED_GROUP_SIZES: dict[tuple[str, str, str], int] = {
    ("cpu", "gpt", "pico"): 16,  # 2.71x solo (benchmarks/fused.py, 2 cores, one thread a run)
    ("cpu", "gpt", "nano"): 16,  # 2.55x
    ("cpu", "gpt", "micro"): 16,  # 1.98x
    ("cpu", "gpt", "tiny"): 4,  # 1.24x
    ("cpu", "transformer_xl", "pico"): 16,  # 1.79x
    ("cpu", "transformer_xl", "nano"): 16,  # 2.06x
    ("cpu", "transformer_xl", "micro"): 16,  # 1.74x
    ("cpu", "transformer_xl", "tiny"): 16,  # 1.37x
    ("cpu", "lstm", "pico"): 64,  # 3.70x
    ("cpu", "lstm", "nano"): 64,  # 2.07x
    ("cpu", "lstm", "micro"): 1,  # fused 0.71-0.91x: nn.LSTM's fused kernel wins
    ("cpu", "lstm", "tiny"): 1,  # fused 0.49-0.94x
}
"""(device type, arch, size) -> most members per fused group; 1 = solo. Measured with one thread
per process by ``python benchmarks/fused.py --calibration`` (best K of 1, 4, 16, 64). Sizes
and devices without an entry train solo unless ``--fuse K`` says otherwise."""


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
    has_fused_form: dict[Hashable, bool] = {}
    groups: list[Group] = []
    for job in jobs:
        config = job[0]
        if max_group == 1 or not can_fuse(config):
            groups.append([job])
            continue
        key = (group_key(config), config.model.vocab_size or vocab(config.language))
        if key not in has_fused_form:  # plug-ins may declare a fused form, or train solo
            has_fused_form[key] = fused_form(build_model(config.model, key[1])) is not None
        if not has_fused_form[key]:
            groups.append([job])
            continue
        by_key.setdefault(key, []).append(job)
    for members in by_key.values():
        limit = max_group or best_group_size(members[0][0], device_type)
        ordered = sorted(members, key=lambda job: job[0].total_steps)
        count = -(-len(ordered) // limit)  # as few groups as the limit allows, sizes balanced
        for g in range(count):
            groups.append(ordered[g * len(ordered) // count:(g + 1) * len(ordered) // count])
    return groups


def _vocab_size() -> Callable[[LanguageConfig], int]:
    """A vocabulary lookup that builds each language once."""
    seen: dict[LanguageConfig, int] = {}

    def lookup(language: LanguageConfig) -> int:
        if language not in seen:
            seen[language] = build_language(language).vocab_size
        return seen[language]

    return lookup
