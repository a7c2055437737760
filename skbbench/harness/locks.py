"""spinlock_t for jitted kernels: lock = cmpxchg 0->1 (spin with pause), unlock = release store.

The uncontended cost of a kernel spin_lock/spin_unlock pair is one locked cmpxchg plus a
plain store, which is what these compile to. A lock is one uint64 word of an array
(give each lock its own cache line).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.intrinsics import atomic_load64, atomic_store64, cmpxchg64, cpu_relax

_ZERO = np.uint64(0)
_ONE = np.uint64(1)


@njit(inline="always", nogil=True)
def spin_lock(arr, i):
    """spin_lock: test-and-test-and-set on arr[i]."""
    while cmpxchg64(arr, i, _ZERO, _ONE) != _ZERO:
        while atomic_load64(arr, i) != _ZERO:
            cpu_relax()


@njit(inline="always", nogil=True)
def spin_unlock(arr, i):
    """spin_unlock: release store of 0."""
    atomic_store64(arr, i, _ZERO)
