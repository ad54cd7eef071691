"""Exact next-token probabilities of a PCFG's strings, from prefix probabilities.

Strings of the packed stream are independent, so the Bayes-optimal probability of the token after
a prefix ``u`` of the current string is ``P_prefix(u x) / P_prefix(u)`` for a terminal ``x`` and
``P(W = u) / P_prefix(u)`` for SEP, where ``P_prefix(u)`` is the probability that a string
starts with ``u``. On the normal form (:mod:`regscale.sources.grammar_normal_form`) these are the
recursions of Jelinek and Lafferty (1991):

- inside ``beta(A, i, j) = P(A =>* w_i..w_j)`` by CKY;
- prefix-inside ``pi_i(A) = P(A =>* w_i..w_n v for some v)`` for a prefix ending at n:
  ``pi_n = L emit[:, w_n]`` and, for ``i < n``,
  ``pi_i = L sum_{k=i}^{n-1} sum_{A -> B C} p beta(B, i, k) pi_{k+1}(C)``,
  where ``L = (I - R)^-1`` closes left corners (``R[A, B] = sum_C P(A -> B C)``): the case
  where B alone covers the rest of the prefix, ``C`` then deriving anything (probability 1).

Everything is float64. For a string of length m the cost is O(m^3) times the binary rules:
:func:`next_token_probabilities` runs compiled (:mod:`regscale.sources.grammar_kernels`, rules
as lists); :func:`next_token_probabilities_reference` is the same recursion in numpy over the
dense rule tensor, which the tests hold the compiled one to.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from regscale.sources.grammar_normal_form import NormalForm


def inside_chart(form: NormalForm, word: Sequence[int]) -> np.ndarray:
    """``float64[m, m, n]``: ``beta[i, j] = P(A =>* w_i..w_j)`` (normal form), 0 below i."""
    m = len(word)
    beta = np.zeros((m, m, form.n))
    for i, symbol in enumerate(word):
        beta[i, i] = form.emit[:, symbol]
    for span in range(2, m + 1):
        for i in range(m - span + 1):
            j = i + span - 1
            # split after k = i .. j-1: beta[i, k] (B) and beta[k + 1, j] (C)
            beta[i, j] = np.einsum("abc,kb,kc->a", form.binary, beta[i, i:j],
                                   beta[i + 1:j + 1, j])
    return beta


def string_probability(form: NormalForm, word: Sequence[int]) -> float:
    """``P(W = word)`` in the original grammar (terminal indices 0..k-1)."""
    if not word:
        return form.empty
    return (1.0 - form.empty) * float(inside_chart(form, word)[0, len(word) - 1, 0])


def next_token_probabilities(form: NormalForm, word: Sequence[int]) -> np.ndarray:
    """``float64[m + 1, k + 1]``: row n is the law of the token after ``word[:n]`` (column 0 is
    SEP, column ``x + 1`` terminal x). Each row sums to 1; the token ``word[n]`` has a positive
    probability in row n whenever ``word`` is a prefix of some string."""
    from regscale.sources.grammar_kernels import next_token_table

    a, b, c = np.nonzero(form.binary)
    out: np.ndarray = next_token_table(
        a.astype(np.int64), b.astype(np.int64), c.astype(np.int64), form.binary[a, b, c],
        np.ascontiguousarray(form.emit), np.ascontiguousarray(form.left_closure),
        float(form.empty), np.asarray(word, dtype=np.int64))
    return out


def next_token_probabilities_reference(form: NormalForm, word: Sequence[int]) -> np.ndarray:
    """:func:`next_token_probabilities` in numpy over the dense rule tensor (slow; the
    reference of the tests)."""
    m = len(word)
    k = form.emit.shape[1]
    beta = inside_chart(form, word)
    closure = form.left_closure
    starts = closure @ form.emit  # [n, k]: pi_n for a one-token prefix ending with x
    out = np.zeros((m + 1, k + 1))
    prefix = 1.0  # P_prefix(word[:n]) in the original grammar
    # pis[i] (i = 0..n): pi_i of the prefix word[:n] + x, for every x: [k, n_nt]
    for n in range(m + 1):
        pis = np.zeros((n + 1, k, form.n))
        pis[n] = starts.T
        for i in range(n - 1, -1, -1):
            # sum over k = i..n-1 of binary[a, b, c] beta[i, k, b] pi_{k+1}[x, c]
            c = np.einsum("abc,kb,kxc->xa", form.binary, beta[i, i:n], pis[i + 1:n + 1])
            pis[i] = c @ closure.T
        extended = (1.0 - form.empty) * pis[0, :, 0]  # P_prefix(word[:n] + x)
        ends = form.empty if n == 0 else (1.0 - form.empty) * beta[0, n - 1, 0]
        if prefix > 0:
            out[n, 1:] = extended / prefix
            out[n, 0] = ends / prefix
        if n < m:
            prefix = float(extended[word[n]])
    return out
