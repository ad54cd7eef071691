"""Causal self-attention for narrow heads on the CPU, in a transposed layout.

A fused group's attention is many tiny matrix products (one per member, row and head, each
``T x T`` against ``T x d_head`` with ``d_head`` of 4 to 16). CPU BLAS kernels are slow when a
product's output is that narrow, and SDPA's flash kernel for the CPU is no better at such widths.
Holding queries, keys and values as ``[N, d_head, T]`` (heads transposed) turns every
narrow-output product of the forward and backward pass into a wide-output one:

    S = Q K^T / sqrt(d_head) + causal mask        A = softmax(S)        Y^T = V^T A^T
    dA = dY V^T    dV^T = dY^T A    dS = A * (dA - rowsum(dA * A)) / sqrt(d_head)
    dQ^T = K^T dS^T    dK^T = Q^T dS

which is the same attention as ``F.scaled_dot_product_attention(q, k, v, is_causal=True)`` up to
the order of floating-point sums. Measured on attention with its projections, forward and
backward, at 16 members of 16 rows: 1.75x faster than SDPA at head width 4 (pico), 1.1x at 8
(nano), and slower at 16, where the two layout copies cost more than it saves. It keeps the
``[N, T, T]`` probabilities for the backward pass, so it is meant for the short contexts the CPU
sizes train at; :func:`use_narrow_attention` says when it applies.
"""

from __future__ import annotations

import math
from typing import Any

import torch

MAX_CONTEXT = 256
"""Longest window it is used for (its saved probabilities grow with the window squared)."""

MAX_HEAD_WIDTH = 8
"""Widest head it is used for: at 16 the layout's two copies cost more than SDPA loses."""


class TransposedCausalAttention(torch.autograd.Function):
    """``(q^T, k^T, v^T)`` of shape ``[N, d_head, T]`` -> ``y^T`` of shape ``[N, d_head, T]``."""

    @staticmethod
    def forward(ctx: Any, qt: torch.Tensor, kt: torch.Tensor, vt: torch.Tensor
                ) -> torch.Tensor:
        n, d_head, t = qt.shape
        scale = 1.0 / math.sqrt(d_head)
        mask = torch.full((t, t), float("-inf"), dtype=qt.dtype, device=qt.device).triu_(1)
        scores = torch.baddbmm(mask.expand(n, t, t), qt.transpose(1, 2), kt, alpha=scale)
        probs = torch.softmax(scores, dim=-1)
        ctx.save_for_backward(qt, kt, vt, probs)
        ctx.scale = scale
        return torch.bmm(vt, probs.transpose(1, 2))

    @staticmethod
    def backward(ctx: Any, grad_yt: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        qt, kt, vt, probs = ctx.saved_tensors
        grad_probs = torch.bmm(grad_yt.transpose(1, 2), vt)
        grad_vt = torch.bmm(grad_yt, probs)
        grad_scores = torch._softmax_backward_data(grad_probs, probs, -1, probs.dtype)
        grad_scores.mul_(ctx.scale)
        return torch.bmm(kt, grad_scores.transpose(1, 2)), torch.bmm(qt, grad_scores), grad_vt


def use_narrow_attention(x: torch.Tensor, context: int, head_width: int) -> bool:
    """Whether :func:`narrow_causal_attention` serves input ``x``: on the CPU, in float32 or
    float64 without autocast, at windows up to :data:`MAX_CONTEXT` and heads up to
    :data:`MAX_HEAD_WIDTH` wide. Elsewhere SDPA's own kernels (flash on a GPU) are the better
    choice."""
    return (x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64)
            and not torch.is_autocast_enabled("cpu") and context <= MAX_CONTEXT
            and head_width <= MAX_HEAD_WIDTH)


def narrow_causal_attention(qkv: torch.Tensor, *, rows: int, heads: int) -> torch.Tensor:
    """Causal attention of K members from their fused ``qkv`` projection.

    Parameters
    ----------
    qkv
        ``[K, rows * T, 3 d]``: queries, keys and values side by side, as the solo model's
        ``qkv`` layer gives them per member.
    rows, heads
        Sequences per member and attention heads (``d`` is a multiple of ``heads``).

    Returns
    -------
    ``[K, rows * T, d]``, each member's heads merged as the solo model merges them.
    """
    members, n, width = qkv.shape
    d = width // 3
    t, d_head = n // rows, d // heads
    # [K, rows, T, 3, H, dh] -> [3, K * rows * H, dh, T]
    qkv_t = qkv.view(members, rows, t, 3, heads, d_head).permute(3, 0, 1, 4, 5, 2)
    qt, kt, vt = qkv_t.reshape(3, members * rows * heads, d_head, t)
    yt = TransposedCausalAttention.apply(qt, kt, vt)
    # [K, rows, H, dh, T] -> [K, rows, T, H, dh]
    y = yt.view(members, rows, heads, d_head, t).permute(0, 1, 4, 2, 3)
    return y.reshape(members, n, d)
