"""The page fragment allocator (v4.6 mm/page_alloc.c ``__alloc_page_frag``) on the
machine's page allocator: the NAPI ``page_frag_cache`` carving skb data buffers out of an
order-3 compound page.

A refill takes an order-3 page (NOWARN|NORETRY|NOMEMALLOC, falling back to order 0),
raises its refcount once by ``size - 1`` and keeps ``pagecnt_bias`` in the cache, so a
fragment costs no atomic; fragments are carved from the end downwards; when the page is
used up, ``page_ref_sub_and_test(bias)`` tells whether every fragment came back (then
the page is reused in place) or a new page is needed. Freeing a fragment is
``__free_page_frag`` (put_page_testzero on its head page: an atomic decrement). The cache
is a per-CPU record (napi_layout PC_*); the refcount helpers are the page allocator's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.model.mm_types import (
    GFP_COMP,
    GFP_NORETRY,
    GFP_NOWARN,
    PAGE_SHIFT,
    PAGE_SIZE,
)
from skbbench.model.napi_layout import (
    PAGE_FRAG_CACHE_MAX_ORDER,
    PC_BIAS,
    PC_OFFSET,
    PC_PFMEMALLOC,
    PC_SIZE,
    PC_STATS,
    PC_VA,
    ST_FRAG_ALLOC,
    ST_FRAG_PUT_PAGE,
    ST_FRAG_REFILL,
    ST_FRAG_REFILL_ORDER0,
    ST_FRAG_REUSE,
)
from skbbench.model.page_alloc import (
    __free_page_frag,
    alloc_pages,
    page_ref_add,
    page_ref_sub_and_test,
    set_page_count,
)

_0 = np.uint64(0)
_1 = np.uint64(1)
_PAGE_SHIFT = np.uint64(PAGE_SHIFT)
_PC_VA = np.uint64(PC_VA)
_PC_OFFSET = np.uint64(PC_OFFSET)
_PC_SIZE = np.uint64(PC_SIZE)
_PC_BIAS = np.uint64(PC_BIAS)
_PC_PFMEMALLOC = np.uint64(PC_PFMEMALLOC)
_PC_STATS = np.uint64(PC_STATS)
_MAX_ORDER = np.uint64(PAGE_FRAG_CACHE_MAX_ORDER)
_MAX_SIZE = np.uint64(PAGE_SIZE << PAGE_FRAG_CACHE_MAX_ORDER)
_PAGE_SIZE = np.uint64(PAGE_SIZE)
# __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC (no model bit for the last)
_GFP_FRAG = np.uint64(GFP_COMP | GFP_NOWARN | GFP_NORETRY)


@njit(inline="always", nogil=True)
def napi_stat(s, pc, item):
    # the one counter helper of the skb recycle model: this CPU's counter ``item``
    s[pc + _PC_STATS + item] += _1


@njit(inline="always", nogil=True)
def napi_stat_add(s, pc, item, n):
    # napi_stat by n
    s[pc + _PC_STATS + item] += n


@njit(inline="always", nogil=True)
def virt_to_page(s, addr):
    # virt_to_page: the pfn of a byte address
    return addr >> _PAGE_SHIFT


@njit(nogil=True, cache=True, _nrt=False)
def __page_frag_refill(s, cpu, pc):
    # __page_frag_refill: an order-3 compound page (NOWARN|NORETRY|NOMEMALLOC), else order 0
    napi_stat(s, pc, ST_FRAG_REFILL)
    pfn = alloc_pages(s, cpu, _GFP_FRAG, _MAX_ORDER)
    size = _MAX_SIZE
    if pfn == _0:
        napi_stat(s, pc, ST_FRAG_REFILL_ORDER0)
        pfn = alloc_pages(s, cpu, _0, _0)
        size = _PAGE_SIZE
    s[pc + _PC_SIZE] = size  # nc->size = PAGE_FRAG_CACHE_MAX_SIZE or PAGE_SIZE
    s[pc + _PC_VA] = pfn << _PAGE_SHIFT if pfn != _0 else _0
    return pfn


@njit(nogil=True, cache=True, _nrt=False)
def __alloc_page_frag(s, cpu, pc, fragsz):
    # __alloc_page_frag: carve fragsz bytes from the end of the cached page; NULL on OOM
    napi_stat(s, pc, ST_FRAG_ALLOC)
    fragsz = np.uint64(fragsz)
    refill = s[pc + _PC_VA] == _0
    while True:
        if refill:
            pfn = __page_frag_refill(s, cpu, pc)
            if pfn == _0:
                return _0
            size = s[pc + _PC_SIZE]
            # Even if we own the page, we do not use atomic_set(): page_ref_add(size - 1)
            page_ref_add(s, pfn, size - _1)
            s[pc + _PC_PFMEMALLOC] = _0  # page_is_pfmemalloc: no reserves in the model
            s[pc + _PC_BIAS] = size  # nc->pagecnt_bias = size
            s[pc + _PC_OFFSET] = size  # nc->offset = size
            refill = False
        offset = s[pc + _PC_OFFSET]
        if offset >= fragsz:
            offset -= fragsz
            break
        # offset < 0: the page is used up; did every fragment come back?
        pfn = virt_to_page(s, s[pc + _PC_VA])
        if not page_ref_sub_and_test(s, pfn, s[pc + _PC_BIAS]):
            refill = True  # goto refill (the fragments in flight keep the old page)
            continue
        # OK, page count is 0, we can safely set it
        size = s[pc + _PC_SIZE]
        set_page_count(s, pfn, size)
        napi_stat(s, pc, ST_FRAG_REUSE)
        s[pc + _PC_BIAS] = size
        s[pc + _PC_OFFSET] = size
    s[pc + _PC_BIAS] -= _1  # nc->pagecnt_bias--
    s[pc + _PC_OFFSET] = offset
    return s[pc + _PC_VA] + offset


@njit(inline="always", nogil=True)
def skb_free_frag(s, cpu, pc, addr):
    # skb_free_frag -> __free_page_frag: put_page_testzero of the head page (an atomic
    # decrement), the last reference frees it with __free_pages_ok (no pcp detour)
    napi_stat(s, pc, ST_FRAG_PUT_PAGE)
    __free_page_frag(s, cpu, addr)


@njit(nogil=True, cache=True, _nrt=False)
def page_frag_cache_drain(s, cpu, pc):
    # __page_frag_cache_drain (v4.10+, used at teardown): drop the cache's bias references
    va = s[pc + _PC_VA]
    if va == _0:
        return
    pfn = virt_to_page(s, va)
    if page_ref_sub_and_test(s, pfn, s[pc + _PC_BIAS]):
        set_page_count(s, pfn, _1)  # the last reference is ours: free the page
        __free_page_frag(s, cpu, va)
    s[pc + _PC_VA] = _0
    s[pc + _PC_BIAS] = _0
    s[pc + _PC_OFFSET] = _0
