"""Bootstrap resampling: multiplicities per point, and the two-stage resample over clusters
(seeds) that carries the spread between them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.bootstrap import bootstrap, percentile_interval


@settings(max_examples=30, deadline=None)
@given(clusters=st.integers(1, 5), per=st.integers(1, 6), seed=st.integers(0, 1000))
def test_a_clustered_resample_draws_whole_clusters_then_points_within(
        clusters: int, per: int, seed: int) -> None:
    labels = np.repeat(np.arange(clusters) * 7, per)  # labels need not be 0..k-1
    draws = bootstrap(lambda w: w.copy(), len(labels), resamples=20, seed=seed, clusters=labels)
    for weights in draws:
        assert weights.sum() == len(labels)  # equal clusters: as many points as before
        for label in np.unique(labels):  # each cluster's weight is a multiple of its size
            assert weights[labels == label].sum() % per == 0


def test_the_spread_between_seeds_widens_the_interval() -> None:
    """Points from 4 seeds, each seed shifted by its own offset: resampling points alone
    treats them as independent and gives a narrower interval of the mean than resampling seeds."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 25)
    values = rng.normal(0, 1, 4)[labels] + rng.normal(0, 0.1, 100)

    def mean(weights: np.ndarray) -> float:
        return float(np.sum(weights * values) / np.sum(weights))

    flat = percentile_interval(np.array(bootstrap(mean, 100, resamples=400, seed=1)))
    clustered = percentile_interval(np.array(bootstrap(mean, 100, resamples=400, seed=1,
                                                       clusters=labels)))
    assert clustered[1] - clustered[0] > 3 * (flat[1] - flat[0])
