"""Streams: reproducibility, exact resume, stationarity of windows, finite data of exactly D."""

from __future__ import annotations

import pytest
import torch
from scipy.stats import chisquare

from regscale.automata.regex_to_dfa import min_dfa_from_regex
from regscale.errors import ConfigError
from regscale.sources.automaton import SEP
from regscale.sources.policies import PolicyConfig, compile_policy
from regscale.sources.sampler import TokenSampler
from regscale.sources.streams import FiniteTokens, ParallelStreams, WindowStream

DFA = min_dfa_from_regex("(a|b)*a(a|b){2}c?")
PA = compile_policy(DFA, PolicyConfig())


def sampler(backend: str | None = None) -> TokenSampler:
    return TokenSampler(PA, backend=backend)


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_same_seed_same_tokens_and_resume_is_exact(backend: str) -> None:
    for make in (WindowStream, ParallelStreams):
        one = make(sampler(backend), batch_size=4, window=9, seed=3)
        two = make(sampler(backend), batch_size=4, window=9, seed=3)
        assert torch.equal(one.next_batch(), two.next_batch())
        state = one.state_dict()
        ahead = [one.next_batch() for _ in range(3)]
        resumed = make(sampler(backend), batch_size=4, window=9, seed=99)
        resumed.load_state_dict(state)
        assert all(torch.equal(a, resumed.next_batch()) for a in ahead)


def test_parallel_streams_continue_across_segments() -> None:
    streams = ParallelStreams(sampler(), batch_size=3, window=6, seed=0)
    first, second = streams.next_batch(), streams.next_batch()
    assert torch.equal(second[:, 0], first[:, -1])


def test_windows_start_at_the_stationary_token_law() -> None:
    batch = WindowStream(sampler(), batch_size=30_000, window=2, seed=1).next_batch()
    expected = PA.stationary @ PA.probs  # P(first token) under the stationary chain
    observed = torch.bincount(batch[:, 0], minlength=PA.vocab_size).double()
    keep = expected > 0
    assert observed[~torch.as_tensor(keep)].sum() == 0
    assert chisquare(observed[keep].numpy(), expected[keep] * len(batch)).pvalue > 1e-4


def test_stream_strings_are_in_the_language() -> None:
    tokens = ParallelStreams(sampler(), batch_size=2, window=400, seed=2).next_batch()
    for row in tokens.tolist():
        cut = row.index(SEP)
        strings = "".join("|" if t == SEP else DFA.alphabet[t - 1] for t in row[cut + 1:])
        for word in strings.split("|")[:-1]:
            assert DFA.accepts(word)


def test_finite_tokens_hold_exactly_d_and_repeat() -> None:
    data = FiniteTokens.sample(sampler(), n_tokens=1001, chunk=64, seed=0)
    assert data.tokens.shape == (1001,)
    again = FiniteTokens.sample(sampler(), n_tokens=1001, chunk=64, seed=0)
    assert torch.equal(data.tokens, again.tokens)
    windows = data.windows(batch_size=512, window=16, seed=0).next_batch()
    text = data.tokens.tolist()
    starts = set()
    for row in windows.tolist():  # every window is a slice within one chunk
        start = next(i for i in range(len(text) - 15) if text[i:i + 16] == row)
        starts.add(start)
    assert all((s % 64) + 16 <= 64 or s >= 960 for s in starts)
    lanes = data.lanes(batch_size=4, window=11)
    seen = [lanes.next_batch() for _ in range(30)]
    assert all(b.shape == (4, 11) for b in seen)
    # 250 tokens per lane hold 24 windows of 11 starting 10 apart (0..230); call 24 wraps
    assert torch.equal(seen[0], seen[24]) and not torch.equal(seen[0], seen[23])


def test_bad_stream_shapes() -> None:
    with pytest.raises(ConfigError):
        WindowStream(sampler(), batch_size=0, window=8, seed=0)
    data = FiniteTokens.sample(sampler(), n_tokens=100, chunk=32, seed=0)
    with pytest.raises(ConfigError, match="longer than"):
        data.windows(batch_size=2, window=64, seed=0)
    with pytest.raises(ConfigError, match="lanes"):
        data.lanes(batch_size=64, window=8)
