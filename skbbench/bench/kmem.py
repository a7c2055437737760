"""The kmem_cache API of the selected slab allocator model, for bench kernels.

SLUB (v4.4), SLAB (v4.6) and sheaves (v7.0's SLUB and v6.18's opt-in form) models offer
the same entry points; a bench kernel picks one
with a compile-time constant: its body is ``inline="always"`` and calls these helpers
with ``allocator`` and ``check`` passed as literals by thin cached wrappers, so LLVM keeps
only the chosen allocator's code in each compiled kernel (no dispatch in the timed loop).
``kc`` is SLUB's compile-time Kconfig (skbbench.model.kconfig_layout; the sheaves models
read it too, SLAB ignores it);
the benchmark's own flavor bits stop here (``flavor_only``): they select benchmark code,
and a model compiled once serves every benchmark flavor.

As in the benchmark modules, every call is a real call into the allocator: the exported
kmem_cache_alloc / kmem_cache_free / kmem_cache_alloc_bulk / kmem_cache_free_bulk, and
the modules' noinline ``my__kmem_cache_*_bulk`` fallback loops (``BULK_FALLBACK``). The
SLUB_DEBUG-like checked entry points (``check``) count as before and are not timed work.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.calls import call_out_of_line
from skbbench.harness.flavor import flavor_only
from skbbench.model import bulk as slub_bulk
from skbbench.model import sheaves as sheaves_model
from skbbench.model import sheaves_debug, slab_debug, slub_debug
from skbbench.model import slab as slab_model
from skbbench.model import slub as slub_model
from skbbench.model.kconfig_layout import KCONFIG_MASK
from skbbench.model.mm_types import GFP_DIRECT_RECLAIM

SLUB = 0
SLAB = 1
SHEAVES = 2  # v7.0: sheaves over slabs without cpu slabs
SHEAVES_618 = 3  # v6.18: opt-in sheaves in front of the v4.4 cpu slabs
ALLOCATOR_IDS = {"slub": SLUB, "slab": SLAB, "sheaves": SHEAVES, "sheaves-6.18": SHEAVES_618}
GFP_ATOMIC = 0
GFP_KERNEL = GFP_DIRECT_RECLAIM  # may sleep: the sheaves refill on it


@njit(inline="always", nogil=True)
def kmem_alloc(allocator, check, kc, s, cpu):
    # kmem_cache_alloc(s, GFP_ATOMIC) of the chosen allocator (checked: SLUB_DEBUG-like)
    return kmem_alloc_gfp(allocator, check, kc, s, cpu, GFP_ATOMIC)


@njit(inline="always", nogil=True)
def kmem_alloc_gfp(allocator, check, kc, s, cpu, gfp):
    # kmem_cache_alloc(s, gfp) of the chosen allocator; SLAB's model and the checked
    # entry points allocate GFP_ATOMIC
    mkc = flavor_only(kc, KCONFIG_MASK)
    if allocator == SLAB:
        if check:
            return slab_debug.kmem_cache_alloc_checked(s, cpu)
        return call_out_of_line(slab_model.kmem_cache_alloc_export, s, np.uint64(cpu))
    if allocator == SHEAVES:
        if check:
            return sheaves_debug.kmem_cache_alloc_checked(s, cpu)
        return sheaves_model.kmem_cache_alloc_kc(mkc, s, cpu, gfp)
    if allocator == SHEAVES_618:
        if check:
            return sheaves_debug.kmem_cache_alloc_checked_618(s, cpu)
        return sheaves_model.kmem_cache_alloc_618_kc(mkc, s, cpu, gfp)
    if check:
        return slub_debug.kmem_cache_alloc_checked(s, cpu)
    return slub_model.kmem_cache_alloc_kc(mkc, s, cpu, gfp)


@njit(inline="always", nogil=True)
def kmem_free(allocator, check, kc, s, cpu, x):
    # kmem_cache_free of the chosen allocator
    mkc = flavor_only(kc, KCONFIG_MASK)
    if allocator == SLAB:
        if check:
            slab_debug.kmem_cache_free_checked(s, cpu, x)
        else:
            call_out_of_line(slab_model.kmem_cache_free_export, s, np.uint64(cpu), np.uint64(x))
    elif allocator == SHEAVES:
        if check:
            sheaves_debug.kmem_cache_free_checked(s, cpu, x)
        else:
            sheaves_model.kmem_cache_free_kc(mkc, s, cpu, x)
    elif allocator == SHEAVES_618:
        if check:
            sheaves_debug.kmem_cache_free_checked_618(s, cpu, x)
        else:
            sheaves_model.kmem_cache_free_618_kc(mkc, s, cpu, x)
    elif check:
        slub_debug.kmem_cache_free_checked(s, cpu, x)
    else:
        slub_model.kmem_cache_free_kc(mkc, s, cpu, x)


@njit(inline="always", nogil=True)
def kmem_alloc_bulk(allocator, check, kc, s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk (or the fallback loop) of the chosen allocator: size or 0
    mkc = flavor_only(kc, KCONFIG_MASK)
    if allocator == SLAB:
        if check:
            return slab_debug.kmem_cache_alloc_bulk_checked(s, cpu, size, p, variant)
        if variant == slab_model.BULK_FALLBACK:
            return call_out_of_line(slab_model.my_kmem_cache_alloc_bulk, s, cpu, size, p)
        return call_out_of_line(slab_model.kmem_cache_alloc_bulk_export, s, cpu, size, p)
    if allocator == SHEAVES:
        if check:
            return sheaves_debug.kmem_cache_alloc_bulk_checked(s, cpu, size, p, variant)
        return sheaves_model.kmem_cache_alloc_bulk_kc(mkc, s, cpu, size, p, variant)
    if allocator == SHEAVES_618:
        if check:
            return sheaves_debug.kmem_cache_alloc_bulk_checked_618(s, cpu, size, p, variant)
        return sheaves_model.kmem_cache_alloc_bulk_618_kc(mkc, s, cpu, size, p, variant)
    if check:
        return slub_bulk.kmem_cache_alloc_bulk_checked(s, cpu, size, p, variant)
    return slub_bulk.kmem_cache_alloc_bulk_kc(mkc, s, cpu, size, p, variant)


@njit(inline="always", nogil=True)
def kmem_free_bulk(allocator, check, kc, s, cpu, size, p, variant):
    # kmem_cache_free_bulk (or the fallback loop, or kfree_bulk) of the chosen allocator
    mkc = flavor_only(kc, KCONFIG_MASK)
    if allocator == SLAB:
        if check:
            slab_debug.kmem_cache_free_bulk_checked(s, cpu, size, p, variant)
        elif variant == slab_model.BULK_FALLBACK:
            call_out_of_line(slab_model.my_kmem_cache_free_bulk, s, cpu, size, p)
        else:
            kfree = variant == slab_model.BULK_KFREE
            call_out_of_line(slab_model.kmem_cache_free_bulk_export, s, cpu, size, p, kfree)
    elif allocator == SHEAVES:
        if check:
            sheaves_debug.kmem_cache_free_bulk_checked(s, cpu, size, p, variant)
        else:
            sheaves_model.kmem_cache_free_bulk_kc(mkc, s, cpu, size, p, variant)
    elif allocator == SHEAVES_618:
        if check:
            sheaves_debug.kmem_cache_free_bulk_checked_618(s, cpu, size, p, variant)
        else:
            sheaves_model.kmem_cache_free_bulk_618_kc(mkc, s, cpu, size, p, variant)
    elif check:
        slub_bulk.kmem_cache_free_bulk_checked(s, cpu, size, p, variant)
    else:
        slub_bulk.kmem_cache_free_bulk_kc(mkc, s, cpu, size, p, variant)
