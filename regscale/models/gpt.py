"""GPT: a decoder-only Transformer with pre-layer-norm and causal scaled-dot-product attention.

Radford et al. (2019), "Language Models are Unsupervised Multitask Learners", with the layout of
nanoGPT: learned positions, pre-LN blocks, a final layer norm, and the output layer tied to the
token embedding. Attention uses ``torch.nn.functional.scaled_dot_product_attention`` (flash or
memory-efficient kernels on GPU). Residual projections are initialised with std
``0.02 / sqrt(2 n_layer)`` (GPT-2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from regscale.errors import ConfigError
from regscale.models.base import Memory, SequenceModel

KeyValue = tuple[torch.Tensor, torch.Tensor]
"""Keys and values of one attention layer, [batch, heads, positions, head width]."""


@dataclass(frozen=True, kw_only=True)
class GPTConfig:
    """Shape of a GPT."""

    vocab_size: int  # tokens, SEP included
    context: int  # longest input the model sees
    n_layer: int  # Transformer blocks
    n_head: int  # attention heads; must divide d_model
    d_model: int  # residual width
    dropout: float = 0.0  # on attention weights and residual branches

    def __post_init__(self) -> None:
        if min(self.vocab_size, self.context, self.n_layer, self.n_head, self.d_model) < 1:
            raise ConfigError("GPT sizes must be positive")
        if self.d_model % self.n_head:
            raise ConfigError(f"n_head {self.n_head} must divide d_model {self.d_model}")


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model, bias=False)
        self.proj = nn.Linear(config.d_model, config.d_model, bias=False)
        self.dropout = config.dropout
        self.resid_dropout = dropout_layer(config.dropout)

    def forward(self, x: torch.Tensor, past: KeyValue | None = None
                ) -> tuple[torch.Tensor, KeyValue]:
        """Attend over ``past`` keys/values (decoding) and the new positions ``x``; returns the
        output and the keys/values up to and including ``x``."""
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2) for z in (q, k, v))
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        if past is None or t > 1:  # a new query at the end sees every key: no mask needed
            mask = None if past is None else torch.ones(
                t, k.shape[2], dtype=torch.bool, device=x.device).tril(k.shape[2] - t)
            y = F.scaled_dot_product_attention(
                q, k, v, attn_mask=mask, is_causal=mask is None,
                dropout_p=self.dropout if self.training else 0.0)
        else:
            y = F.scaled_dot_product_attention(q, k, v)
        return self.resid_dropout(self.proj(y.transpose(1, 2).reshape(b, t, d))), (k, v)


class MLP(nn.Module):
    """Position-wise feed-forward block, 4x wide, GELU."""

    def __init__(self, d_model: int, dropout: float) -> None:
        super().__init__()
        self.up = nn.Linear(d_model, 4 * d_model, bias=False)
        self.down = nn.Linear(4 * d_model, d_model, bias=False)
        self.dropout = dropout_layer(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.down(F.gelu(self.up(x))))


class Block(nn.Module):
    """Pre-LN Transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_attn = nn.LayerNorm(config.d_model)
        self.attn = CausalSelfAttention(config)
        self.ln_mlp = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config.d_model, config.dropout)

    def forward(self, x: torch.Tensor, past: KeyValue | None = None
                ) -> tuple[torch.Tensor, KeyValue]:
        attended, present = self.attn(self.ln_attn(x), past)
        x = x + attended
        return x + self.mlp(self.ln_mlp(x)), present


class GPT(SequenceModel):
    """Decoder-only Transformer; sees one window at a time (no memory)."""

    stateful = False

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.d_model)
        self.position_embedding = nn.Embedding(config.context, config.d_model)
        self.dropout = dropout_layer(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_final = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.head.weight = self.token_embedding.weight  # weight tying
        init_gpt2_weights(self, config.n_layer)

    @property
    def attended_keys(self) -> int:
        return self.config.context

    def embedding_params(self) -> int:
        return self.token_embedding.weight.numel() + self.position_embedding.weight.numel()

    def forward(
        self, tokens: torch.Tensor, memory: Memory = None
    ) -> tuple[torch.Tensor, Memory]:
        t = tokens.shape[1]
        if t > self.config.context:
            raise ValueError(f"input of {t} tokens exceeds the context {self.config.context}")
        positions = torch.arange(t, device=tokens.device)
        x = self.dropout(self.token_embedding(tokens) + self.position_embedding(positions))
        for block in self.blocks:
            x, _ = block(x)
        return self.head(self.ln_final(x)), None

    def decode(self, tokens: torch.Tensor, cache: list[KeyValue] | None
               ) -> tuple[torch.Tensor, list[KeyValue]]:
        """Logits of new ``tokens`` [batch, t] given the keys/values of the tokens before them
        (``cache``, None at the start): the same as :meth:`forward` on the whole sequence, at
        the cost of the new positions only. The sequence must fit the context (positions are
        absolute, so a sliding window cannot reuse keys)."""
        start = 0 if cache is None else cache[0][0].shape[2]
        t = tokens.shape[1]
        if start + t > self.config.context:
            raise ValueError(f"decoding past the context {self.config.context}")
        positions = torch.arange(start, start + t, device=tokens.device)
        x = self.dropout(self.token_embedding(tokens) + self.position_embedding(positions))
        present = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, None if cache is None else cache[i])
            present.append(kv)
        return self.head(self.ln_final(x)), present


def dropout_layer(p: float) -> nn.Module:
    """``nn.Dropout(p)``, or a no-op module when ``p`` is 0 (it costs time even at 0)."""
    return nn.Dropout(p) if p > 0 else nn.Identity()


def init_gpt2_weights(model: nn.Module, n_layer: int) -> None:
    """GPT-2 initialisation: N(0, 0.02) for linear and embedding weights, zero biases, and
    N(0, 0.02 / sqrt(2 n_layer)) for the projections that write into the residual stream."""
    for module in model.modules():
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
    residual_std = 0.02 / math.sqrt(2 * n_layer)
    for name, param in model.named_parameters():
        if name.endswith(("proj.weight", "down.weight")):
            nn.init.normal_(param, mean=0.0, std=residual_std)
