"""A finite dataset of D tokens as the loop reads it: random windows (GPT) or lanes of
consecutive segments (Transformer-XL, LSTM), repeated for as many epochs as the budget allows."""

from __future__ import annotations

import torch

from regscale.sources.streams import FiniteTokens, TokenStream


def finite_stream(data: FiniteTokens, *, stateful: bool, batch_size: int, window: int,
                  seed: int) -> TokenStream:
    """Random windows of a finite dataset, or lanes (tiled up to the batch when too few fit)."""
    if stateful:
        lanes = max(1, min(batch_size, data.n_tokens // window))
        return _Repeat(data.lanes(batch_size=lanes, window=window), batch_size)
    return data.windows(batch_size=batch_size, window=window, seed=seed + 1)


class _Repeat:
    """Tile a lane stream with fewer lanes than the batch (tiny datasets) up to the batch."""

    def __init__(self, inner: TokenStream, batch_size: int) -> None:
        self.inner, self.batch_size, self.window = inner, batch_size, inner.window

    def next_batch(self) -> torch.Tensor:
        batch = self.inner.next_batch()
        reps = -(-self.batch_size // batch.shape[0])
        return batch.repeat(reps, 1)[: self.batch_size]

    def state_dict(self) -> dict[str, object]:
        return self.inner.state_dict()

    def load_state_dict(self, state: dict[str, object]) -> None:
        self.inner.load_state_dict(state)
