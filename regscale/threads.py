"""Threads per process, sized from the cores the process is given, never from the machine.

A thread that spins while its siblings wait for a core makes a busy machine many times slower
rather than proportionally slower (measured on 2 cores beside other work: the Chinchilla point
fit took 2.2-10.3 s with default threads, 0.15-0.34 s single-threaded). So every process that
computes sets its threads deliberately:

- **training** uses as many threads as the process has cores to itself: ``regscale train`` all
  the cores it may run on (its CPU affinity, ``--threads`` to choose), a sweep's run its CPUs per
  run (``--cpus-per-run``, 1 by default, on every executor);
- **fits** are small problems and run with single-threaded BLAS (:func:`single_threaded_blas`);
- the sampler's numba kernels are serial, so they take one thread whatever is set.

:func:`use_threads` sets torch's intra-op threads, the BLAS and OpenMP pools numpy and scipy
loaded (through threadpoolctl) and the environment variables processes started later read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

from regscale.errors import ConfigError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""Environment variables the OpenMP and BLAS runtimes read when a process loads them."""

_blas_depth = 0


def available_cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def use_threads(threads: int) -> None:
    """Compute with ``threads`` threads in this process and in the processes it starts.

    Raises
    ------
    ConfigError
        ``threads`` below 1.
    """
    if threads < 1:
        raise ConfigError(f"threads must be >= 1, got {threads}")
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    torch = sys.modules.get("torch")  # not imported yet: it reads OMP_NUM_THREADS when it is
    if torch is not None:
        torch.set_num_threads(threads)
    threadpool_limits(threads)


@contextmanager
def threads_for(threads: int) -> Iterator[None]:
    """:func:`use_threads` for the body, then the previous settings again."""
    saved = {variable: os.environ.get(variable) for variable in THREAD_VARIABLES}
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    limits = threadpool_limits(threads)
    try:
        use_threads(threads)
        yield
    finally:
        limits.restore_original_limits()
        if torch is not None and torch_threads is not None:
            torch.set_num_threads(torch_threads)
        for variable, value in saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the body with one BLAS thread (re-entrant: only the outermost call pays for it)."""
    global _blas_depth
    if _blas_depth:
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        _blas_depth += 1
        try:
            yield
        finally:
            _blas_depth -= 1
