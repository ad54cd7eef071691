"""Keep freed host memory in the process, so that a training step's tensors reuse warm pages.

A fused group's activations are megabytes each, freed and allocated again every step. glibc's
malloc serves blocks that large with ``mmap`` and gives them back to the kernel when freed (and
trims the heap's free top), so every step faults in fresh zeroed pages. Measured on GPT pico,
nano and micro groups of 8-16 members on the CPU: 1,000-2,300 minor page faults a step and
12-26% of the step's time in the kernel; with the thresholds raised, under 25 faults a step and
steps 1.3x faster. :func:`keep_freed_memory` raises malloc's mmap and trim thresholds
(``mallopt(M_MMAP_THRESHOLD)``, ``mallopt(M_TRIM_THRESHOLD)``); the process then keeps its peak
heap until it exits, which a training process does anyway. Nothing changes where the C library
is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter numbers (``malloc.h``)."""

MMAP_THRESHOLD_BYTES = 1 << 30
"""Blocks under 1 GiB come from the heap, where freed ones are reused."""

TRIM_THRESHOLD_BYTES = (1 << 31) - 1
"""The heap's free top is never given back (the largest value ``mallopt`` takes)."""


def keep_freed_memory() -> bool:
    """Raise glibc malloc's mmap and trim thresholds for this process; returns whether it did
    (False off Linux or without glibc). Idempotent."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name)
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
