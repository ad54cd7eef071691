"""What the training loop steps: a group of K members' models and optimisers.

A :class:`SoloGroup` is one run's own model and ``torch.optim.AdamW`` (under DDP and
``torch.compile`` too); a :class:`FusedGroup` is K runs of one architecture and shape as one
:class:`regscale.models.fused.FusedModel` with a :class:`MemberAdamW`. The loop sees the same
interface for both (:class:`ModelGroup`): a training step over the members' batches at their
own rates, a solo *view* of each member (its model, with its current weights) for evaluation,
sampling and the best weights, and each member's checkpoint state in the solo layout, so a
member's checkpoint resumes alone or in any group. A fused group left with fewer members than
its fused form's ``min_members`` becomes a :class:`SoloSet` (:meth:`ModelGroup.unfused`): the
same members, each with its own model and AdamW, stepped one after another.

The loss of a fused step is the sum over members of each member's mean token loss, so member
k's gradient is the one it would get alone; clipping scales each member by its own norm.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import torch
from torch.nn import functional as F

from regscale.models.base import Memory, SequenceModel
from regscale.models.fused import FusedModel
from regscale.training.distributed import DistInfo, mean_over_ranks
from regscale.training.member_adamw import MemberAdamW
from regscale.training.run_config import OptimConfig

MemberState = tuple[dict[str, Any], dict[str, Any], Memory]
"""A member's model state dict, solo AdamW state dict and solo memory."""


class ModelGroup(ABC):
    """The models and optimisers of the members the loop is training."""

    members: int

    @abstractmethod
    def train_step(self, batches: Sequence[torch.Tensor], lrs: Sequence[float],
                   autocast: Any) -> list[float]:
        """One optimiser step of every member: ``batches[k]`` is member k's
        ``long[B, T + 1]``, ``lrs[k]`` its rate. Returns each member's training loss; a member
        whose loss is not finite must leave the group (:meth:`keep`) before the next step."""

    @abstractmethod
    def view(self, k: int) -> SequenceModel:
        """A solo model holding member ``k``'s current weights."""

    @abstractmethod
    def member_state(self, k: int, lr: float) -> MemberState:
        """Member ``k``'s weights, optimiser state (solo layout, at rate ``lr``) and memory."""

    @abstractmethod
    def restore(self, states: Sequence[MemberState | None]) -> None:
        """Every member from its checkpointed state (None: stays as built)."""

    @abstractmethod
    def keep(self, index: Sequence[int]) -> None:
        """Keep the members ``index``, in that order; the others have finished."""

    def unfused(self) -> ModelGroup:
        """This group, or the same members as solo runs where fusing no longer pays."""
        return self


def make_optimizer(model: SequenceModel, optim: OptimConfig, device: torch.device
                   ) -> torch.optim.Optimizer:
    """AdamW; weight decay on matrices only (nanoGPT's grouping)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": optim.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=optim.lr, betas=(optim.beta1, optim.beta2),
                             fused=device.type == "cuda")


class SoloGroup(ModelGroup):
    """One run: its model (perhaps compiled, perhaps under DDP) and its AdamW."""

    members = 1

    def __init__(self, model: SequenceModel, optim: OptimConfig, device: torch.device,
                 forward: Any, info: DistInfo) -> None:
        self.model, self.optim, self.forward, self.info = model, optim, forward, info
        self.optimizer = make_optimizer(model, optim, device)
        self.memory: Memory = None

    def train_step(self, batches: Sequence[torch.Tensor], lrs: Sequence[float],
                   autocast: Any) -> list[float]:
        (batch,), (lr,) = batches, lrs
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        with autocast:
            logits, memory = self.forward(batch[:, :-1], self.memory)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]),
                               batch[:, 1:].reshape(-1))
        value = float(mean_over_ranks(loss.detach(), self.info).item())
        if not math.isfinite(value):
            return [value]
        loss.backward()
        if self.optim.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.optim.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.memory = self.model.detach_memory(memory) if self.model.stateful else None
        return [value]

    def view(self, k: int) -> SequenceModel:
        return self.model

    def member_state(self, k: int, lr: float) -> MemberState:
        memory = None if self.memory is None else [m.cpu() for m in self.memory]
        return self.model.state_dict(), self.optimizer.state_dict(), memory

    def restore(self, states: Sequence[MemberState | None]) -> None:
        (state,) = states
        if state is None:
            return
        model, optimizer, memory = state
        self.model.load_state_dict(model)
        self.optimizer.load_state_dict(optimizer)
        device = next(self.model.parameters()).device
        self.memory = None if memory is None or self.info.enabled else \
            tuple(m.to(device) for m in memory)

    def keep(self, index: Sequence[int]) -> None:
        if list(index) != [0]:
            raise ValueError("a solo group has one member")


class SoloSet(ModelGroup):
    """Several runs, each with its own model and AdamW, stepped one after another: what a
    fused group becomes when too few members are left for fusing to pay."""

    def __init__(self, solos: Sequence[SoloGroup]) -> None:
        self.solos = list(solos)
        self.members = len(self.solos)

    def train_step(self, batches: Sequence[torch.Tensor], lrs: Sequence[float],
                   autocast: Any) -> list[float]:
        return [solo.train_step([batch], [lr], autocast)[0]
                for solo, batch, lr in zip(self.solos, batches, lrs, strict=True)]

    def view(self, k: int) -> SequenceModel:
        return self.solos[k].model

    def member_state(self, k: int, lr: float) -> MemberState:
        return self.solos[k].member_state(0, lr)

    def restore(self, states: Sequence[MemberState | None]) -> None:
        for solo, state in zip(self.solos, states, strict=True):
            solo.restore([state])

    def keep(self, index: Sequence[int]) -> None:
        self.solos = [self.solos[i] for i in index]
        self.members = len(self.solos)


class FusedGroup(ModelGroup):
    """K runs of one shape as one fused model with a per-member AdamW.

    Parameters
    ----------
    solos
        Each member's solo model, built and initialised as its run would be alone; they become
        the members' views.
    fused_class
        The solo models' fused form.
    optim
        The optimiser settings the members share (their rates and schedules are their own).
    """

    def __init__(self, solos: Sequence[SequenceModel], fused_class: type[FusedModel],
                 optim: OptimConfig, device: torch.device) -> None:
        self.views = list(solos)
        self.model = fused_class.stack(self.views)
        self.names = [name for name, _ in self.model.named_parameters()]
        params = [p for _, p in self.model.named_parameters()]
        self.optimizer = MemberAdamW(params, [p.dim() >= 3 for p in params],
                                     betas=(optim.beta1, optim.beta2),
                                     weight_decay=optim.weight_decay)
        self.solo_optimizers = [make_optimizer(view, optim, device) for view in self.views]
        self.grad_clip = optim.grad_clip
        self.optim, self.device = optim, device
        self.memory: Memory = None
        self.members = len(self.views)
        self._synced = [True] * self.members

    def _view_params(self, k: int) -> list[torch.nn.Parameter]:
        return [self.views[k].get_parameter(name) for name in self.names]

    def train_step(self, batches: Sequence[torch.Tensor], lrs: Sequence[float],
                   autocast: Any) -> list[float]:
        tokens = torch.stack(list(batches))  # [K, B, T + 1]
        with autocast:
            logits, memory = self.model(tokens[..., :-1], self.memory)
        log_probs = F.log_softmax(logits.float(), dim=-1)
        nll = -log_probs.gather(-1, tokens[..., 1:, None])[..., 0]
        losses = nll.reshape(self.members, -1).mean(dim=1)  # [K]: each member's mean
        values = losses.detach().tolist()
        finite = torch.isfinite(losses.detach())
        if bool(finite.any()):
            losses[finite].sum().backward()
            if self.grad_clip > 0:
                self.optimizer.clip_(self.grad_clip)
            self.optimizer.step(lrs)
            self.optimizer.zero_grad()
        self.memory = memory  # fused models hand back their memory detached
        self._synced = [False] * self.members
        return [float(v) for v in values]

    def view(self, k: int) -> SequenceModel:
        if not self._synced[k]:
            self.views[k].load_state_dict(self.model.member_state(k))
            self._synced[k] = True
        return self.views[k]

    def member_state(self, k: int, lr: float) -> MemberState:
        optimizer = self.optimizer.member_state(k, self.solo_optimizers[k], self._view_params(k),
                                                lr)
        memory = self.model.member_memory(self.memory, k)
        return (self.view(k).state_dict(), optimizer,
                None if memory is None else [m.cpu() for m in memory])

    def restore(self, states: Sequence[MemberState | None]) -> None:
        memories: list[Memory] = []
        for k, state in enumerate(states):
            if state is None:
                memories.append(None)
                continue
            model, optimizer, memory = state
            self.views[k].load_state_dict(model)
            self.model.load_member(k, model)
            self.optimizer.load_member(k, optimizer, self.solo_optimizers[k],
                                       self._view_params(k))
            memories.append(memory)
        self.memory = self.model.stack_memory(memories)

    def unfused(self) -> ModelGroup:
        """The members as solo runs (their weights, AdamW states and memories carried over)
        once fewer than the fused form's ``min_members`` are left."""
        if self.members >= self.model.min_members:
            return self
        solos = []
        for k, view in enumerate(self.views):
            model, optimizer, memory = self.member_state(k, lr=0.0)  # the loop sets each rate
            solo = SoloGroup(view, self.optim, self.device, view, DistInfo())
            solo.restore([(model, optimizer, memory)])
            solos.append(solo)
        return SoloSet(solos)

    def keep(self, index: Sequence[int]) -> None:
        picked = torch.tensor(list(index), dtype=torch.long)
        device = next(self.model.parameters()).device
        self.model.keep(picked.to(device))
        self.optimizer.keep(picked.to(device))
        self.memory = self.model.keep_memory(self.memory, picked.to(device))
        self.views = [self.views[i] for i in index]
        self.solo_optimizers = [self.solo_optimizers[i] for i in index]
        self._synced = [self._synced[i] for i in index]
        self.members = len(self.views)
