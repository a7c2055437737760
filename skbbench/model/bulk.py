"""The SLUB bulk API in the variants the detached-freelist work compared: ``fallback``
(the generic loops of single calls), ``before`` (v4.3), ``after`` (v4.4
build_detached_freelist) and ``kfree_bulk`` (v4.6). Explained in docs/model.md.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.errors import ModelParameterError
from skbbench.model.slub import (
    ___slab_alloc,
    __slab_free,
    _charge_irq,
    _cpu,
    _pg,
    get_freepointer,
    next_tid,
    set_freepointer,
    slab_alloc_node,
    slab_free,
    virt_to_head_page,
)
from skbbench.model.slub_debug import (
    alloc_debug_processing,
    free_debug_processing,
    validate_slab_cache,
)
from skbbench.model.slub_layout import (
    _C_FREELIST,
    _C_PAGE,
    _C_TID,
    _PG_FLAGS,
    _PG_SLAB,
    _STATW,
    EV_BULK_ALLOC,
    EV_BULK_FREE,
    H_CACHE_ID,
    H_ERR,
    H_ERR_AUX,
    H_STAT_BASE,
    _0,
    _1,
    _8,
)

# Bulk variants.
BULK_FALLBACK = 0
BULK_BEFORE = 1
BULK_AFTER = 2
BULK_KFREE = 3
VARIANTS = {
    "fallback": BULK_FALLBACK,
    "before": BULK_BEFORE,
    "after": BULK_AFTER,
    "kfree_bulk": BULK_KFREE,
}


def variant_id(name: str | int) -> int:
    """Bulk variant number from its name (fallback, before, after, kfree_bulk)."""
    if isinstance(name, int) and name in VARIANTS.values():
        return name
    try:
        return VARIANTS[str(name)]
    except KeyError:
        raise ModelParameterError(
            f"unknown bulk variant '{name}' (choose from {', '.join(VARIANTS)})"
        ) from None


@njit(inline="always", nogil=True)
def build_detached_freelist(s, size, p, kfree):
    # build_detached_freelist: group same-page objects from the end of p, lookahead 3.
    # Returns (first_skipped_index, page, freelist, tail, cnt); page 0 = nothing left.
    first_skipped_index = _0
    lookahead = 3
    obj = _0
    while True:  # do { object = p[--size]; } while (!object && size);
        size -= _1
        obj = p[size]
        if obj != _0 or size == _0:
            break
    if obj == _0:
        return _0, _0, _0, _0, _0
    page = virt_to_head_page(s, obj)
    if kfree:
        # kfree_bulk (s == NULL): the cache comes from the slab page (page->slab_cache)
        flags = s[_pg(s, page) + _PG_FLAGS]
        if (flags & _PG_SLAB) == _0 or (flags >> _8) != s[H_CACHE_ID]:
            s[H_ERR_AUX] = obj  # not a slab page of this cache: the kernel would BUG
    set_freepointer(s, obj, _0)
    tail = obj
    freelist = obj
    p[size] = _0  # mark object processed
    cnt = _1
    while size != _0:
        size -= _1
        obj = p[size]
        if obj == _0:
            continue  # skip processed objects
        if page == virt_to_head_page(s, obj):
            set_freepointer(s, obj, freelist)  # opportunity: build the freelist
            freelist = obj
            cnt += _1
            p[size] = _0
            continue
        lookahead -= 1  # limit the look-ahead search
        if lookahead == 0:
            break
        if first_skipped_index == _0:
            first_skipped_index = size + _1
    return first_skipped_index, page, freelist, tail, cnt


@njit(inline="always", nogil=True)
def _free_bulk_detached(s, cpu, size, p, kfree):
    # kmem_cache_free_bulk (v4.4) / kfree_bulk (v4.6): one slab_free per detached freelist
    while True:
        size, page, head, tail, cnt = build_detached_freelist(s, size, p, kfree)
        if page != _0:
            slab_free(s, cpu, page, head, tail, cnt)
        if size == _0:
            break


@njit(inline="always", nogil=True)
def _free_bulk_before(s, cpu, size, p):
    # kmem_cache_free_bulk (v4.3, before the detached-freelist patchset): IRQs off,
    # plain push when the object's page is the cpu slab, else __slab_free per object
    c = _cpu(s, cpu)
    i = _0
    while i < size:
        obj = p[i]
        i += _1
        if obj == _0:
            continue
        page = virt_to_head_page(s, obj)
        if s[c + _C_PAGE] == page:
            set_freepointer(s, obj, s[c + _C_FREELIST])  # fastpath: local CPU free
            s[c + _C_FREELIST] = obj
        else:
            s[c + _C_TID] = next_tid(s, s[c + _C_TID])
            _charge_irq(s, cpu)  # local_irq_enable ... local_irq_disable
            __slab_free(s, cpu, page, obj, obj, _1)
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    _charge_irq(s, cpu)


@njit(inline="always", nogil=True)
def __kmem_cache_free_bulk(s, cpu, size, p):
    # __kmem_cache_free_bulk (slab_common.c): loop of kmem_cache_free
    i = _0
    while i < size:
        obj = p[i]
        slab_free(s, cpu, virt_to_head_page(s, obj), obj, _0, _1)
        i += _1


@njit(inline="always", nogil=True)
def __kmem_cache_alloc_bulk(s, cpu, size, p):
    # __kmem_cache_alloc_bulk (slab_common.c): loop of kmem_cache_alloc, all-or-nothing
    i = _0
    while i < size:
        obj = slab_alloc_node(s, cpu)
        if obj == _0:
            __kmem_cache_free_bulk(s, cpu, i, p)
            return _0
        p[i] = obj
        i += _1
    return size


@njit(inline="always", nogil=True)
def _alloc_bulk(s, cpu, size, p):
    # kmem_cache_alloc_bulk (v4.4): IRQs off, pop c->freelist, ___slab_alloc when dry
    c = _cpu(s, cpu)
    i = _0
    while i < size:
        obj = s[c + _C_FREELIST]
        if obj == _0:
            # invoking the slow path likely repopulates c->freelist
            obj = ___slab_alloc(s, cpu)
            if obj == _0:
                _charge_irq(s, cpu)  # error: local_irq_enable
                __kmem_cache_free_bulk(s, cpu, i, p)
                return _0
            p[i] = obj
            i += _1
            continue
        s[c + _C_FREELIST] = get_freepointer(s, obj)
        p[i] = obj
        i += _1
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    _charge_irq(s, cpu)  # local_irq_disable + local_irq_enable
    return size


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk(s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk: ``size`` objects into p[0:size]; returns size or 0
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    s[s[H_STAT_BASE] + cpu * _STATW + EV_BULK_ALLOC] += size
    if variant == BULK_FALLBACK:
        return __kmem_cache_alloc_bulk(s, cpu, size, p)
    return _alloc_bulk(s, cpu, size, p)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk(s, cpu, size, p, variant):
    # kmem_cache_free_bulk: free p[0:size] with the selected variant
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if size == _0:
        return  # WARN_ON(!size)
    s[s[H_STAT_BASE] + cpu * _STATW + EV_BULK_FREE] += size
    if variant == BULK_FALLBACK:
        __kmem_cache_free_bulk(s, cpu, size, p)
    elif variant == BULK_BEFORE:
        _free_bulk_before(s, cpu, size, p)
    else:
        _free_bulk_detached(s, cpu, size, p, variant == BULK_KFREE)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk_checked(s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk + alloc_debug_processing per object + validate_slab_cache
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if s[H_ERR] != _0:
        return _0
    got = kmem_cache_alloc_bulk(s, cpu, size, p, variant)
    i = _0
    while i < got:
        if not alloc_debug_processing(s, cpu, p[i], 3):
            return _0
        i += _1
    if not validate_slab_cache(s, 3):
        return _0
    return got


@njit(nogil=True, cache=True, _nrt=False)
def _free_bulk_check(s, cpu, size, p, variant):
    # free_debug_processing for every object of a bulk free
    i = _0
    while i < size:
        x = p[i]
        i += _1
        if x == _0 and (variant == BULK_AFTER or variant == BULK_KFREE):
            continue  # build_detached_freelist skips NULL slots
        if not free_debug_processing(s, cpu, x, 4):
            return False
    return True


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_checked(s, cpu, size, p, variant):
    # kmem_cache_free_bulk + free_debug_processing per object + validate_slab_cache
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if size == _0 or s[H_ERR] != _0 or not _free_bulk_check(s, cpu, size, p, variant):
        return
    kmem_cache_free_bulk(s, cpu, size, p, variant)
    validate_slab_cache(s, 4)
