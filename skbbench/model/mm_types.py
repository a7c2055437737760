"""include/linux/mm_types.h for the models: ``struct page`` as an 8-word record.

Numpy only (no numba): specs, layouts and tests may import it. Every model that owns
pages (the page allocator, SLUB, SLAB, page_frag, page_pool) uses this one record, like
the kernel's 64-byte ``struct page`` of v4.4, whose words are unions of the users'
fields. A page is named by its pfn (byte offset in the machine array >> PAGE_SHIFT);
pfn 0 is never a usable page, so 0 is NULL.

The refcount lives where v4.4 keeps ``_count``: in the upper 32 bits of the ``counters``
word. SLUB's ``inuse:16 objects:15 frozen:1`` overlay ``_mapcount`` in the lower 32 bits,
so SLUB's ``cmpxchg_double`` on (freelist, counters) carries the refcount unchanged, as
the kernel's does.
"""

from __future__ import annotations

import numpy as np

from skbbench.model.mmzone import MAX_ORDER as MAX_ORDER
from skbbench.model.mmzone import PAGE_ALLOC_COSTLY_ORDER as PAGE_ALLOC_COSTLY_ORDER

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT

PAGE_RECORD_WORDS = 8  # one 64-byte struct page per 4 KiB page

# Words of a struct page record (unions as in v4.4 struct page).
PG_FREELIST = 0  # SLUB page->freelist | SLAB page->freelist | page_pool pp_magic
PG_COUNTERS = 1  # bits 0..31: _mapcount / SLUB inuse:16 objects:15 frozen:1
#                  bits 32..63: _count (the refcount, atomic)
PG_LRU_NEXT = 2  # lru.next: buddy free list, node partial list | SLUB cpu partial next
PG_LRU_PREV = 3  # lru.prev
PG_PRIVATE = 4  # page_private: buddy order | SLUB cpu-partial-head pages | pp dma addr
PG_AUX = 5  # SLUB pobjects | SLAB active | page_pool owner (pp)
PG_FLAGS = 6  # page->flags (PG_* bits below) | slab_cache id << SLAB_CACHE_SHIFT
PG_COMPOUND_HEAD = 7  # tail page: (head pfn << 1) | 1 ; head page: compound order << 1

# page->flags bits.
PG_SLAB = 1 << 0
PG_HEAD = 1 << 1  # head of a compound page
PG_BUDDY = 1 << 2  # free in the buddy allocator (kernel: _mapcount == PAGE_BUDDY_MAPCOUNT_VALUE)
PG_PFMEMALLOC = 1 << 3
PG_PCP = 1 << 4  # model bookkeeping: on a per-cpu page list (no kernel flag; lets checks
#                  tell a pcp page from an allocated one)
SLAB_CACHE_SHIFT = 8  # page->slab_cache id in bits 8..31 of the flags word

REFCOUNT_SHIFT = 32
REF_ONE = 1 << REFCOUNT_SHIFT  # add to the counters word: page_ref_inc
LOW32_MASK = (1 << 32) - 1

# GFP bits the models understand (values are the model's own).
GFP_ATOMIC = 0
GFP_COMP = 1 << 0  # __GFP_COMP: make a compound page
GFP_COLD = 1 << 1  # __GFP_COLD: take from the tail of the pcp list (v4.6)
GFP_NOWARN = 1 << 2
GFP_NORETRY = 1 << 3
GFP_ZERO = 1 << 4  # __GFP_ZERO: the slab allocator clears the object
GFP_NOACCOUNT = 1 << 5  # __GFP_NOACCOUNT (v4.4): no memcg accounting
GFP_NOFAIL = 1 << 6  # __GFP_NOFAIL
GFP_DIRECT_RECLAIM = 1 << 7  # __GFP_DIRECT_RECLAIM: may sleep (GFP_ATOMIC has it clear)

# numpy scalars for jitted code (uint64 everywhere: never mix with int64).
U_PAGE_SHIFT = np.uint64(PAGE_SHIFT)
U_RECW = np.uint64(PAGE_RECORD_WORDS)
U_PG_FREELIST = np.uint64(PG_FREELIST)
U_PG_COUNTERS = np.uint64(PG_COUNTERS)
U_PG_LRU_NEXT = np.uint64(PG_LRU_NEXT)
U_PG_LRU_PREV = np.uint64(PG_LRU_PREV)
U_PG_PRIVATE = np.uint64(PG_PRIVATE)
U_PG_AUX = np.uint64(PG_AUX)
U_PG_FLAGS = np.uint64(PG_FLAGS)
U_PG_CH = np.uint64(PG_COMPOUND_HEAD)
U_REF_ONE = np.uint64(REF_ONE)
U_REFCOUNT_SHIFT = np.uint64(REFCOUNT_SHIFT)
U_LOW32_MASK = np.uint64(LOW32_MASK)
