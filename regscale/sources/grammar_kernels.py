"""The compiled (numba) expansion of :mod:`regscale.sources.grammar_sampler`, cached on disk.

It draws exactly what the plain-Python reference there draws: the same uniforms, in the same
order. Imported only for jobs large enough to pay for numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from regscale.sources.cpu_kernels import _xoshiro


@njit(cache=True)
def expand(rule_start: np.ndarray, cdf: np.ndarray, rhs_start: np.ndarray, rhs: np.ndarray,
           master: np.ndarray, n_tokens: int, max_string: int, out: np.ndarray,
           stack: np.ndarray) -> tuple[int, int]:
    """Whole strings, each followed by SEP, into ``out`` until ``n_tokens`` are written.

    Returns (tokens written, status): 0 done, -1 a string outgrew ``max_string`` symbols,
    -2 ``out`` is full or -3 ``stack`` is (call again with larger ones and the saved state).
    """
    s0, s1, s2, s3 = master[0], master[1], master[2], master[3]
    written = 0
    status = 0
    while written < n_tokens:
        top = 0
        stack[0] = 0
        length = 0
        while top >= 0:
            symbol = stack[top]
            top -= 1
            if symbol < 0:
                if written >= out.shape[0]:
                    status = -2
                    break
                out[written] = -symbol
                written += 1
                length += 1
                continue
            r_bits, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
            u = float(r_bits >> np.uint64(11)) * (1.0 / 9007199254740992.0)
            r = rule_start[symbol]
            while r < rule_start[symbol + 1] - 1 and cdf[r] <= u:
                r += 1
            count = rhs_start[r + 1] - rhs_start[r]
            if top + count >= stack.shape[0] - 1:
                status = -3
                break
            for j in range(rhs_start[r + 1] - 1, rhs_start[r] - 1, -1):
                top += 1
                stack[top] = rhs[j]
        if status != 0:
            break
        if length > max_string:
            status = -1
            break
        if written >= out.shape[0]:
            status = -2
            break
        out[written] = 0
        written += 1
    master[0], master[1], master[2], master[3] = s0, s1, s2, s3
    return written, status
