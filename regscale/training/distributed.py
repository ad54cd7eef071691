"""Data-parallel training under ``torchrun``: process group, ranks, and the device of each rank.

Launched by ``torchrun --nproc_per_node N``, every rank draws the same global batch from the same
seeded stream and trains on its own slice, so N processes follow the same loss curve as one
process with the same global batch (up to the order of floating-point reductions).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

DEFAULT_TIMEOUT_S = 600
"""Process-group timeout; override with ``REGSCALE_DDP_TIMEOUT`` (seconds)."""


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands in the job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Rank 0 writes files and evaluates."""
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        """More than one process."""
        return self.world_size > 1

    def rows(self, batch_size: int) -> slice:
        """This rank's slice of a global batch."""
        if batch_size % self.world_size:
            raise ValueError(f"batch {batch_size} does not split over {self.world_size} ranks")
        per = batch_size // self.world_size
        return slice(self.rank * per, (self.rank + 1) * per)


def launched_rank() -> int:
    """This process's rank as torchrun set it (0 when not launched by torchrun), before the
    process group exists."""
    return int(os.environ.get("RANK", "0")) if int(os.environ.get("WORLD_SIZE", "1")) > 1 else 0


def init_distributed(use_cuda: bool) -> DistInfo:
    """Join the process group when launched by torchrun (``WORLD_SIZE`` > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    info = DistInfo(rank=int(os.environ["RANK"]), world_size=world,
                    local_rank=int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        timeout = timedelta(seconds=int(os.environ.get("REGSCALE_DDP_TIMEOUT",
                                                       DEFAULT_TIMEOUT_S)))
        if use_cuda:
            torch.cuda.set_device(info.local_rank)
        dist.init_process_group(backend="nccl" if use_cuda else "gloo", timeout=timeout)
    return info


def broadcast_flag(flag: bool, info: DistInfo, device: torch.device) -> bool:
    """Rank 0's value of ``flag`` on every rank."""
    if not info.enabled:
        return flag
    tensor = torch.tensor([int(flag)], device=device)
    dist.broadcast(tensor, src=0)
    return bool(tensor.item())


def mean_over_ranks(value: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """The mean of a scalar tensor over ranks (for logging the global-batch loss)."""
    if not info.enabled:
        return value
    total = value.detach().clone()
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total / info.world_size


def broadcast_object(value: Any, info: DistInfo) -> Any:
    """Rank 0's ``value`` (picklable) on every rank."""
    if not info.enabled:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def shutdown(info: DistInfo) -> None:
    """Leave the process group."""
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
