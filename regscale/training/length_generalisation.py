"""Train on short strings, evaluate by length: the length generalisation of a model, in nats.

With ``data.max_string_length = L`` a run trains on the source's strings of at most L symbols
(the source conditioned on ``|w| <= L``: longer draws are dropped), packed as usual, for regular
and context-free languages alike. When it ends, the best model is evaluated by length bin,
``[0, L]``, ``(L, 2L]``, ``(2L, 3L]``, ``(3L, 4L]``, on strings drawn from the unconditioned
source, each scored in its own row ``SEP w SEP``:

- ``excess_nats``: the mean over strings of the per-token excess of the model over the exact
  floor of the source the strings are drawn from (its own string prefix law, the final SEP
  included), with its standard error over strings;
- ``valid_mass``: the model's probability on tokens that keep the prefix in the language;
- ``acceptance``: of the model's free-running samples whose length falls in the bin, the share
  the DFA or the parser accepts (unfinished samples, past 4L + 16 symbols, are not counted).

Strings that do not fit one context (``|w| + 2 > context + 1``) are not scored; a bin with none
drawn reports NaN and the count 0. Within the first bin a model can beat the source's floor
(negative excess): it learned that strings end by L, which the unconditioned source does not
know; beyond L the excess measures what the model did not learn from short strings.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional as F

from regscale.models.base import SequenceModel
from regscale.sources.automaton import SEP
from regscale.sources.chains import CpuGenerator
from regscale.sources.streams import FiniteTokens, TokenStream
from regscale.training.finite_data import finite_stream
from regscale.training.packed_lanes import PackedLanes

BINS = 4
"""Length bins of width L each."""

STRINGS_PER_BIN = 64
"""Strings scored per bin (fewer where the source rarely draws that long)."""

MAX_DRAWS = 200_000
"""Strings drawn at most while filling the bins."""


class ExactData(Protocol):
    """What this module reads from regular and context-free training data."""

    @property
    def vocab_size(self) -> int: ...

    def draw_words(self, count: int, generator: CpuGenerator) -> list[list[int]]: ...

    def exact_reference(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...

    def accepts(self, symbols: list[int]) -> bool: ...


def short_packed(data: ExactData, n_tokens: int, max_length: int,
                 generator: CpuGenerator) -> np.ndarray:
    """At least ``n_tokens`` tokens of strings of at most ``max_length`` symbols, each followed
    by SEP."""
    out: list[int] = []
    while len(out) < n_tokens:
        for word in data.draw_words(256, generator):
            if len(word) <= max_length:
                out.extend(word)
                out.append(SEP)
    return np.asarray(out, dtype=np.int64)


def short_string_stream(data: ExactData, device: torch.device, *, stateful: bool,
                        batch_size: int, window: int, seed: int, dataset_tokens: int | None,
                        max_length: int) -> TokenStream:
    """The training stream of a run with ``max_string_length``: infinite lanes, or a finite
    packed sample of exactly ``dataset_tokens`` short-string tokens."""
    if dataset_tokens is None:
        return PackedLanes(lambda n, generator: short_packed(data, n, max_length, generator),
                           device, batch_size=batch_size, window=window, seed=seed)
    tokens = short_packed(data, dataset_tokens, max_length, CpuGenerator(seed))[:dataset_tokens]
    finite = FiniteTokens(torch.from_numpy(tokens).to(device), chunk=dataset_tokens)
    return finite_stream(finite, stateful=stateful, batch_size=batch_size, window=window,
                         seed=seed)


def bins_of(max_length: int) -> list[tuple[int, int]]:
    """``[(0, L), (L + 1, 2L), ...]``: inclusive length ranges."""
    return [(0 if b == 0 else b * max_length + 1, (b + 1) * max_length) for b in range(BINS)]


def length_table(model: SequenceModel, data: ExactData, max_length: int, *, context: int,
                 samples: int, seed: int, device: torch.device,
                 autocast: AbstractContextManager[Any]) -> list[dict[str, Any]]:
    """One row per length bin (module docstring)."""
    from regscale.training.evaluation import sample_from_model

    bins = bins_of(max_length)
    picked: list[list[list[int]]] = [[] for _ in bins]
    generator = CpuGenerator(seed)
    drawn = 0
    while drawn < MAX_DRAWS and any(len(p) < STRINGS_PER_BIN for p in picked):
        for word in data.draw_words(512, generator):
            b = _bin(len(word), max_length)
            fits = len(word) + 2 <= context + 1
            if b is not None and fits and len(picked[b]) < STRINGS_PER_BIN:
                picked[b].append(word)
        drawn += 512
    was_training = model.training
    model.eval()
    rows = []
    for (lo, hi), words in zip(bins, picked, strict=True):
        row: dict[str, Any] = {"bin_low": lo, "bin_high": hi, "strings": len(words)}
        row.update(_score(model, data, words, device, autocast) if words else
                   {"excess_nats": math.nan, "excess_se_nats": math.nan,
                    "valid_mass": math.nan})
        rows.append(row)
    sampled = sample_from_model(model, samples, BINS * max_length + 16, context=context,
                                seed=seed, device=device, autocast=autocast) if samples else []
    for row in rows:
        mine = [s for s in sampled
                if s is not None and row["bin_low"] <= len(s) <= row["bin_high"]]
        row["samples"] = len(mine)
        rate = sum(data.accepts(s) for s in mine) / len(mine) if mine else math.nan
        row["acceptance"] = rate
        row["acceptance_se"] = math.sqrt(rate * (1 - rate) / len(mine)) if mine else math.nan
    model.train(was_training)
    return rows


def _bin(length: int, max_length: int) -> int | None:
    b = 0 if length <= max_length else (length - 1) // max_length
    return b if b < BINS else None


def _score(model: SequenceModel, data: ExactData, words: list[list[int]], device: torch.device,
           autocast: AbstractContextManager[Any]) -> dict[str, float]:
    width = max(len(w) for w in words) + 2
    tokens = torch.full((len(words), width), SEP, dtype=torch.long)
    for i, w in enumerate(words):
        tokens[i, 1:len(w) + 1] = torch.tensor(w, dtype=torch.long)
    floor, valid = data.exact_reference(tokens)
    with torch.no_grad(), autocast:
        logits, _ = model(tokens[:, :-1].to(device))
    log_probs = F.log_softmax(logits.float(), dim=-1).double().cpu()
    nll = -log_probs.gather(-1, tokens[:, 1:, None])[..., 0]
    mass = (log_probs[..., :valid.shape[-1]].exp() * valid.double()).sum(-1)
    lengths = torch.tensor([len(w) + 1 for w in words])  # symbols and the final SEP
    scored = torch.arange(width - 1)[None, :] < lengths[:, None]
    excess = torch.where(scored, nll - floor, 0.0).sum(1) / lengths
    valid_mass = torch.where(scored, mass, 0.0).sum(1) / lengths
    se = float(excess.std(unbiased=True) / math.sqrt(len(words))) if len(words) > 1 else math.nan
    return {"excess_nats": float(excess.mean()), "excess_se_nats": se,
            "valid_mass": float(valid_mass.mean())}
