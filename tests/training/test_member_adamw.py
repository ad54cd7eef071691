"""MemberAdamW is K independent torch.optim.AdamW runs, and converts to and from their state."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.training.member_adamw import MemberAdamW


def solo_optimizer(params: list[torch.nn.Parameter], decay: list[bool], wd: float
                   ) -> torch.optim.AdamW:
    return torch.optim.AdamW(
        [{"params": [p for p, d in zip(params, decay, strict=True) if d], "weight_decay": wd},
         {"params": [p for p, d in zip(params, decay, strict=True) if not d],
          "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.95))


@settings(max_examples=25, deadline=None)
@given(members=st.integers(1, 5), steps=st.integers(1, 6), seed=st.integers(0, 10**6),
       clip=st.sampled_from([0.0, 0.05, 1.0]), wd=st.sampled_from([0.0, 0.1]))
def test_each_member_follows_its_own_torch_adamw(members: int, steps: int, seed: int,
                                                 clip: float, wd: float) -> None:
    gen = torch.Generator().manual_seed(seed)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    decay = [len(s) >= 2 for s in shapes]
    stacked = [torch.nn.Parameter(torch.randn(members, *s, generator=gen)) for s in shapes]
    solos = [[torch.nn.Parameter(p.detach()[k].clone()) for p in stacked]
             for k in range(members)]
    fused = MemberAdamW(stacked, decay, betas=(0.9, 0.95), weight_decay=wd)
    opts = [solo_optimizer(params, decay, wd) for params in solos]
    rates = torch.rand(members, generator=gen) * 1e-2 + 1e-4
    for _ in range(steps):
        grads = [torch.randn(members, *s, generator=gen) * 3 for s in shapes]
        for p, g in zip(stacked, grads, strict=True):
            p.grad = g.clone()
        if clip:
            fused.clip_(clip)
        fused.step(rates.tolist())
        for k, (params, opt) in enumerate(zip(solos, opts, strict=True)):
            for p, g in zip(params, grads, strict=True):
                p.grad = g[k].clone()
            if clip:
                torch.nn.utils.clip_grad_norm_(params, clip)
            for group in opt.param_groups:
                group["lr"] = float(rates[k])
            opt.step()
    for k, params in enumerate(solos):
        for p, q in zip(stacked, params, strict=True):
            torch.testing.assert_close(p.detach()[k], q.detach(), rtol=1e-5, atol=1e-7)


def test_member_state_round_trips_through_torch_adamw() -> None:
    gen = torch.Generator().manual_seed(0)
    stacked = [torch.nn.Parameter(torch.randn(3, 4, 2, generator=gen)),
               torch.nn.Parameter(torch.randn(3, 5, generator=gen))]
    fused = MemberAdamW(stacked, [True, False], betas=(0.9, 0.95), weight_decay=0.1)
    for _ in range(4):
        for p in stacked:
            p.grad = torch.randn(p.shape, generator=gen)
        fused.step([1e-3, 2e-3, 3e-3])
    solo_params = [torch.nn.Parameter(p.detach()[1].clone()) for p in stacked]
    solo = solo_optimizer(solo_params, [True, False], 0.1)
    state = fused.member_state(1, solo, solo_params, lr=2e-3)
    assert [float(s["step"]) for s in state["state"].values()] == [4.0, 4.0]
    torch.testing.assert_close(state["state"][0]["exp_avg"], fused.exp_avg[0][1])
    other = MemberAdamW([torch.nn.Parameter(p.detach().clone()) for p in stacked], [True, False],
                        betas=(0.9, 0.95), weight_decay=0.1)
    other.load_member(2, state, solo, solo_params)
    assert other.steps.tolist() == [0.0, 0.0, 4.0]
    for mine, theirs in zip(other.exp_avg_sq, fused.exp_avg_sq, strict=True):
        torch.testing.assert_close(mine[2], theirs[1])
        assert not mine[:2].any()
    other.keep(torch.tensor([2]))
    assert other.members == 1 and other.exp_avg[1].shape == (1, 5)
