"""The SLUB bulk API in the variants the detached-freelist work compared: ``fallback``
(the generic loops of single calls), ``before`` (v4.3), ``after`` (v4.4
build_detached_freelist) and ``kfree_bulk`` (v4.6). Explained in docs/model.md.

Call boundaries as in the kernel: ``kmem_cache_alloc_bulk`` and ``kmem_cache_free_bulk``
are exported functions (``call_out_of_line``) with slab_free and the hooks inlined; the
fallback loops (slab_bulk_test's noinline ``my__kmem_cache_*_bulk``, copies of
mm/slab_common.c's) are out-of-line functions calling the exported single-object
functions, out of line, per object. ``kc`` is the compile-time Kconfig (slub.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.errors import ModelParameterError
from skbbench.harness.calls import call_out_of_line
from skbbench.harness.flavor import flavor_field
from skbbench.model.kconfig_layout import LOOKAHEAD_MASK, LOOKAHEAD_SHIFT
from skbbench.model.mm_types import GFP_ZERO
from skbbench.model.slub import (
    KC_DEFAULT,
    ___slab_alloc,
    __slab_free,
    _charge_irq,
    _cpu,
    _memset_object,
    _pg,
    cache_from_obj,
    get_freepointer,
    kmem_cache_alloc_export,
    kmem_cache_free_export,
    next_tid,
    set_freepointer,
    slab_free,
    slab_free_hook,
    slab_post_alloc_hook,
    slab_pre_alloc_hook,
    stat_add,
    virt_to_head_page,
)
from skbbench.model.slub_debug import (
    _OP3,
    _OP4,
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
    EV_BULK_ALLOC,
    EV_BULK_FREE,
    H_CACHE_ID,
    H_ERR,
    H_ERR_AUX,
    H_FLAGS,
    SLAB_DEBUG_FREE,
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
_GFP_ZERO = np.uint64(GFP_ZERO)
# kmem_cache_debug(s): s->flags & SLAB_DEBUG_FLAGS (the free-debug bit stands for all)
_SLAB_DEBUG_FLAGS = np.uint64(SLAB_DEBUG_FREE)


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
def build_detached_freelist(kc, s, size, p, kfree):
    # build_detached_freelist: group same-page objects from the end of p, lookahead 3.
    # Returns (first_skipped_index, page, freelist, tail, cnt); page 0 = nothing left.
    first_skipped_index = _0
    lookahead = flavor_field(kc, LOOKAHEAD_SHIFT, LOOKAHEAD_MASK)
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
        lookahead -= _1  # limit the look-ahead search
        if lookahead == _0:
            break
        if first_skipped_index == _0:
            first_skipped_index = size + _1
    return first_skipped_index, page, freelist, tail, cnt


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_export(kc, s, cpu, size, p, kfree):
    # kmem_cache_free_bulk (v4.4; v4.6 with kfree_bulk's s == NULL): one slab_free per
    # detached freelist, the cache checked (memcg support) once per freelist
    if size == _0:
        return  # WARN_ON(!size)
    stat_add(kc, s, cpu, EV_BULK_FREE, size)
    while True:
        if not kfree:
            cache_from_obj(kc, s, p[size - _1])  # s = cache_from_obj(orig_s, p[size - 1])
        size, page, head, tail, cnt = build_detached_freelist(kc, s, size, p, kfree)
        if page != _0:
            slab_free(kc, s, cpu, page, head, tail, cnt)
        if size == _0:
            break


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_v43_export(kc, s, cpu, size, p):
    # kmem_cache_free_bulk (v4.3, before the detached-freelist patchset): IRQs off,
    # plain push when the object's page is the cpu slab, else __slab_free per object
    if size == _0:
        return
    stat_add(kc, s, cpu, EV_BULK_FREE, size)
    if s[H_FLAGS] & _SLAB_DEBUG_FLAGS:
        return  # kmem_cache_debug(s): the generic loop (no debug flags here)
    c = _cpu(s, cpu)
    i = _0
    while i < size:
        obj = p[i]
        i += _1
        if obj == _0:
            continue  # BUG_ON(!object)
        cache_from_obj(kc, s, obj)  # kmem cache debug support
        slab_free_hook(kc, s, obj)
        page = virt_to_head_page(s, obj)
        if s[c + _C_PAGE] == page:
            set_freepointer(s, obj, s[c + _C_FREELIST])  # fastpath: local CPU free
            s[c + _C_FREELIST] = obj
        else:
            s[c + _C_TID] = next_tid(s, s[c + _C_TID])
            _charge_irq(kc, s, cpu)  # local_irq_enable ... local_irq_disable
            call_out_of_line(__slab_free, kc, s, cpu, page, obj, obj, _1)
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    _charge_irq(kc, s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def __kmem_cache_free_bulk(kc, s, cpu, size, p):
    # __kmem_cache_free_bulk (slab_common.c; slab_bulk_test's noinline
    # my__kmem_cache_free_bulk): loop of exported kmem_cache_free calls
    stat_add(kc, s, cpu, EV_BULK_FREE, size)
    i = _0
    while i < size:
        call_out_of_line(kmem_cache_free_export, kc, s, cpu, p[i])
        i += _1


@njit(nogil=True, cache=True, _nrt=False)
def __kmem_cache_alloc_bulk(kc, s, cpu, gfp, size, p):
    # __kmem_cache_alloc_bulk (slab_common.c; slab_bulk_test's noinline
    # my__kmem_cache_alloc_bulk): loop of exported kmem_cache_alloc calls, all-or-nothing
    stat_add(kc, s, cpu, EV_BULK_ALLOC, size)
    i = _0
    while i < size:
        obj = call_out_of_line(kmem_cache_alloc_export, kc, s, cpu, gfp)
        if obj == _0:
            call_out_of_line(__kmem_cache_free_bulk, kc, s, cpu, i, p)
            return _0
        p[i] = obj
        i += _1
    return size


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk_export(kc, s, cpu, gfp, size, p):
    # kmem_cache_alloc_bulk (v4.4): hooks once, IRQs off, pop c->freelist with plain
    # stores, ___slab_alloc (out of line, IRQs still off) when it runs dry
    stat_add(kc, s, cpu, EV_BULK_ALLOC, size)
    if not slab_pre_alloc_hook(kc, s, cpu, gfp):
        return _0
    c = _cpu(s, cpu)
    i = _0
    while i < size:
        obj = s[c + _C_FREELIST]
        if obj == _0:
            # invoking the slow path likely repopulates c->freelist
            obj = call_out_of_line(___slab_alloc, kc, s, cpu)
            if obj == _0:
                _charge_irq(kc, s, cpu)  # error: local_irq_enable
                slab_post_alloc_hook(kc, s, cpu, gfp)
                call_out_of_line(__kmem_cache_free_bulk, kc, s, cpu, i, p)
                return _0
            p[i] = obj
            i += _1
            continue
        s[c + _C_FREELIST] = get_freepointer(s, obj)
        p[i] = obj
        i += _1
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    _charge_irq(kc, s, cpu)  # local_irq_disable + local_irq_enable
    if gfp & _GFP_ZERO:  # clear memory outside the IRQ-disabled fastpath loop
        j = _0
        while j < i:
            _memset_object(s, p[j])
            j += _1
    slab_post_alloc_hook(kc, s, cpu, gfp)
    return size


@njit(inline="always", nogil=True)
def kmem_cache_alloc_bulk_kc(kc, s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk(s, GFP_ATOMIC, size, p) of a variant: size objects or 0
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if variant == BULK_FALLBACK:
        return call_out_of_line(__kmem_cache_alloc_bulk, kc, s, cpu, _0, size, p)
    return call_out_of_line(kmem_cache_alloc_bulk_export, kc, s, cpu, _0, size, p)


@njit(inline="always", nogil=True)
def kmem_cache_free_bulk_kc(kc, s, cpu, size, p, variant):
    # kmem_cache_free_bulk(s, size, p) of a variant (kfree_bulk: s == NULL)
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if variant == BULK_FALLBACK:
        call_out_of_line(__kmem_cache_free_bulk, kc, s, cpu, size, p)
    elif variant == BULK_BEFORE:
        call_out_of_line(kmem_cache_free_bulk_v43_export, kc, s, cpu, size, p)
    else:
        call_out_of_line(kmem_cache_free_bulk_export, kc, s, cpu, size, p, variant == BULK_KFREE)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk(s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk: ``size`` objects into p[0:size]; returns size or 0
    return kmem_cache_alloc_bulk_kc(KC_DEFAULT, s, cpu, size, p, variant)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk(s, cpu, size, p, variant):
    # kmem_cache_free_bulk: free p[0:size] with the selected variant
    kmem_cache_free_bulk_kc(KC_DEFAULT, s, cpu, size, p, variant)


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
        if not alloc_debug_processing(s, cpu, p[i], _OP3):
            return _0
        i += _1
    if not validate_slab_cache(s, _OP3):
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
        if not free_debug_processing(s, cpu, x, _OP4):
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
    validate_slab_cache(s, _OP4)
