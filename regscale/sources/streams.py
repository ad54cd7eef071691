"""Infinite and finite packed token streams that hand out ``(batch, context + 1)`` windows.

- :class:`WindowStream`: independent windows, each cut at a random position of an infinite
  stream (chains start at the stationary distribution). For GPT.
- :class:`ParallelStreams`: ``batch`` infinite streams read on segment after segment; column 0
  of a batch is the last token of the previous one, so targets continue seamlessly. For
  Transformer-XL and LSTM, whose memory carries across segments.
- :class:`FiniteTokens`: exactly ``D`` tokens for data-limited runs, read as random windows
  (:meth:`FiniteTokens.windows`) or as parallel lanes (:meth:`FiniteTokens.lanes`), repeating.

Every stream takes a seed; ``state_dict``/``load_state_dict`` capture the generator and
positions so that a resumed run sees exactly the tokens an uninterrupted one would.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch

from regscale.errors import ConfigError
from regscale.sources.sampler import TokenSampler


class TokenStream(Protocol):
    """What the training loop reads: batches of windows, with resumable state."""

    batch_size: int
    window: int  # tokens per row: context + 1 (inputs and shifted targets)

    def next_batch(self) -> torch.Tensor:
        """``long[batch_size, window]`` on the stream's device."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """State to resume from."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`."""
        ...


def _check_shape(batch_size: int, window: int) -> None:
    if batch_size < 1 or window < 2:
        raise ConfigError(f"need batch_size >= 1 and window >= 2, got {batch_size}, {window}")


class WindowStream:
    """Independent stationary windows from an infinite stream."""

    def __init__(self, sampler: TokenSampler, *, batch_size: int, window: int, seed: int):
        _check_shape(batch_size, window)
        self.sampler, self.batch_size, self.window = sampler, batch_size, window
        self.generator = sampler.generator(seed)

    def next_batch(self) -> torch.Tensor:
        start = self.sampler.stationary_states(self.batch_size, self.generator)
        tokens, _ = self.sampler.run(start, self.window, self.generator)
        return tokens

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])


class ParallelStreams:
    """``batch_size`` infinite streams read in consecutive segments of ``window - 1`` tokens."""

    def __init__(self, sampler: TokenSampler, *, batch_size: int, window: int, seed: int):
        _check_shape(batch_size, window)
        self.sampler, self.batch_size, self.window = sampler, batch_size, window
        self.generator = sampler.generator(seed)
        start = sampler.stationary_states(batch_size, self.generator)
        first, self.hidden = sampler.run(start, 1, self.generator)
        self.last = first[:, 0]

    def next_batch(self) -> torch.Tensor:
        tokens, self.hidden = self.sampler.run(self.hidden, self.window - 1, self.generator)
        batch = torch.cat([self.last[:, None], tokens], dim=1)
        self.last = tokens[:, -1]
        return batch

    def state_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator.get_state(),
            "hidden": self.hidden.cpu(),
            "last": self.last.cpu(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.hidden = state["hidden"].to(self.sampler.device)
        self.last = state["last"].to(self.sampler.device)


class FiniteTokens:
    """Exactly ``n_tokens`` tokens in chunks of ``chunk``; windows never cross a chunk boundary.

    :meth:`sample` draws them from a regular source as independent stationary chunks (so every
    window is a stationary window); a natural-language dataset is one chunk of text.
    """

    def __init__(self, tokens: torch.Tensor, *, chunk: int) -> None:
        n_tokens = int(tokens.shape[0])
        if n_tokens < 2 or chunk < 2:
            raise ConfigError(f"a finite dataset needs >= 2 tokens, got {n_tokens}")
        self.tokens, self.n_tokens, self.chunk = tokens, n_tokens, min(chunk, n_tokens)
        self.device = tokens.device

    @classmethod
    def sample(cls, sampler: TokenSampler, *, n_tokens: int, chunk: int, seed: int
               ) -> FiniteTokens:
        """``n_tokens`` tokens of a regular source, as independent chunks of ``chunk``."""
        if n_tokens < 2 or chunk < 2:
            raise ConfigError(f"a finite dataset needs >= 2 tokens, got {n_tokens}")
        chunk = min(chunk, n_tokens)
        gen = sampler.generator(seed)
        n_chunks = -(-n_tokens // chunk)
        tokens, _ = sampler.run(sampler.stationary_states(n_chunks, gen), chunk, gen)
        return cls(tokens.reshape(-1)[:n_tokens], chunk=chunk)

    def windows(self, *, batch_size: int, window: int, seed: int) -> _FiniteWindows:
        """Random windows of ``window`` tokens, repeating the data (epochs)."""
        return _FiniteWindows(self, batch_size=batch_size, window=window, seed=seed)

    def lanes(self, *, batch_size: int, window: int) -> _FiniteLanes:
        """``batch_size`` contiguous lanes read segment by segment, wrapping around."""
        return _FiniteLanes(self, batch_size=batch_size, window=window)


class _FiniteWindows:
    def __init__(self, data: FiniteTokens, *, batch_size: int, window: int, seed: int):
        _check_shape(batch_size, window)
        if window > data.chunk:
            raise ConfigError(
                f"window {window} is longer than the dataset's chunks ({data.chunk} tokens)"
            )
        self.data, self.batch_size, self.window = data, batch_size, window
        full = data.n_tokens // data.chunk
        tail = data.n_tokens - full * data.chunk
        self._per_chunk = data.chunk - window + 1
        self._in_full = full * self._per_chunk
        self._n_starts = self._in_full + max(tail - window + 1, 0)
        self._tail_start = full * data.chunk
        self.generator = torch.Generator(device=data.device)
        self.generator.manual_seed(seed)
        self._offsets = torch.arange(window, device=data.device)

    def next_batch(self) -> torch.Tensor:
        pick = torch.randint(
            self._n_starts, (self.batch_size,), generator=self.generator,
            device=self.data.device,
        )
        in_full = (pick // self._per_chunk) * self.data.chunk + pick % self._per_chunk
        in_tail = self._tail_start + pick - self._in_full
        start = torch.where(pick < self._in_full, in_full, in_tail)
        return self.data.tokens[start[:, None] + self._offsets]

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])


class _FiniteLanes:
    def __init__(self, data: FiniteTokens, *, batch_size: int, window: int):
        _check_shape(batch_size, window)
        lane = data.n_tokens // batch_size
        if lane < window:
            raise ConfigError(
                f"{data.n_tokens} tokens cannot fill {batch_size} lanes of {window} tokens"
            )
        self.data, self.batch_size, self.window, self.lane = data, batch_size, window, lane
        self.position = 0
        self._base = torch.arange(batch_size, device=data.device)[:, None] * lane

    def next_batch(self) -> torch.Tensor:
        step = self.window - 1
        if self.position + self.window > self.lane:
            self.position = 0  # next epoch
        idx = self._base + self.position + torch.arange(self.window, device=self.data.device)
        self.position += step
        return self.data.tokens[idx]

    def state_dict(self) -> dict[str, Any]:
        return {"position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.position = int(state["position"])
