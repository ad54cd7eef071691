"""AdamW over stacked parameters: one optimiser for K members, each with its own rate and steps.

AdamW (Loshchilov and Hutter 2019) is elementwise, so K members whose parameters are stacked on
a leading axis can share one optimiser as long as everything per member stays per member: the
learning rate (each member's own schedule), the step count behind the bias corrections, and the
gradient-norm clipping (each member clipped by its own global norm, as
``torch.nn.utils.clip_grad_norm_`` clips a solo model). The update is ``torch.optim.AdamW``'s::

    p <- p (1 - lr wd)                          (matrices only, as make_optimizer groups them)
    m <- m + (g - m)(1 - beta1)
    v <- beta2 v + (1 - beta2) g^2
    p <- p - lr / (1 - beta1^s) * m / (sqrt(v) / sqrt(1 - beta2^s) + eps)

Member k's moments are ``m[k]`` and ``v[k]``; :meth:`MemberAdamW.member_state` and
:meth:`MemberAdamW.load_member` convert them to and from a solo ``torch.optim.AdamW`` state dict,
so a member's checkpoint resumes alone or in any group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

EPS = 1e-8
"""AdamW's epsilon (torch's default, which make_optimizer keeps)."""

CLIP_EPS = 1e-6
"""Added to the norm before clipping, as ``clip_grad_norm_`` does."""


class MemberAdamW:
    """AdamW for parameters of shape ``[K, ...]``, one member per leading index.

    Parameters
    ----------
    params
        The fused model's parameters, each with the member axis first.
    decay
        Per parameter, whether weight decay applies (the solo form's matrices).
    betas, weight_decay
        Shared by all members (a group is formed of runs that agree on them).
    """

    def __init__(self, params: Sequence[torch.nn.Parameter], decay: Sequence[bool], *,
                 betas: tuple[float, float], weight_decay: float) -> None:
        self.params = list(params)
        self.decay = list(decay)
        self.beta1, self.beta2 = betas
        self.weight_decay = weight_decay
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        members = self.params[0].shape[0]
        self.steps = torch.zeros(members, dtype=torch.float64)  # per member, on the CPU

    @property
    def members(self) -> int:
        return int(self.steps.numel())

    @staticmethod
    def _per_member(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """``[K]`` values -> broadcastable against ``like`` ``[K, ...]``."""
        return values.view(-1, *([1] * (like.dim() - 1)))

    @torch.no_grad()
    def clip_(self, max_norm: float) -> torch.Tensor:
        """Scale each member's gradients to global norm at most ``max_norm``; returns the norms
        ``[K]`` before clipping (a member with a non-finite norm is left as it is)."""
        grads = self._grads()
        norms = torch.stack([g.reshape(g.shape[0], -1).norm(dim=1) for g in grads])
        total = norms.norm(dim=0)
        coef = (max_norm / (total + CLIP_EPS)).clamp(max=1.0)
        for g in grads:
            g.mul_(self._per_member(coef, g))
        return total

    @torch.no_grad()
    def step(self, lrs: Sequence[float]) -> None:
        """One update, member k at rate ``lrs[k]``. A member whose gradients are not finite
        is updated into garbage that stays in its own slice; the loop drops it right after."""
        lr = torch.tensor(list(lrs), dtype=torch.float64)
        self.steps += 1
        first = self.params[0]
        # per-member scalars in float64, as torch's AdamW computes them in Python floats
        per_member = torch.stack([
            1 - lr * self.weight_decay,  # decay factor
            (1 - self.beta2 ** self.steps).sqrt(),  # sqrt of the second bias correction
            lr / (1 - self.beta1 ** self.steps),  # step size
        ]).to(device=first.device, dtype=first.dtype)
        decay_factor, correction2_sqrt, step_size = per_member
        for p, g, m, v, decays in zip(self.params, self._grads(), self.exp_avg,
                                      self.exp_avg_sq, self.decay, strict=True):
            if decays and self.weight_decay != 0:
                p.mul_(self._per_member(decay_factor, p))
            m.lerp_(g, 1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            denom = (v.sqrt() / self._per_member(correction2_sqrt, v)).add_(EPS)
            p.sub_(m.div(denom).mul_(self._per_member(step_size, p)))

    def _grads(self) -> list[torch.Tensor]:
        grads = [p.grad for p in self.params]
        if any(g is None for g in grads):
            raise RuntimeError("a fused parameter has no gradient: step after backward")
        return [g for g in grads if g is not None]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    # -- members in and out -----------------------------------------------------------------------
    def keep(self, index: torch.Tensor) -> None:
        """Keep the members ``index``; call after the model's own ``keep`` (same parameters)."""
        self.exp_avg = [m[index].contiguous() for m in self.exp_avg]
        self.exp_avg_sq = [v[index].contiguous() for v in self.exp_avg_sq]
        self.steps = self.steps[index.cpu()]

    def member_state(self, k: int, solo: torch.optim.Optimizer,
                     solo_params: Sequence[torch.nn.Parameter], lr: float) -> dict[str, Any]:
        """Member ``k``'s state as the state dict of ``solo``, a ``torch.optim.AdamW`` over the
        member's solo parameters ``solo_params`` (in this optimiser's order)."""
        solo.state.clear()
        if self.steps[k] > 0:
            for p, m, v in zip(solo_params, self.exp_avg, self.exp_avg_sq, strict=True):
                solo.state[p] = {"step": torch.tensor(float(self.steps[k])),
                                 "exp_avg": m[k].clone(), "exp_avg_sq": v[k].clone()}
        for group in solo.param_groups:
            group["lr"] = lr
        return solo.state_dict()

    @torch.no_grad()
    def load_member(self, k: int, state: dict[str, Any], solo: torch.optim.Optimizer,
                    solo_params: Sequence[torch.nn.Parameter]) -> None:
        """Member ``k`` takes a solo AdamW state dict (see :meth:`member_state`)."""
        solo.load_state_dict(state)
        steps = 0.0
        for p, m, v in zip(solo_params, self.exp_avg, self.exp_avg_sq, strict=True):
            entry = solo.state.get(p)
            if entry:
                m[k].copy_(entry["exp_avg"])
                v[k].copy_(entry["exp_avg_sq"])
                steps = float(entry["step"])
            else:
                m[k].zero_()
                v[k].zero_()
        self.steps[k] = steps
        solo.state.clear()
