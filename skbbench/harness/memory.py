"""Memory for jitted kernels: zeroed uint64 arrays aligned to a cache line or a page.

Alignment matters: cmpxchg16b needs 16 bytes, per-CPU records and queue heads are meant
to start on their own 64-byte cache line, and slab arenas on a page.
"""

from __future__ import annotations

import numpy as np


def aligned_words(n: int, align: int = 64) -> np.ndarray:
    """A zeroed uint64 array of ``n`` words whose data starts on an ``align``-byte
    boundary (every page written once, so none faults inside a timed window)."""
    raw = np.zeros(n + align // 8, dtype=np.uint64)
    skip = (-raw.ctypes.data % align) // 8
    arr = raw[skip : skip + n]
    arr.fill(0)
    return arr
