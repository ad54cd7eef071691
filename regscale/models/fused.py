"""Fused models: K same-shape models trained as one, parameters stacked on a member axis.

A :class:`FusedModel` holds every parameter of its solo form under the same name with a leading
axis of K members, so member k's solo state dict is ``{name: tensor[k]}`` and back
(:meth:`FusedModel.load_member`, :meth:`FusedModel.member_state`). Its forward takes
``long[K, B, T]`` tokens and returns ``[K, B, T, V]`` logits; nothing in it mixes members, so
each member's gradient is the one it would get alone, up to the order of floating-point
reductions (HFTA: Wang et al. 2021, "Horizontally Fused Training Array", MLSys).

Which solo models have a fused form: :func:`regscale.models.registry.fused_form`. The
built-in GPT, Transformer-XL and LSTM do; a plug-in model declares one with a class attribute
``fused_form`` (a :class:`FusedModel` subclass), else it trains solo. Dropout draws random
numbers that members would share, so a model with dropout trains solo too.
"""

from __future__ import annotations

from abc import abstractmethod

import torch
from torch import nn

from regscale.models.base import Memory, SequenceModel


class FusedModel(nn.Module):
    """K members of one solo architecture and shape."""

    min_members = 2
    """Fewest members for which this form trains faster than its members alone, one after
    another; a group that falls below it goes on solo (:meth:`FusedGroup.unfused
    <regscale.training.model_group.FusedGroup.unfused>`). One member is always slower fused
    (measured 1.2x for GPT, 4.8x for the LSTM)."""

    def __init__(self, members: int) -> None:
        super().__init__()
        self.members = members

    @classmethod
    @abstractmethod
    def like(cls, solo: SequenceModel, members: int) -> FusedModel:
        """An uninitialised fused model of ``members`` copies of ``solo``'s shape."""

    @classmethod
    def stack(cls, solos: list[SequenceModel]) -> FusedModel:
        """The fused model whose member k is ``solos[k]`` (weights copied)."""
        fused = cls.like(solos[0], len(solos))
        for k, solo in enumerate(solos):
            fused.load_member(k, solo.state_dict())
        return fused.to(next(solos[0].parameters()).device)

    @abstractmethod
    def forward(self, tokens: torch.Tensor, memory: Memory = None
                ) -> tuple[torch.Tensor, Memory]:
        """``long[K, B, T]`` -> ``float[K, B, T, V]`` logits and the fused memory."""

    # -- members in and out -----------------------------------------------------------------------
    @torch.no_grad()
    def load_member(self, k: int, state: dict[str, torch.Tensor]) -> None:
        """Member ``k`` takes the weights of a solo state dict (same keys, no member axis)."""
        for name, tensor in self.state_dict(keep_vars=True).items():
            tensor[k].copy_(state[name])

    @torch.no_grad()
    def member_state(self, k: int) -> dict[str, torch.Tensor]:
        """Member ``k``'s weights as the solo model's state dict (copies)."""
        return {name: tensor[k].clone() for name, tensor in self.state_dict().items()}

    @torch.no_grad()
    def keep(self, index: torch.Tensor) -> None:
        """Keep only the members ``index`` (in that order): the others have left the group."""
        for param in self.parameters():
            param.data = param.data[index].contiguous()
        self.members = int(index.numel())

    # -- memory (stateful models) -----------------------------------------------------------------
    def member_memory(self, memory: Memory, k: int) -> Memory:
        """Member ``k``'s part of the fused memory, in the solo model's layout (None: none)."""
        return None

    def stack_memory(self, memories: list[Memory]) -> Memory:
        """The fused memory of members whose solo memories are ``memories`` (None = fresh; all
        None gives None)."""
        return None

    def keep_memory(self, memory: Memory, index: torch.Tensor) -> Memory:
        """The fused memory of the members ``index``."""
        return None
