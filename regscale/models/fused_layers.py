"""Layers of K independent models at once: parameters stacked on a leading member axis.

Each layer holds its parameters under the names of the solo layer it replaces (``weight``,
``bias``), each of shape ``[K, *solo shape]``, so that a fused model's state dict is the solo
state dicts of its members stacked key by key (``FusedModel.load_member``).
Inputs carry the member axis first: ``[K, rows, features]``. Nothing mixes members: member k's
outputs depend only on member k's inputs and parameters, so its gradient is what it would be
alone (Wang et al. 2021, "Horizontally Fused Training Array", Section 3).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class FusedLinear(nn.Module):
    """K linear maps without bias: ``y[k] = x[k] @ weight[k].T``, one ``bmm``."""

    def __init__(self, members: int, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(members, out_features, in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[K, n, in]`` -> ``[K, n, out]``."""
        return torch.bmm(x, self.weight.transpose(1, 2))


class FusedLayerNorm(nn.Module):
    """K layer norms over the last axis, each with its own gain and bias (eps 1e-5)."""

    def __init__(self, members: int, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(members, width))
        self.bias = nn.Parameter(torch.zeros(members, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[K, n, d]`` -> ``[K, n, d]``."""
        normed = F.layer_norm(x, x.shape[-1:])
        return torch.addcmul(self.bias[:, None, :], normed, self.weight[:, None, :])


class FusedEmbedding(nn.Module):
    """K embedding tables, looked up as one table of ``K * V`` rows (``index_select``, whose
    backward is an ``index_add`` that is 2x faster on the CPU than ``F.embedding``'s)."""

    def __init__(self, members: int, rows: int, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(members, rows, width))

    def forward(self, index: torch.Tensor) -> torch.Tensor:
        """``long[K, ...]`` row numbers -> ``[K, ..., width]``."""
        k, rows, width = self.weight.shape
        offset = torch.arange(k, device=index.device).view(k, *([1] * (index.dim() - 1)))
        flat = (index + offset * rows).reshape(-1)
        return self.weight.view(k * rows, width).index_select(0, flat).view(*index.shape, width)


def split_heads(x: torch.Tensor, *, rows: int, heads: int) -> torch.Tensor:
    """``[K, rows * T, d]`` -> ``[K * rows, heads, T, d / heads]``."""
    k, n, d = x.shape
    return x.reshape(k * rows, n // rows, heads, d // heads).transpose(1, 2)


def merge_heads(x: torch.Tensor, *, members: int) -> torch.Tensor:
    """``[K * rows, heads, T, d_head]`` -> ``[K, rows * T, heads * d_head]``."""
    kb, h, t, dh = x.shape
    return x.transpose(1, 2).reshape(members, (kb // members) * t, h * dh)
