"""The sampler's kernels in plain Python: the same xoshiro256** stream and the same draws as the
compiled ones (:mod:`regscale.sources.cpu_kernels`), bit for bit.

They exist so that a small job (``regscale gen -n 5``) needs neither numba's 0.7 s import nor a
compiled loop, and as an independent implementation the compiled kernels are tested against.
Integers are Python ints masked to 64 bits; a uniform is the top 53 bits of an output times
2^-53, and a draw is the first outcome whose CDF exceeds it (the last outcome if none does).
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

MASK = 0xFFFFFFFFFFFFFFFF
_TO_UNIT = 1.0 / 9007199254740992.0  # 2^-53
_GOLDEN = 0x9E3779B97F4A7C15


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & MASK


def _xoshiro(s: list[int]) -> int:
    """One xoshiro256** output; advances the 4-word state ``s`` in place."""
    s0, s1, s2, s3 = s
    r = (_rotl((s1 * 5) & MASK, 7) * 9) & MASK
    m = (s1 << 17) & MASK
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= m
    s[0], s[1], s[2], s[3] = s0, s1, s2, _rotl(s3, 45)
    return r


def _mix(x: int) -> int:
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _load(master: np.ndarray) -> list[int]:
    return [int(w) for w in master]


def _store(master: np.ndarray, s: list[int]) -> None:
    master[:] = np.array(s, dtype=np.uint64)


def seed_state(seed: int) -> np.ndarray:
    """``uint64[4]``: the master state of ``seed``."""
    s = [int(seed) & MASK, 0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B]
    for _ in range(8):  # mix the seed through the state
        _xoshiro(s)
    return np.array(s, dtype=np.uint64)


def uniforms(master: np.ndarray, n: int) -> np.ndarray:
    """``float64[n]`` uniforms in [0, 1); advances ``master`` in place."""
    s = _load(master)
    out = np.array([(_xoshiro(s) >> 11) * _TO_UNIT for _ in range(n)], dtype=np.float64)
    _store(master, s)
    return out


def splitmix_states(master: np.ndarray, n: int) -> np.ndarray:
    """``uint64[n, 4]``: per-chain states seeded from the master by SplitMix64."""
    s = _load(master)
    out = np.empty((n, 4), dtype=np.uint64)
    for i in range(n):
        x = _xoshiro(s)
        for j in range(4):
            x = (x + _GOLDEN) & MASK
            out[i, j] = _mix(x)
    _store(master, s)
    return out


def _scan(row: list[float], u: float) -> int:
    """First index whose CDF exceeds ``u``, the last index if none does."""
    return min(bisect_right(row, u), len(row) - 1)


def run_chains(rows: list[list[float]], nxt: list[list[int]], initial: list[float],
               single_start: bool, hidden: np.ndarray, steps: int, states: np.ndarray,
               tokens: np.ndarray) -> None:
    """One token per draw, as :func:`regscale.sources.cpu_kernels.run_chains`; the tables
    (CDF rows, next states, initial CDF) come as Python lists."""
    out = np.empty((hidden.shape[0], steps), dtype=np.int64)
    for b in range(hidden.shape[0]):
        s = _load(states[b])
        h = int(hidden[b])
        line = []
        for _ in range(steps):
            x = _scan(rows[h], (_xoshiro(s) >> 11) * _TO_UNIT)
            line.append(x)
            if x == 0 and not single_start:  # a second draw picks the next start state
                h = _scan(initial, (_xoshiro(s) >> 11) * _TO_UNIT)
            else:
                h = nxt[h][x]
        out[b] = line
        hidden[b] = h
        _store(states[b], s)
    tokens[:] = out


def run_pairs(rows: list[list[float]], nxt: list[list[int]], vocab: int, hidden: np.ndarray,
              steps: int, states: np.ndarray, tokens: np.ndarray) -> None:
    """Two tokens per draw from the joint law, as :func:`regscale.sources.cpu_kernels.run_pairs`
    (tables as Python lists)."""
    for b in range(hidden.shape[0]):
        s = _load(states[b])
        h = int(hidden[b])
        for t in range(0, steps, 2):
            pair = _scan(rows[h], (_xoshiro(s) >> 11) * _TO_UNIT)
            tokens[b, t], tokens[b, t + 1] = divmod(pair, vocab)
            h = nxt[h][pair]
        hidden[b] = h
        _store(states[b], s)
