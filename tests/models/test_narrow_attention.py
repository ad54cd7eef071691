"""The transposed-layout attention is SDPA's causal attention, forward and backward."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn import functional as F

from regscale.models.fused_layers import merge_heads, split_heads
from regscale.models.narrow_attention import (
    MAX_CONTEXT,
    MAX_HEAD_WIDTH,
    TransposedCausalAttention,
    narrow_causal_attention,
    use_narrow_attention,
)


def sdpa_attention(qkv: torch.Tensor, rows: int, heads: int) -> torch.Tensor:
    """The fused GPT's SDPA path: the oracle."""
    d = qkv.shape[-1] // 3
    q, k, v = (split_heads(z, rows=rows, heads=heads) for z in qkv.split(d, dim=2))
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return merge_heads(y, members=qkv.shape[0])


@settings(max_examples=40, deadline=None)
@given(members=st.integers(1, 3), rows=st.integers(1, 3), heads=st.integers(1, 3),
       d_head=st.integers(1, 9), t=st.integers(1, 17), seed=st.integers(0, 2**16))
def test_forward_and_gradients_equal_sdpa(members: int, rows: int, heads: int, d_head: int,
                                          t: int, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    d = heads * d_head
    qkv = torch.randn(members, rows * t, 3 * d, generator=gen, dtype=torch.float64)
    upstream = torch.randn(members, rows * t, d, generator=gen, dtype=torch.float64)
    ours_in, ref_in = qkv.clone().requires_grad_(), qkv.clone().requires_grad_()
    ours = narrow_causal_attention(ours_in, rows=rows, heads=heads)
    ref = sdpa_attention(ref_in, rows, heads)
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-12)
    ours.backward(upstream)
    ref.backward(upstream)
    assert ours_in.grad is not None and ref_in.grad is not None
    torch.testing.assert_close(ours_in.grad, ref_in.grad, rtol=1e-9, atol=1e-11)


def test_no_position_sees_a_later_one() -> None:
    """Changing the last position's keys and values changes no earlier output."""
    gen = torch.Generator().manual_seed(0)
    qkv = torch.randn(2, 2 * 6, 3 * 8, generator=gen, dtype=torch.float64)
    changed = qkv.clone().view(2, 2, 6, 24)
    changed[:, :, -1, 8:] += 1.0
    before = narrow_causal_attention(qkv, rows=2, heads=2).view(2, 2, 6, 8)
    after = narrow_causal_attention(changed.view(2, 12, 24), rows=2, heads=2).view(2, 2, 6, 8)
    assert torch.equal(before[:, :, :-1], after[:, :, :-1])
    assert not torch.equal(before[:, :, -1], after[:, :, -1])


def test_gradcheck() -> None:
    gen = torch.Generator().manual_seed(1)
    inputs = tuple(torch.randn(3, 4, 5, generator=gen, dtype=torch.float64, requires_grad=True)
                   for _ in range(3))
    assert torch.autograd.gradcheck(TransposedCausalAttention.apply, inputs)


def test_used_on_the_cpu_in_full_precision_at_short_windows_only() -> None:
    x = torch.zeros(2, 3, 4)
    assert use_narrow_attention(x, 32, 4)
    assert use_narrow_attention(x.double(), MAX_CONTEXT, MAX_HEAD_WIDTH)
    assert not use_narrow_attention(x, MAX_CONTEXT + 1, 4)
    assert not use_narrow_attention(x, 32, MAX_HEAD_WIDTH + 1)
    assert not use_narrow_attention(x.bfloat16(), 32, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert not use_narrow_attention(x, 32, 4)
