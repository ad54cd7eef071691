"""Compiled CPU kernels of the sampler (numba): one tight loop per chain, no per-step overhead.

Randomness is xoshiro256** (Blackman and Vigna 2018), seeded per chain by SplitMix64
(:mod:`regscale.sources.chains` holds the generator and tables that call these;
:mod:`regscale.sources.xoshiro` draws the same numbers in plain Python). Only
:mod:`regscale.sources.chains` imports this module, and only when a job is large enough to pay
for numba's import.
"""

from __future__ import annotations

import numpy as np
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
def splitmix_states(master: np.ndarray, n: int) -> np.ndarray:
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
def uniforms(master: np.ndarray, n: int) -> np.ndarray:
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
def run_chains(cdf: np.ndarray, guide: np.ndarray, next_state: np.ndarray,
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
def run_pairs(cdf2: np.ndarray, guide2: np.ndarray, next2: np.ndarray, vocab: int,
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
