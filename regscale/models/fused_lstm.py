"""K LSTMs of one shape as one model (the fused form of :class:`regscale.models.lstm.LSTM`).

The input projections of every time step are one batched matmul per layer; the recurrence steps
all members at once, one ``bmm`` per time step, with ``nn.LSTM``'s gate order (input, forget,
cell, output) and both of its biases. Parameter names are the solo LSTM's (``lstm.weight_ih_l0``
and so on), so member k's state dict is the solo one. Memory is ``(h, c)``, each
``[K, n_layer, B, d]``; a member without memory starts from zeros, as ``nn.LSTM`` does.
"""

from __future__ import annotations

import torch
from torch import nn

from regscale.models.base import Memory, SequenceModel
from regscale.models.fused import FusedModel
from regscale.models.fused_layers import FusedEmbedding, FusedLinear
from regscale.models.lstm import LSTM, LSTMConfig


class FusedLSTMStack(nn.Module):
    """K stacks of LSTM layers, parameters named as in ``nn.LSTM``."""

    def __init__(self, members: int, n_layer: int, width: int) -> None:
        super().__init__()
        self.n_layer = n_layer
        for layer in range(n_layer):
            self.register_parameter(f"weight_ih_l{layer}",
                                    nn.Parameter(torch.empty(members, 4 * width, width)))
            self.register_parameter(f"weight_hh_l{layer}",
                                    nn.Parameter(torch.empty(members, 4 * width, width)))
            self.register_parameter(f"bias_ih_l{layer}",
                                    nn.Parameter(torch.empty(members, 4 * width)))
            self.register_parameter(f"bias_hh_l{layer}",
                                    nn.Parameter(torch.empty(members, 4 * width)))

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``x`` [K, B, T, d]; ``h, c`` [K, n_layer, B, d] -> outputs [K, B, T, d] and the
        final ``h, c``."""
        k, b, t, d = x.shape
        hs, cs = [], []
        for layer in range(self.n_layer):
            w_ih = getattr(self, f"weight_ih_l{layer}")
            w_hh = getattr(self, f"weight_hh_l{layer}")
            bias = (getattr(self, f"bias_ih_l{layer}") + getattr(self, f"bias_hh_l{layer}"))
            projected = torch.baddbmm(bias[:, None, :], x.reshape(k, b * t, d),
                                      w_ih.transpose(1, 2)).view(k, b, t, 4 * d)
            w_hh_t = w_hh.transpose(1, 2)
            h_t, c_t = h[:, layer], c[:, layer]
            outputs = []
            for step in range(t):
                gates = torch.baddbmm(projected[:, :, step], h_t, w_hh_t)
                i, f, g, o = gates.chunk(4, dim=-1)
                c_t = torch.sigmoid(f) * c_t + torch.sigmoid(i) * torch.tanh(g)
                h_t = torch.sigmoid(o) * torch.tanh(c_t)
                outputs.append(h_t)
            x = torch.stack(outputs, dim=2)
            hs.append(h_t)
            cs.append(c_t)
        return x, torch.stack(hs, dim=1), torch.stack(cs, dim=1)


class FusedLSTM(FusedModel):
    """K stacked LSTM language models, memory carried across segments."""

    min_members = 8
    """``nn.LSTM``'s own kernel is fast: fused, 4 members ran 0.6-0.9x their solo speed and 8
    members 1.4-1.5x (pico, nano; benchmarks/fused.py)."""

    def __init__(self, members: int, config: LSTMConfig) -> None:
        super().__init__(members)
        self.config = config
        self.token_embedding = FusedEmbedding(members, config.vocab_size, config.d_model)
        self.lstm = FusedLSTMStack(members, config.n_layer, config.d_model)
        self.head = FusedLinear(members, config.d_model, config.vocab_size)
        self.head.weight = self.token_embedding.weight  # tied, as in the solo LSTM

    @classmethod
    def like(cls, solo: SequenceModel, members: int) -> FusedLSTM:
        assert isinstance(solo, LSTM)
        return cls(members, solo.config)

    def forward(self, tokens: torch.Tensor, memory: Memory = None
                ) -> tuple[torch.Tensor, Memory]:
        k, b, _ = tokens.shape
        if memory is None:
            zeros = self.token_embedding.weight.new_zeros(k, self.config.n_layer, b,
                                                          self.config.d_model)
            memory = (zeros, zeros)
        h, c = memory
        out, h, c = self.lstm(self.token_embedding(tokens), h, c)
        logits = self.head(out.reshape(k, -1, out.shape[-1]))
        return logits.view(k, b, tokens.shape[2], -1), (h.detach(), c.detach())

    def member_memory(self, memory: Memory, k: int) -> Memory:
        if memory is None:
            return None
        return (memory[0][k], memory[1][k])

    def stack_memory(self, memories: list[Memory]) -> Memory:
        if all(m is None for m in memories):
            return None
        weight = self.token_embedding.weight
        rows = next(m for m in memories if m is not None)[0].shape[1]
        zeros = weight.new_zeros(self.config.n_layer, rows, self.config.d_model)
        h = torch.stack([zeros if m is None else m[0].to(weight) for m in memories])
        c = torch.stack([zeros if m is None else m[1].to(weight) for m in memories])
        return (h, c)

    def keep_memory(self, memory: Memory, index: torch.Tensor) -> Memory:
        if memory is None:
            return None
        return (memory[0][index], memory[1][index])
