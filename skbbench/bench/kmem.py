"""The kmem_cache API of the selected slab allocator model, for bench kernels.

SLUB (v4.4) and SLAB (v4.6) models offer the same entry points; a bench kernel picks one
with a compile-time constant: its body is ``inline="always"`` and calls these helpers
with ``allocator`` and ``check`` passed as literals by thin cached wrappers, so LLVM keeps
only the chosen allocator's code in each compiled kernel (no dispatch in the timed loop).
"""

from __future__ import annotations

from numba import njit

from skbbench.model import bulk as slub_bulk
from skbbench.model import slab as slab_model
from skbbench.model import slab_debug, slub_debug
from skbbench.model import slub as slub_model

SLUB = 0
SLAB = 1
ALLOCATOR_IDS = {"slub": SLUB, "slab": SLAB}


@njit(inline="always", nogil=True)
def kmem_alloc(allocator, check, s, cpu):
    # kmem_cache_alloc of the chosen allocator (checked: its SLUB_DEBUG-like twin)
    if allocator == SLAB:
        if check:
            return slab_debug.kmem_cache_alloc_checked(s, cpu)
        return slab_model.kmem_cache_alloc(s, cpu)
    if check:
        return slub_debug.kmem_cache_alloc_checked(s, cpu)
    return slub_model.kmem_cache_alloc(s, cpu)


@njit(inline="always", nogil=True)
def kmem_free(allocator, check, s, cpu, x):
    # kmem_cache_free of the chosen allocator
    if allocator == SLAB:
        if check:
            slab_debug.kmem_cache_free_checked(s, cpu, x)
        else:
            slab_model.kmem_cache_free(s, cpu, x)
    elif check:
        slub_debug.kmem_cache_free_checked(s, cpu, x)
    else:
        slub_model.kmem_cache_free(s, cpu, x)


@njit(inline="always", nogil=True)
def kmem_alloc_bulk(allocator, check, s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk of the chosen allocator: size objects into p, or 0
    if allocator == SLAB:
        if check:
            return slab_debug.kmem_cache_alloc_bulk_checked(s, cpu, size, p, variant)
        return slab_model.kmem_cache_alloc_bulk(s, cpu, size, p, variant)
    if check:
        return slub_bulk.kmem_cache_alloc_bulk_checked(s, cpu, size, p, variant)
    return slub_bulk.kmem_cache_alloc_bulk(s, cpu, size, p, variant)


@njit(inline="always", nogil=True)
def kmem_free_bulk(allocator, check, s, cpu, size, p, variant):
    # kmem_cache_free_bulk of the chosen allocator
    if allocator == SLAB:
        if check:
            slab_debug.kmem_cache_free_bulk_checked(s, cpu, size, p, variant)
        else:
            slab_model.kmem_cache_free_bulk(s, cpu, size, p, variant)
    elif check:
        slub_bulk.kmem_cache_free_bulk_checked(s, cpu, size, p, variant)
    else:
        slub_bulk.kmem_cache_free_bulk(s, cpu, size, p, variant)
