"""A minimal page allocator for the slab models: fixed-order blocks on one free list.

SLUB gets its slabs from ``alloc_pages`` (``allocate_slab`` -> ``alloc_slab_page``) and
gives them back with ``__free_pages`` (``discard_slab``). This model keeps only what the
slab benchmarks exercise: one zone, blocks of a single order (the cache's slab order),
a LIFO free list (the buddy free_area list: freed blocks go to the head and are handed
out first, so they are cache-hot), ``zone->lock`` as a real spinlock taken with IRQs
saved (the IRQ save/restore is a kernel-only cost charged as a busy-wait), and
``prep_compound_page`` writing each tail page's ``compound_head`` so that
``virt_to_head_page`` of an object in a tail page reads a real tail ``struct page``.
Buddy splitting/merging, per-cpu page lists and watermarks are not modelled.

The allocator lives in a region of a caller's uint64 array ``s`` starting at word
``pa``::

    pa + 0   zone->lock
    pa + 1   nr_free blocks
    pa + 2   capacity (blocks)
    pa + 3   order
    pa + 4   word index of struct page record 0 (records of PAGE_RECORD_WORDS words)
    pa + 8.. free list: head pfns of the free blocks (the last one is the list head)

A block is named by the pfn of its head page; pfn 0 is never a block, so 0 is NULL.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.spin import busy_wait

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_RECORD_WORDS = 8  # one 64-byte struct page record per 4 KiB page
PG_COMPOUND_HEAD = 7  # word of a struct page record: compound_head (tail pages: head*2+1)

PA_LOCK = 0
PA_NR_FREE = 1
PA_CAPACITY = 2
PA_ORDER = 3
PA_PAGE_BASE = 4
PA_STACK = 8

_0 = np.uint64(0)
_1 = np.uint64(1)
_RECW = np.uint64(PAGE_RECORD_WORDS)
_CH = np.uint64(PG_COMPOUND_HEAD)
_NR_FREE = np.uint64(PA_NR_FREE)
_STACK = np.uint64(PA_STACK)


def page_alloc_words(capacity: int) -> int:
    """Words needed for a region of ``capacity`` blocks (a multiple of 8)."""
    return PA_STACK + ((capacity + 7) // 8) * 8


def page_alloc_init(s: np.ndarray, pa: int, heads: list[int], order: int, page_base: int) -> None:
    """Python-side setup: every block in ``heads`` free; the first one is handed out first."""
    s[pa + PA_LOCK] = 0
    s[pa + PA_NR_FREE] = len(heads)
    s[pa + PA_CAPACITY] = len(heads)
    s[pa + PA_ORDER] = order
    s[pa + PA_PAGE_BASE] = page_base
    for i, pfn in enumerate(reversed(heads)):
        s[pa + PA_STACK + i] = pfn


@njit(nogil=True, cache=True, _nrt=False)
def prep_compound_page(s, pa, pfn):  # type: ignore[no-untyped-def]
    # prep_compound_page: point every tail page at its head (compound_head = head | 1)
    base = s[pa + np.uint64(PA_PAGE_BASE)]
    nr = _1 << s[pa + np.uint64(PA_ORDER)]
    i = _1
    while i < nr:
        s[base + (pfn + i) * _RECW + _CH] = (pfn << _1) | _1
        i += _1


@njit(nogil=True, cache=True, _nrt=False)
def destroy_compound_page(s, pa, pfn):  # type: ignore[no-untyped-def]
    # free_tail_pages_check / clear_compound_head: tail pages forget their head
    base = s[pa + np.uint64(PA_PAGE_BASE)]
    nr = _1 << s[pa + np.uint64(PA_ORDER)]
    i = _1
    while i < nr:
        s[base + (pfn + i) * _RECW + _CH] = _0
        i += _1


@njit(nogil=True, cache=True, _nrt=False)
def __alloc_pages(s, pa, irqsave_iters):  # type: ignore[no-untyped-def]
    # __alloc_pages_nodemask -> __rmqueue: pop the free list head under zone->lock
    pa = np.uint64(pa)
    spin_lock(s, pa)
    n = s[pa + _NR_FREE]
    if n == _0:
        spin_unlock(s, pa)
        busy_wait(irqsave_iters)  # spin_lock_irqsave / spin_unlock_irqrestore
        return _0
    n -= _1
    pfn = s[pa + _STACK + n]
    s[pa + _NR_FREE] = n
    spin_unlock(s, pa)
    busy_wait(irqsave_iters)
    prep_compound_page(s, pa, pfn)
    return pfn


@njit(nogil=True, cache=True, _nrt=False)
def __free_pages(s, pa, pfn, irqsave_iters):  # type: ignore[no-untyped-def]
    # __free_pages -> free_one_page: push the block on the free list head under zone->lock
    pa = np.uint64(pa)
    destroy_compound_page(s, pa, pfn)
    spin_lock(s, pa)
    n = s[pa + _NR_FREE]
    s[pa + _STACK + n] = pfn
    s[pa + _NR_FREE] = n + _1
    spin_unlock(s, pa)
    busy_wait(irqsave_iters)
