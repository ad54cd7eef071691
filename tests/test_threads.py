"""Threads per process: torch, the BLAS pools and the environment follow what is set, and
context managers put back what was there."""

from __future__ import annotations

import os

import numpy as np
import torch
from threadpoolctl import threadpool_info

from regscale.threads import THREAD_VARIABLES, single_threaded_blas, threads_for, use_threads


def blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_threads_for_sets_torch_blas_and_children_then_restores() -> None:
    np.ones(2) @ np.ones(2)  # BLAS is loaded
    before_torch, before_blas = torch.get_num_threads(), blas_threads()
    before_env = {v: os.environ.get(v) for v in THREAD_VARIABLES}
    wanted = max(before_torch, *before_blas) + 1  # never a current count: never a no-op
    with threads_for(wanted):
        assert torch.get_num_threads() == wanted
        assert blas_threads() == {wanted}
        assert all(os.environ[v] == str(wanted) for v in THREAD_VARIABLES)
    assert torch.get_num_threads() == before_torch
    assert blas_threads() == before_blas
    assert {v: os.environ.get(v) for v in THREAD_VARIABLES} == before_env


def test_single_threaded_blas_is_reentrant_and_restores() -> None:
    before = blas_threads()
    with single_threaded_blas():
        assert blas_threads() == {1}
        with single_threaded_blas():
            assert blas_threads() == {1}
        assert blas_threads() == {1}
    assert blas_threads() == before


def test_fewer_than_one_thread_is_refused() -> None:
    import pytest

    from regscale.errors import ConfigError
    with pytest.raises(ConfigError, match="threads must be >= 1"):
        use_threads(0)
