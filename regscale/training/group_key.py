"""Which runs may train as one fused group: those that agree on everything but their own run.

Members of a group share one model shape and one optimiser's constants; everything else is per
member (language, seed, data and budget, learning rate and schedule, evaluation, early
stopping). :func:`group_key` is what must agree; runs with dropout or ``torch.compile`` train
solo (:func:`can_fuse`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from regscale.errors import ConfigError
from regscale.training.run_config import RunConfig


def group_key(config: RunConfig) -> tuple[Hashable, ...]:
    """What every member of a group shares: architecture and shape (layers, width, heads,
    context, vocabulary override, dropout), batch size, the optimiser's constants and the
    device and precision."""
    model, optim, system = config.model, config.optim, config.system
    return (model.arch, model.dims(), model.context, model.vocab_size, model.dropout,
            config.data.batch_size, optim.beta1, optim.beta2, optim.weight_decay,
            optim.grad_clip, system.device, system.dtype, system.compile)


def can_fuse(config: RunConfig) -> bool:
    """Whether the run may share a fused group at all: no dropout (members would share its
    random draws) and no ``torch.compile`` (compiled models train solo)."""
    return config.model.dropout == 0 and not config.system.compile


def check_groupable(configs: Sequence[RunConfig]) -> None:
    """Raise :class:`ConfigError` unless the runs can train as one group.

    Raises
    ------
    ConfigError
        Two runs differ in :func:`group_key`, or a run of several cannot be fused.
    """
    if len(configs) < 2:
        return
    first = group_key(configs[0])
    for config in configs:
        if group_key(config) != first:
            raise ConfigError(f"runs {configs[0].run_id()} and {config.run_id()} cannot share "
                              "a group: they differ in model shape, batch size, optimiser "
                              "constants or device")
        if not can_fuse(config):
            raise ConfigError(f"run {config.run_id()} has dropout or torch.compile and trains "
                              "solo, not in a group")
