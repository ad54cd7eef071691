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


@njit(cache=True)
def next_token_table(rule_a: np.ndarray, rule_b: np.ndarray, rule_c: np.ndarray,
                     rule_p: np.ndarray, emit: np.ndarray, closure: np.ndarray, empty: float,
                     word: np.ndarray) -> np.ndarray:
    """The compiled :func:`regscale.sources.prefix_probability.next_token_probabilities`:
    the same recursions over the binary rules as lists (``A -> B C`` with probability p), so
    a step costs the rules, not the cube of the nonterminals."""
    n_nt, k = emit.shape
    m = word.shape[0]
    n_rules = rule_a.shape[0]
    beta = np.zeros((max(m, 1), max(m, 1), n_nt))
    for i in range(m):
        for a in range(n_nt):
            beta[i, i, a] = emit[a, word[i]]
    for span in range(2, m + 1):
        for i in range(m - span + 1):
            j = i + span - 1
            for split in range(i, j):
                for r in range(n_rules):
                    left = beta[i, split, rule_b[r]]
                    if left != 0.0:
                        beta[i, j, rule_a[r]] += rule_p[r] * left * beta[split + 1, j, rule_c[r]]
    starts = closure @ emit  # [n_nt, k]
    out = np.zeros((m + 1, k + 1))
    pis = np.zeros((m + 1, k, n_nt))
    c = np.zeros((k, n_nt))
    prefix = 1.0
    for n in range(m + 1):
        for x in range(k):
            for a in range(n_nt):
                pis[n, x, a] = starts[a, x]
        for i in range(n - 1, -1, -1):
            c[:, :] = 0.0
            for split in range(i, n):
                for r in range(n_rules):
                    left = beta[i, split, rule_b[r]]
                    if left == 0.0:
                        continue
                    weight = rule_p[r] * left
                    for x in range(k):
                        c[x, rule_a[r]] += weight * pis[split + 1, x, rule_c[r]]
            for x in range(k):
                for a in range(n_nt):
                    total = 0.0
                    for b in range(n_nt):
                        total += closure[a, b] * c[x, b]
                    pis[i, x, a] = total
        ends = empty if n == 0 else (1.0 - empty) * beta[0, n - 1, 0]
        if prefix > 0.0:
            out[n, 0] = ends / prefix
            for x in range(k):
                out[n, x + 1] = (1.0 - empty) * pis[0, x, 0] / prefix
        if n < m:
            prefix = (1.0 - empty) * pis[0, word[n], 0]
    return out
