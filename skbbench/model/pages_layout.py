"""Limits of the ptr_ring and page_pool models that specs check before anything compiles.

Numpy-free and numba-free: ``skbbench.model.ptr_ring`` and ``skbbench.model.page_pool``
import these, and so do the specs of the page benchmarks.
"""

from __future__ import annotations

SMP_CACHE_BYTES = 64
PTR_SIZE = 8
KMALLOC_MAX_SIZE = 1 << 22  # SLUB: 1 << (MAX_ORDER + PAGE_SHIFT - 1)
PTR_RING_MAX_SIZE = KMALLOC_MAX_SIZE // PTR_SIZE  # __ptr_ring_init_queue_alloc's limit

PP_ALLOC_CACHE_SIZE = 128
PP_ALLOC_CACHE_REFILL = 64
PP_RING_DEFAULT = 1024
PP_RING_MAX = 32768  # v4.18: larger pool_size is -E2BIG
PP_RING_CAP_MODERN = 16384  # v6.19: ring_qsize = min(pool_size, 16384)
PP_VERSIONS = ("v4.18", "modern")
