"""Compiled CPU kernels of the sampler (numba): one tight loop per chain, no per-step overhead.

Randomness is xoshiro256** (Blackman and Vigna 2018). A :class:`CpuGenerator` holds one master
state; every call derives one fresh xoshiro state per chain from the master with SplitMix64, so
the tokens depend only on the seed and the sequence of calls, and the 32-byte master state is
all a checkpoint needs.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True, inline="always")
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, inline="always")
def _xoshiro(s0: np.uint64, s1: np.uint64, s2: np.uint64,
             s3: np.uint64) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64, np.uint64]:
    """One xoshiro256** output and the next state, all in registers."""
    r = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    m = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= m
    s3 = _rotl(s3, 45)
    return r, s0, s1, s2, s3


@njit(cache=True, inline="always")
def _next_u64(s: np.ndarray) -> np.uint64:
    """One output of the xoshiro state held in the array ``s`` (advanced in place)."""
    r, s[0], s[1], s[2], s[3] = _xoshiro(s[0], s[1], s[2], s[3])
    return r


@njit(cache=True, inline="always")
def _uniform(s: np.ndarray) -> float:
    return float(_next_u64(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _splitmix_states(master: np.ndarray, n: int) -> np.ndarray:
    """``n`` xoshiro states seeded from the master by SplitMix64; advances the master."""
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        x = _next_u64(master)
        for j in range(4):
            x += np.uint64(0x9E3779B97F4A7C15)
            z = x
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            out[i, j] = z ^ (z >> np.uint64(31))
    return out


@njit(cache=True)
def _uniforms(master: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n)
    for i in range(n):
        out[i] = _uniform(master)
    return out


@njit(cache=True, inline="always")
def _inverse_cdf(cdf: np.ndarray, u: float) -> int:
    """Index of the first entry > u (entries <= u are skipped), like searchsorted(right)."""
    lo, hi = 0, cdf.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cdf[mid] <= u:
            lo = mid + 1
        else:
            hi = mid
    return lo


GUIDE_BITS = 8
"""Guide-table resolution: 2^8 buckets per hidden state."""

_TO_UNIT = 1.0 / 9007199254740992.0  # 2^-53


@njit(cache=True)
def guide_table(cdf: np.ndarray) -> np.ndarray:
    """``uint16[H, 256]``: the outcome whose CDF interval holds each bucket's left end.

    Inverse-CDF sampling starts its scan there (Chen and Asau 1974), so a draw rarely compares
    more than once; the result is exactly that of the plain scan.
    """
    buckets = 1 << GUIDE_BITS
    h_count, outcomes = cdf.shape
    guide = np.empty((h_count, buckets), dtype=np.uint16)
    for h in range(h_count):
        x = 0
        for j in range(buckets):
            left = j / buckets
            while x < outcomes - 1 and cdf[h, x] <= left:
                x += 1
            guide[h, j] = x
    return guide


@njit(cache=True, inline="always")
def _guided_draw(cdf: np.ndarray, guide: np.ndarray, h: int, r: np.uint64) -> np.int64:
    """Inverse CDF of row ``h`` at ``u`` = the top 53 bits of ``r``, started from the guide."""
    u = float(r >> np.uint64(11)) * _TO_UNIT
    x = np.int64(guide[h, r >> np.uint64(64 - GUIDE_BITS)])
    last = cdf.shape[1] - 1
    while x < last and cdf[h, x] <= u:
        x += 1
    return x


@njit(cache=True)
def _run_chains(cdf: np.ndarray, guide: np.ndarray, next_state: np.ndarray,
                initial_cdf: np.ndarray, single_start: bool, hidden: np.ndarray, steps: int,
                states: np.ndarray, tokens: np.ndarray) -> None:
    for b in range(hidden.shape[0]):
        s0, s1, s2, s3 = states[b, 0], states[b, 1], states[b, 2], states[b, 3]
        h = hidden[b]
        for t in range(steps):
            r, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
            x = _guided_draw(cdf, guide, h, r)
            tokens[b, t] = x
            if x == 0 and not single_start:  # a second draw picks the next start state
                r, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
                h = _inverse_cdf(initial_cdf, float(r >> np.uint64(11)) * _TO_UNIT)
            else:  # for a single start, next_state[h, SEP] is the start
                h = next_state[h, x]
        hidden[b] = h
        states[b, 0], states[b, 1], states[b, 2], states[b, 3] = s0, s1, s2, s3


@njit(cache=True)
def _run_pairs(cdf2: np.ndarray, guide2: np.ndarray, next2: np.ndarray, vocab: int,
               hidden: np.ndarray, steps: int, states: np.ndarray, tokens: np.ndarray) -> None:
    """Two tokens per draw from the exact joint law P(x1, x2 | h); ``steps`` must be even."""
    for b in range(hidden.shape[0]):
        s0, s1, s2, s3 = states[b, 0], states[b, 1], states[b, 2], states[b, 3]
        h = hidden[b]
        for t in range(0, steps, 2):
            r, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
            pair = _guided_draw(cdf2, guide2, h, r)
            tokens[b, t] = pair // vocab
            tokens[b, t + 1] = pair % vocab
            h = next2[h, pair]
        hidden[b] = h
        states[b, 0], states[b, 1], states[b, 2], states[b, 3] = s0, s1, s2, s3


def _seed_state(seed: int) -> np.ndarray:
    master = np.array([seed & 0xFFFFFFFFFFFFFFFF, 0x6A09E667F3BCC908, 0xBB67AE8584CAA73B,
                       0x3C6EF372FE94F82B], dtype=np.uint64)
    for _ in range(8):  # mix the seed through the state
        _uniforms(master, 1)
    return master


class CpuGenerator:
    """A seeded xoshiro256** master state, with torch-like ``get_state``/``set_state``."""

    def __init__(self, seed: int) -> None:
        self.master = _seed_state(int(seed))

    def get_state(self) -> torch.Tensor:
        """The 32-byte state as a uint8 tensor (safe for ``torch.load(weights_only=True)``)."""
        return torch.from_numpy(self.master.view(np.uint8).copy())

    def set_state(self, state: torch.Tensor) -> None:
        """Restore a state from :meth:`get_state`."""
        self.master = state.numpy().copy().view(np.uint64)

    def uniforms(self, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1)."""
        out: np.ndarray = _uniforms(self.master, n)
        return out

    def chain_states(self, n: int) -> np.ndarray:
        """``n`` independent per-chain xoshiro states."""
        out: np.ndarray = _splitmix_states(self.master, n)
        return out


MAX_PAIR_TABLE = 1 << 22
"""Largest H x V^2 for which two-token tables are built."""


class ChainTables:
    """The arrays the kernels read, built once per automaton.

    ``cdf`` is ``float64[H, V]`` with the last possible token pinned to 1, ``next_state`` is
    ``int64[H, V]``, ``initial_cdf`` is ``float64[H]`` (pinned likewise), ``start`` the state
    every string starts in, if there is one. Then (``walk``, ``dirichlet``) SEP moves
    deterministically and tokens are
    drawn two at a time from the joint law of the pair, which halves the serial chain of
    lookups; the law of the tokens is unchanged.
    """

    def __init__(self, cdf: np.ndarray, next_state: np.ndarray, initial_cdf: np.ndarray,
                 start: int | None):
        self.cdf = np.ascontiguousarray(cdf, dtype=np.float64)
        self.guide = guide_table(self.cdf)
        self.initial_cdf = np.ascontiguousarray(initial_cdf, dtype=np.float64)
        self.single_start = start is not None
        self.next_state = np.array(next_state, dtype=np.int64)
        h, v = self.cdf.shape
        self.pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if start is not None:
            self.next_state[:, 0] = start
            if h * v * v <= MAX_PAIR_TABLE:
                self.pairs = _pair_tables(self.cdf, self.next_state)

    def run(self, hidden: np.ndarray, steps: int, generator: CpuGenerator) -> np.ndarray:
        """Advance every chain ``steps`` tokens, updating ``hidden`` in place.

        Returns ``int64[B, steps]``.
        """
        tokens = np.empty((hidden.shape[0], steps), dtype=np.int64)
        states = generator.chain_states(hidden.shape[0])
        paired = 0
        if self.pairs is not None:
            paired = steps - steps % 2
            cdf2, guide2, next2 = self.pairs
            _run_pairs(cdf2, guide2, next2, self.cdf.shape[1], hidden, paired, states, tokens)
        if paired < steps:
            rest = np.empty((hidden.shape[0], steps - paired), dtype=np.int64)
            _run_chains(self.cdf, self.guide, self.next_state, self.initial_cdf,
                        self.single_start, hidden, steps - paired, states, rest)
            tokens[:, paired:] = rest
        return tokens


def _pair_tables(
    cdf: np.ndarray, next_state: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CDF, guide and next state of the joint law of two consecutive tokens, per state."""
    probs = np.diff(np.concatenate([np.zeros((cdf.shape[0], 1)), cdf], axis=1), axis=1)
    h, v = probs.shape
    first = next_state  # [h, x1] -> h1
    joint = probs[:, :, None] * probs[first]  # [h, x1, x2]
    next2 = next_state[first].reshape(h, v * v)
    joint = joint.reshape(h, v * v)
    cdf2 = np.cumsum(joint, axis=1)
    last = v * v - 1 - np.argmax(joint[:, ::-1] > 0, axis=1)
    cdf2[np.arange(v * v)[None, :] >= last[:, None]] = 1.0
    cdf2 = np.ascontiguousarray(cdf2)
    return cdf2, guide_table(cdf2), np.ascontiguousarray(next2)
