"""Expected visits of absorbing chains: the iterative solve above the direct limit agrees with
sparse LU (the oracle), and both satisfy the defining equation."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.sources.visits import DIRECT_LIMIT, expected_visits


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), out_degree=st.integers(1, 4),
       stop=st.floats(0.01, 0.5))
def test_large_chains_agree_with_sparse_lu(seed: int, out_degree: int, stop: float) -> None:
    """A random chain of 2 x DIRECT_LIMIT states, each moving to ``out_degree`` random states
    with total probability ``1 - stop``."""
    rng = np.random.default_rng(seed)
    n = 2 * DIRECT_LIMIT
    rows = np.repeat(np.arange(n), out_degree)
    cols = rng.integers(n, size=n * out_degree)
    weights = rng.dirichlet(np.ones(out_degree), size=n).reshape(-1) * (1 - stop)
    q = sp.csr_matrix((weights, (rows, cols)), shape=(n, n))
    start = np.zeros(n)
    start[0] = 1.0
    visits = expected_visits(q, start)
    exact = spla.spsolve((sp.identity(n, format="csc") - q).T.tocsc(), start)
    np.testing.assert_allclose(visits, exact, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(visits - q.T @ visits, start, atol=1e-11)
    assert abs(visits.sum() - 1 / stop) < 1e-8 / stop  # each step stops with probability stop
