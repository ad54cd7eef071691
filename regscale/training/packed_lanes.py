"""Lanes of a packed string stream, read segment after segment, resumable exactly.

A lane opens with SEP and grows by whole strings from ``draw(n_tokens, generator)`` (at least
``n_tokens`` tokens of strings, each followed by SEP); a batch takes ``window`` tokens of every
lane, and the next one starts at the last of them, so targets continue seamlessly. The state is
the generator's and the lanes' pending tokens. Context-free languages train on these lanes, and
any exact source does when it trains on short strings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from regscale.sources.automaton import SEP
from regscale.sources.chains import CpuGenerator

Draw = Callable[[int, CpuGenerator], np.ndarray]
"""``draw(n_tokens, generator)``: at least that many tokens of whole strings, each + SEP."""


class PackedLanes:
    """``batch_size`` infinite packed lanes (module docstring)."""

    def __init__(self, draw: Draw, device: torch.device, *, batch_size: int, window: int,
                 seed: int) -> None:
        self.draw, self.device = draw, device
        self.batch_size, self.window = batch_size, window
        self.generator = CpuGenerator(seed)
        self.lanes = [np.array([SEP], dtype=np.int64) for _ in range(batch_size)]

    def next_batch(self) -> torch.Tensor:
        rows = []
        for i, lane in enumerate(self.lanes):
            if len(lane) < self.window:
                lane = np.concatenate([lane, self.draw(self.window - len(lane), self.generator)])
            rows.append(lane[:self.window])
            self.lanes[i] = lane[self.window - 1:]  # the last token opens the next segment
        return torch.from_numpy(np.stack(rows)).to(self.device)

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(),
                "lengths": torch.tensor([len(lane) for lane in self.lanes]),
                "tokens": torch.from_numpy(np.concatenate(self.lanes))}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        tokens, ends = state["tokens"].numpy(), np.cumsum(state["lengths"].numpy())
        self.lanes = [tokens[a:b].copy() for a, b in zip(np.r_[0, ends[:-1]], ends, strict=True)]
