"""SLUB (Linux v4.4 semantics) executing on real memory: the model behind `skbbench bulk`.

What is modelled (../shared/design/kernel-model.md sections 1-4): one kmem_cache with
``calculate_order``/``min_partial``/``cpu_partial`` as in v4.4; slabs of
``PAGE_SIZE << order`` bytes in a real byte arena, objects at ``size`` stride, the free
pointer stored *inside* each free object at offset ``s->offset`` = 0; per-CPU
``kmem_cache_cpu`` records and per-4KiB-page ``struct page`` records as 64-byte
cache-line records; the lockless fastpaths (``this_cpu_cmpxchg_double`` on
freelist+tid = ``lock cmpxchg16b``), ``___slab_alloc`` in the kernel's order,
``__slab_free`` with ``cmpxchg_double`` on page freelist+counters, cpu partial lists
(``put_cpu_partial`` / ``unfreeze_partials``), the node partial list under
``n->list_lock`` (a real spinlock), ``deactivate_slab``, ``flush_slab``, ``discard_slab``
to a page-allocator model (:mod:`skbbench.model.page_alloc`), the SLUB stat_item
counters and a histogram of objects per ``__slab_free`` call. The bulk APIs are in
this module too (see *Bulk variants*). Every model function carries the name of the
kernel function it models and a comment naming it.

Several simulated CPUs share the cache, each with its own ``kmem_cache_cpu``: an object
allocated on CPU 0 and freed on CPU 1 takes the remote (slowpath) route. One thread can
drive all of them deterministically; distinct simulated CPUs may also run in distinct
real threads at the same time (page-level updates use the same ``lock cmpxchg16b`` and
spinlocks as the kernel), but one simulated CPU must never be driven by two threads at
once, and ``flush_all``/``validate``/counters only run when no thread is in the model.

State: ONE array
----------------
Everything lives in one C-contiguous, 4096-byte-aligned ``numpy.uint64`` array ``s``
(``SlubCache.s``)::

    header (cache parameters, region offsets, error words)       HEADER_WORDS
    kmem_cache_cpu[nr_cpus]   freelist, tid, page, partial       8 words (1 line) each
    kmem_cache_node           list_lock, nr_partial, partial list, nr_slabs, ...
    stats[nr_cpus]            stat_item counters (+ model events), per CPU
    hist[nr_cpus]             objects per __slab_free call, per CPU
    page allocator region     zone lock + free list (model/page_alloc.py)
    debug region              per-object red-zone state (only with check=True)
    struct page[nr_pfns]      one 8-word record per 4 KiB page of the array:
                              freelist, counters(inuse:16 objects:15 frozen:1),
                              next/lru.next, lru.prev, pages, pobjects, flags,
                              compound_head
    arena                     slab pages, aligned to PAGE_SIZE << order

Object pointers, NULL, pages
----------------------------
An object pointer is a ``uint64`` **byte offset from the start of** ``s``; its address
is ``s.ctypes.data + obj``. **NULL is 0** (offset 0 is the header, never an object).
Objects are 8-byte aligned; word ``w`` of an object is ``s[(obj >> 3) + w]``
(``w`` uint64). While an object is allocated the caller owns all its bytes (the free
pointer at offset 0 is only meaningful while the object is free). A slab page is
named by the pfn (``obj >> 12`` of its first byte, uint64).

Calling from another @njit kernel
---------------------------------
``kmem_cache_alloc``, ``kmem_cache_free``, ``kmem_cache_alloc_bulk`` and
``kmem_cache_free_bulk`` are ``@njit(inline="always", nogil=True, cache=True,
_nrt=False)``: their fastpath is inlined into the calling kernel (as the kernel's
``__always_inline`` slab_alloc_node/slab_free are) and the slowpaths (``__slab_alloc``,
``__slab_free``) are real calls. Declare hot callers ``@njit(nogil=True, cache=True,
_nrt=False)`` so no NRT reference counting surrounds those calls. Integer arguments may
be any integer type (they are converted to uint64); results are uint64::

    from skbbench.model.slub import (BULK_AFTER, kmem_cache_alloc, kmem_cache_alloc_bulk,
                                     kmem_cache_create, kmem_cache_free,
                                     kmem_cache_free_bulk)

    cache = kmem_cache_create(object_size=256, nr_cpus=8)    # Python; UsageError if bad
    s = cache.s                                              # pass this to kernels

    @njit(nogil=True, cache=True, _nrt=False)
    def kernel(s, p):                       # p: a numpy.uint64 array (the void **p)
        obj = kmem_cache_alloc(s, 0)        # CPU 0; returns NULL (0) when out of slabs
        kmem_cache_free(s, 1, obj)          # free on CPU 1: a remote free
        n = kmem_cache_alloc_bulk(s, 0, 16, p, BULK_AFTER)  # p[0:16]; returns 16 or 0
        kmem_cache_free_bulk(s, 0, 16, p, BULK_AFTER)       # frees p[0:16]

The bulk functions live in :mod:`skbbench.model.bulk` and are importable from here too.
Kernel-only costs (IRQ disable/enable, ...) are charged inside these calls as busy-waits
(:mod:`skbbench.model.costs`, chosen by ``profile=``).

``variant`` selects the bulk implementation: ``BULK_FALLBACK`` (0, the generic loops of
single kmem_cache_alloc/kmem_cache_free), ``BULK_BEFORE`` (1, the bulk API before the
detached-freelist patchset, v4.3), ``BULK_AFTER`` (2, v4.4: build_detached_freelist),
``BULK_KFREE`` (3, v4.6 ``kfree_bulk``: like BULK_AFTER, the cache is read from the
slab page). ``BULK_AFTER``/``BULK_KFREE`` set the freed slots of ``p`` to NULL, like the
kernel; NULL slots are skipped by them. ``kmem_cache_alloc_bulk`` returns ``size`` or 0
(all-or-nothing; what was obtained is freed again).

Checking (SLUB_DEBUG-like): a cache created with ``check=True`` has a debug region;
drive it with ``kmem_cache_alloc_checked``, ``kmem_cache_free_checked``,
``kmem_cache_alloc_bulk_checked`` and ``kmem_cache_free_bulk_checked`` (same arguments
and results). They validate the pointers they are given (foreign pointer, double free)
and then every invariant of the cache (each object allocated xor on exactly one
freelist, inuse counts, frozen/list states, list links, slab counts); the first
violation stops the model (allocations return NULL, frees do nothing) and
``SlubCache.raise_if_error()`` raises :class:`~skbbench.errors.ModelError` with a
one-line description. The plain entry points never check (they are the hot code and
stay small; SLUB_DEBUG is compiled out of them, so to speak). The Python conveniences
``SlubCache.alloc``/``free``/``alloc_bulk``/``free_bulk``/``flush_all`` pick the checked
entry points when ``check=True`` and raise automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from skbbench.errors import ModelError, UsageError
from skbbench.harness.intrinsics import atomic_add64, barrier, cmpxchg64, cmpxchg128
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.memory import aligned_words
from skbbench.harness.spin import busy_wait, cost_iters
from skbbench.model.costs import CostProfile, get_profile
from skbbench.model.slab_pages_stub import (
    PAGE_RECORD_WORDS,
    PAGE_SHIFT,
    PAGE_SIZE,
    PG_COMPOUND_HEAD,
    __alloc_pages,
    __free_pages,
    page_alloc_init,
    page_alloc_words,
)

# --------------------------------------------------------------------------------------
# Constants of the kernel (v4.4)

SLUB_MAX_ORDER = 3  # PAGE_ALLOC_COSTLY_ORDER
MAX_ORDER = 11
MAX_OBJS_PER_PAGE = 32767
MIN_PARTIAL = 5
MAX_PARTIAL = 10
CACHE_LINE = 64
MAX_OBJECT_SIZE = PAGE_SIZE << SLUB_MAX_ORDER  # larger objects do not fit an order-3 slab

# enum stat_item (v4.4 include/linux/slub_def.h), same order and names.
STAT_ITEMS = (
    "ALLOC_FASTPATH",
    "ALLOC_SLOWPATH",
    "FREE_FASTPATH",
    "FREE_SLOWPATH",
    "FREE_FROZEN",
    "FREE_ADD_PARTIAL",
    "FREE_REMOVE_PARTIAL",
    "ALLOC_FROM_PARTIAL",
    "ALLOC_SLAB",
    "ALLOC_REFILL",
    "ALLOC_NODE_MISMATCH",
    "FREE_SLAB",
    "CPUSLAB_FLUSH",
    "DEACTIVATE_FULL",
    "DEACTIVATE_EMPTY",
    "DEACTIVATE_TO_HEAD",
    "DEACTIVATE_TO_TAIL",
    "DEACTIVATE_REMOTE_FREES",
    "DEACTIVATE_BYPASS",
    "ORDER_FALLBACK",
    "CMPXCHG_DOUBLE_CPU_FAIL",
    "CMPXCHG_DOUBLE_FAIL",
    "CPU_PARTIAL_ALLOC",
    "CPU_PARTIAL_FREE",
    "CPU_PARTIAL_NODE",
    "CPU_PARTIAL_DRAIN",
)
# Model events (not kernel stat items): primitives executed or charged.
MODEL_EVENTS = (
    "this_cpu_cmpxchg_double",
    "cmpxchg_double_slab",
    "list_lock",
    "irq_disable_enable",
    "irq_save_restore",
    "page_alloc",
    "page_free",
    "bulk_alloc_objects",
    "bulk_free_objects",
)
(
    ALLOC_FASTPATH,
    ALLOC_SLOWPATH,
    FREE_FASTPATH,
    FREE_SLOWPATH,
    FREE_FROZEN,
    FREE_ADD_PARTIAL,
    FREE_REMOVE_PARTIAL,
    ALLOC_FROM_PARTIAL,
    ALLOC_SLAB,
    ALLOC_REFILL,
    ALLOC_NODE_MISMATCH,
    FREE_SLAB,
    CPUSLAB_FLUSH,
    DEACTIVATE_FULL,
    DEACTIVATE_EMPTY,
    DEACTIVATE_TO_HEAD,
    DEACTIVATE_TO_TAIL,
    DEACTIVATE_REMOTE_FREES,
    DEACTIVATE_BYPASS,
    ORDER_FALLBACK,
    CMPXCHG_DOUBLE_CPU_FAIL,
    CMPXCHG_DOUBLE_FAIL,
    CPU_PARTIAL_ALLOC,
    CPU_PARTIAL_FREE,
    CPU_PARTIAL_NODE,
    CPU_PARTIAL_DRAIN,
) = (np.uint64(i) for i in range(26))
(
    EV_CPU_CMPXCHG,
    EV_PAGE_CMPXCHG,
    EV_LIST_LOCK,
    EV_IRQ,
    EV_IRQSAVE,
    EV_PAGE_ALLOC,
    EV_PAGE_FREE,
    EV_BULK_ALLOC,
    EV_BULK_FREE,
) = (np.uint64(26 + i) for i in range(9))
STAT_STRIDE = 40  # words per CPU: 26 stat items + 9 model events, padded to 5 lines

# --------------------------------------------------------------------------------------
# Layout of the state array

# Header words (kmem_cache fields and where the other structures are).
H_MAGIC = 0
H_CPU_BASE = 1  # s->cpu_slab
H_PAGE_BASE = 2  # struct page record of pfn 0 (the vmemmap)
H_STAT_BASE = 3
H_OFFSET = 4  # s->offset (free pointer offset)
H_SIZE = 5  # s->size (stride)
H_OBJECTS = 6  # oo_objects(s->oo)
H_CHECK = 7
H_COST_IRQ = 8  # busy-wait iterations per local_irq_disable+enable
H_COST_IRQSAVE = 9  # ... per local_irq_save+restore
H_COST_BH = 10  # ... per local_bh_disable+enable (for other models)
H_COST_PREEMPT = 11  # ... per preempt_disable+enable
H_TID_STEP = 12
H_MIN_PARTIAL = 13
H_CPU_PARTIAL = 14
H_NR_CPUS = 15
H_ORDER = 16
H_OBJECT_SIZE = 17
H_NODE_BASE = 18
H_HIST_BASE = 19
H_HIST_STRIDE = 20
H_PA_BASE = 21
H_ARENA_START = 22  # byte offset of the first slab
H_ARENA_END = 23
H_RED_BASE = 24  # debug: per-object state words
H_MARK_BASE = 25  # debug: per-slab "seen" words for validation
H_EPOCH = 26  # debug: validation generation
H_CACHE_ID = 27  # value stored as page->slab_cache
H_MAX_SLABS = 28
H_SLAB_SHIFT = 29  # PAGE_SHIFT + order
H_NR_PFNS = 30
H_ERR = 32
H_ERR_OBJ = 33
H_ERR_CPU = 34
H_ERR_AUX = 35
H_ERR_OP = 36
HEADER_WORDS = 64
MAGIC = 0x534C5542_00040400  # "SLUB" v4.4

CPU_WORDS = 8
C_FREELIST = 0  # void **freelist   } one 16-byte cmpxchg16b unit
C_TID = 1  # unsigned long tid       }
C_PAGE = 2  # struct page *page (pfn, 0 = NULL)
C_PARTIAL = 3  # struct page *partial (pfn, 0 = NULL)

NODE_WORDS = 8
N_LIST_LOCK = 0
N_NR_PARTIAL = 1
N_PARTIAL_HEAD = 2
N_PARTIAL_TAIL = 3
N_NR_SLABS = 4
N_TOTAL_OBJECTS = 5

# struct page record words.
PG_FREELIST = 0  # } one 16-byte cmpxchg16b unit
PG_COUNTERS = 1  # } inuse:16 | objects:15 << 16 | frozen:1 << 31
PG_NEXT = 2  # lru.next on the node list, next on a cpu partial list
PG_PREV = 3  # lru.prev
PG_PAGES = 4  # cpu partial list head: pages
PG_POBJECTS = 5  # cpu partial list head: pobjects
PG_FLAGS = 6  # PG_slab | PG_head | slab_cache << 8
PG_FLAG_SLAB = 1
PG_FLAG_HEAD = 2
assert PG_COMPOUND_HEAD == 7 and PAGE_RECORD_WORDS == 8

# Debug (check=True) object states, as SLUB_DEBUG's red-zone bytes.
RED_INACTIVE = 0  # free (or never handed out)
RED_ACTIVE = 1  # allocated to a user

# Error codes (H_ERR) and operations (H_ERR_OP).
ERR_NONE = 0
ERR_DOUBLE_FREE = 1
ERR_FOREIGN = 2
ERR_INVARIANT = 3
ERR_HANDED_TWICE = 4
OP_NAMES = {
    1: "kmem_cache_alloc",
    2: "kmem_cache_free",
    3: "kmem_cache_alloc_bulk",
    4: "kmem_cache_free_bulk",
    5: "flush_all",
    6: "validate",
}
# Invariant sub-codes (H_ERR_AUX for ERR_INVARIANT).
INVARIANTS = {
    1: "slab freelist points outside its slab or off an object boundary",
    2: "slab freelist has a cycle or more entries than objects",
    3: "inuse does not match the slab freelist length",
    4: "cpu freelist holds an object of another slab",
    5: "cpu slab is not a frozen slab page",
    6: "object is on two freelists",
    7: "allocated object is on a freelist",
    8: "object lost: neither allocated nor on any freelist",
    9: "slab on two lists (cpu slab / cpu partial / node partial)",
    10: "cpu partial slab is not frozen",
    11: "node partial slab is frozen or corrupt list links",
    12: "nr_partial does not match the node partial list",
    13: "frozen slab not owned by any cpu",
    14: "unfrozen slab with free objects is not on the node partial list",
    15: "cpu partial head pages count wrong",
    16: "slab count does not match nr_slabs / page allocator",
    17: "cpu freelist set without a cpu slab",
}

_0 = np.uint64(0)
_1 = np.uint64(1)
_2 = np.uint64(2)
_3 = np.uint64(3)
_8 = np.uint64(8)
_16 = np.uint64(16)
_31 = np.uint64(31)
_INUSE_MASK = np.uint64(0xFFFF)
_OBJECTS_MASK = np.uint64(0x7FFF)
_FROZEN = np.uint64(1 << 31)
_NOT_FROZEN = np.uint64(0xFFFFFFFFFFFFFFFF ^ (1 << 31))
_NOT_INUSE = np.uint64(0xFFFFFFFFFFFFFFFF ^ 0xFFFF)
_MINUS_1 = np.uint64(0xFFFFFFFFFFFFFFFF)  # atomic_add64 of -1
_PAGE_SHIFT = np.uint64(PAGE_SHIFT)
_RECW = np.uint64(PAGE_RECORD_WORDS)
_CPUW = np.uint64(CPU_WORDS)
_STATW = np.uint64(STAT_STRIDE)
_C_FREELIST = np.uint64(C_FREELIST)
_C_TID = np.uint64(C_TID)
_C_PAGE = np.uint64(C_PAGE)
_C_PARTIAL = np.uint64(C_PARTIAL)
_N_LIST_LOCK = np.uint64(N_LIST_LOCK)
_N_NR_PARTIAL = np.uint64(N_NR_PARTIAL)
_N_HEAD = np.uint64(N_PARTIAL_HEAD)
_N_TAIL = np.uint64(N_PARTIAL_TAIL)
_N_NR_SLABS = np.uint64(N_NR_SLABS)
_N_TOTAL_OBJECTS = np.uint64(N_TOTAL_OBJECTS)
_PG_COUNTERS = np.uint64(PG_COUNTERS)
_PG_NEXT = np.uint64(PG_NEXT)
_PG_PREV = np.uint64(PG_PREV)
_PG_PAGES = np.uint64(PG_PAGES)
_PG_POBJECTS = np.uint64(PG_POBJECTS)
_PG_FLAGS = np.uint64(PG_FLAGS)
_PG_CH = np.uint64(PG_COMPOUND_HEAD)
_PG_SLAB = np.uint64(PG_FLAG_SLAB)
_PG_HEAD = np.uint64(PG_FLAG_HEAD)
_M_NONE = 0
_M_PARTIAL = 1
_M_FULL = 2
_M_FREE = 3

# --------------------------------------------------------------------------------------
# Small helpers (inlined: straight-line code only)


@njit(nogil=True, cache=True, _nrt=False)
def _cpu(s, cpu):  # type: ignore[no-untyped-def]
    # this_cpu_ptr(s->cpu_slab): word index of CPU ``cpu``'s kmem_cache_cpu
    return s[H_CPU_BASE] + cpu * _CPUW


@njit(nogil=True, cache=True, _nrt=False)
def _pg(s, page):  # type: ignore[no-untyped-def]
    # struct page of pfn ``page``: word index of its record (vmemmap + pfn)
    return s[H_PAGE_BASE] + page * _RECW


@njit(nogil=True, cache=True, _nrt=False)
def _node(s):  # type: ignore[no-untyped-def]
    # get_node(s, page_to_nid(page)): the single node
    return s[H_NODE_BASE]


@njit(nogil=True, cache=True, _nrt=False)
def stat(s, cpu, item):  # type: ignore[no-untyped-def]
    # stat: raw_cpu_inc(s->cpu_slab->stat[si]) (CONFIG_SLUB_STATS)
    i = s[H_STAT_BASE] + cpu * _STATW + item
    s[i] += _1


@njit(nogil=True, cache=True, _nrt=False)
def get_freepointer(s, obj):  # type: ignore[no-untyped-def]
    # get_freepointer: *(void **)(object + s->offset)
    return s[(obj + s[H_OFFSET]) >> _3]


@njit(nogil=True, cache=True, _nrt=False)
def set_freepointer(s, obj, fp):  # type: ignore[no-untyped-def]
    # set_freepointer: *(void **)(object + s->offset) = fp
    s[(obj + s[H_OFFSET]) >> _3] = fp


@njit(nogil=True, cache=True, _nrt=False)
def next_tid(s, tid):  # type: ignore[no-untyped-def]
    # next_tid: tid + TID_STEP
    return tid + s[H_TID_STEP]


@njit(nogil=True, cache=True, _nrt=False)
def virt_to_head_page(s, x):  # type: ignore[no-untyped-def]
    # virt_to_head_page: compound_head(virt_to_page(x)), reads the (tail) struct page
    pfn = x >> _PAGE_SHIFT
    ch = s[s[H_PAGE_BASE] + pfn * _RECW + _PG_CH]
    head = pfn
    if ch & _1:
        head = ch >> _1
    return head


@njit(nogil=True, cache=True, _nrt=False)
def _inuse(counters):  # type: ignore[no-untyped-def]
    # page->inuse
    return counters & _INUSE_MASK


@njit(nogil=True, cache=True, _nrt=False)
def _objects(counters):  # type: ignore[no-untyped-def]
    # page->objects
    return (counters >> _16) & _OBJECTS_MASK


@njit(nogil=True, cache=True, _nrt=False)
def _frozen(counters):  # type: ignore[no-untyped-def]
    # page->frozen
    return (counters >> _31) & _1


@njit(nogil=True, cache=True, _nrt=False)
def _charge_irq(s, cpu):  # type: ignore[no-untyped-def]
    # local_irq_disable + local_irq_enable: kernel-only cost, busy-wait
    stat(s, cpu, EV_IRQ)
    busy_wait(np.int64(s[H_COST_IRQ]))


@njit(nogil=True, cache=True, _nrt=False)
def _charge_irqsave(s, cpu):  # type: ignore[no-untyped-def]
    # local_irq_save + local_irq_restore: kernel-only cost, busy-wait
    stat(s, cpu, EV_IRQSAVE)
    busy_wait(np.int64(s[H_COST_IRQSAVE]))


@njit(nogil=True, cache=True, _nrt=False)
def _list_lock(s, cpu):  # type: ignore[no-untyped-def]
    # spin_lock(&n->list_lock)
    stat(s, cpu, EV_LIST_LOCK)
    spin_lock(s, s[H_NODE_BASE] + _N_LIST_LOCK)


@njit(nogil=True, cache=True, _nrt=False)
def _list_unlock(s):  # type: ignore[no-untyped-def]
    # spin_unlock(&n->list_lock)
    spin_unlock(s, s[H_NODE_BASE] + _N_LIST_LOCK)


# --------------------------------------------------------------------------------------
# Page-level primitives and lists


@njit(nogil=True, cache=True, _nrt=False)
def __cmpxchg_double_slab(s, cpu, pg, old_f, old_c, new_f, new_c):  # type: ignore[no-untyped-def]
    # __cmpxchg_double_slab / cmpxchg_double_slab: lock cmpxchg16b on freelist+counters
    stat(s, cpu, EV_PAGE_CMPXCHG)
    ok = cmpxchg128(s, pg, old_f, old_c, new_f, new_c)
    if not ok:
        stat(s, cpu, CMPXCHG_DOUBLE_FAIL)
    return ok


@njit(nogil=True, cache=True, _nrt=False)
def add_partial(s, page, tail):  # type: ignore[no-untyped-def]
    # add_partial: n->nr_partial++, list_add / list_add_tail on n->partial
    n = _node(s)
    pg = _pg(s, page)
    s[n + _N_NR_PARTIAL] += _1
    if tail == DEACTIVATE_TO_TAIL:
        last = s[n + _N_TAIL]
        s[pg + _PG_NEXT] = _0
        s[pg + _PG_PREV] = last
        if last != _0:
            s[_pg(s, last) + _PG_NEXT] = page
        else:
            s[n + _N_HEAD] = page
        s[n + _N_TAIL] = page
    else:
        first = s[n + _N_HEAD]
        s[pg + _PG_PREV] = _0
        s[pg + _PG_NEXT] = first
        if first != _0:
            s[_pg(s, first) + _PG_PREV] = page
        else:
            s[n + _N_TAIL] = page
        s[n + _N_HEAD] = page


@njit(nogil=True, cache=True, _nrt=False)
def remove_partial(s, page):  # type: ignore[no-untyped-def]
    # remove_partial: list_del(&page->lru), n->nr_partial--
    n = _node(s)
    pg = _pg(s, page)
    prev = s[pg + _PG_PREV]
    nxt = s[pg + _PG_NEXT]
    if prev != _0:
        s[_pg(s, prev) + _PG_NEXT] = nxt
    else:
        s[n + _N_HEAD] = nxt
    if nxt != _0:
        s[_pg(s, nxt) + _PG_PREV] = prev
    else:
        s[n + _N_TAIL] = prev
    s[pg + _PG_NEXT] = _0
    s[pg + _PG_PREV] = _0
    s[n + _N_NR_PARTIAL] -= _1


@njit(nogil=True, cache=True, _nrt=False)
def allocate_slab(s, cpu):  # type: ignore[no-untyped-def]
    # allocate_slab (via new_slab): alloc_slab_page, link all objects, freeze
    page = __alloc_pages(s, s[H_PA_BASE], np.int64(s[H_COST_IRQSAVE]))
    if page == _0:
        return _0
    stat(s, cpu, EV_PAGE_ALLOC)
    pg = _pg(s, page)
    objects = s[H_OBJECTS]
    size = s[H_SIZE]
    s[pg + _PG_FLAGS] = _PG_SLAB | _PG_HEAD | (s[H_CACHE_ID] << _8)  # __SetPageSlab
    start = page << _PAGE_SHIFT
    p = start
    idx = _1
    while idx < objects:  # for_each_object_idx: set_freepointer(p, p + size)
        set_freepointer(s, p, p + size)
        p += size
        idx += _1
    set_freepointer(s, p, _0)
    s[pg + _PG_NEXT] = _0
    s[pg + _PG_PREV] = _0
    s[pg] = start  # page->freelist = start
    s[pg + _PG_COUNTERS] = objects | (objects << _16) | _FROZEN  # inuse = objects, frozen
    n = _node(s)
    atomic_add64(s, n + _N_NR_SLABS, _1)  # inc_slabs_node
    atomic_add64(s, n + _N_TOTAL_OBJECTS, objects)
    return page


@njit(nogil=True, cache=True, _nrt=False)
def discard_slab(s, cpu, page):  # type: ignore[no-untyped-def]
    # discard_slab: dec_slabs_node + free_slab -> __free_slab -> __free_pages
    n = _node(s)
    pg = _pg(s, page)
    atomic_add64(s, n + _N_NR_SLABS, _MINUS_1)
    atomic_add64(s, n + _N_TOTAL_OBJECTS, (s[H_OBJECTS] ^ _MINUS_1) + _1)
    s[pg + _PG_FLAGS] = _0  # __ClearPageSlab
    s[pg] = _0
    s[pg + _PG_COUNTERS] = _0
    stat(s, cpu, EV_PAGE_FREE)
    __free_pages(s, s[H_PA_BASE], page, np.int64(s[H_COST_IRQSAVE]))


# --------------------------------------------------------------------------------------
# CPU partial lists


@njit(nogil=True, cache=True, _nrt=False)
def unfreeze_partials(s, cpu):  # type: ignore[no-untyped-def]
    # unfreeze_partials: move all of c->partial to the node list (or discard empty slabs)
    c = _cpu(s, cpu)
    n = _node(s)
    locked = False
    discard = _0
    while True:
        page = s[c + _C_PARTIAL]
        if page == _0:
            break
        pg = _pg(s, page)
        s[c + _C_PARTIAL] = s[pg + _PG_NEXT]
        if not locked:
            _list_lock(s, cpu)
            locked = True
        new_c = _0
        while True:
            old_f = s[pg]
            old_c = s[pg + _PG_COUNTERS]
            new_c = old_c & _NOT_FROZEN
            if __cmpxchg_double_slab(s, cpu, pg, old_f, old_c, old_f, new_c):
                break
        if _inuse(new_c) == _0 and s[n + _N_NR_PARTIAL] >= s[H_MIN_PARTIAL]:
            s[pg + _PG_NEXT] = discard
            discard = page
        else:
            add_partial(s, page, DEACTIVATE_TO_TAIL)
            stat(s, cpu, FREE_ADD_PARTIAL)
    if locked:
        _list_unlock(s)
    while discard != _0:
        page = discard
        discard = s[_pg(s, page) + _PG_NEXT]
        stat(s, cpu, DEACTIVATE_EMPTY)
        discard_slab(s, cpu, page)
        stat(s, cpu, FREE_SLAB)


@njit(nogil=True, cache=True, _nrt=False)
def put_cpu_partial(s, cpu, page, drain):  # type: ignore[no-untyped-def]
    # put_cpu_partial: push a frozen slab on c->partial, draining when over cpu_partial
    c = _cpu(s, cpu)
    pg = _pg(s, page)
    busy_wait(np.int64(s[H_COST_PREEMPT]))  # preempt_disable + preempt_enable
    while True:
        pages = _0
        pobjects = _0
        oldpage = s[c + _C_PARTIAL]
        if oldpage != _0:
            opg = _pg(s, oldpage)
            pobjects = s[opg + _PG_POBJECTS]
            pages = s[opg + _PG_PAGES]
            if drain and pobjects > s[H_CPU_PARTIAL]:
                unfreeze_partials(s, cpu)
                _charge_irqsave(s, cpu)
                oldpage = _0
                pobjects = _0
                pages = _0
                stat(s, cpu, CPU_PARTIAL_DRAIN)
        pages += _1
        counters = s[pg + _PG_COUNTERS]
        pobjects += _objects(counters) - _inuse(counters)
        s[pg + _PG_PAGES] = pages
        s[pg + _PG_POBJECTS] = pobjects
        s[pg + _PG_NEXT] = oldpage
        if cmpxchg64(s, c + _C_PARTIAL, oldpage, page) == oldpage:  # this_cpu_cmpxchg
            break
    if s[H_CPU_PARTIAL] == _0:
        unfreeze_partials(s, cpu)
        _charge_irqsave(s, cpu)


# --------------------------------------------------------------------------------------
# Deactivation


@njit(nogil=True, cache=True, _nrt=False)
def deactivate_slab(s, cpu, page, freelist):  # type: ignore[no-untyped-def]
    # deactivate_slab: return the cpu freelist to the page, unfreeze, file the slab
    n = _node(s)
    pg = _pg(s, page)
    tail = DEACTIVATE_TO_HEAD
    if s[pg] != _0:
        stat(s, cpu, DEACTIVATE_REMOTE_FREES)
        tail = DEACTIVATE_TO_TAIL
    # Stage one: all but the last cpu-freelist object back to the page, one cmpxchg each.
    while freelist != _0:
        nextfree = get_freepointer(s, freelist)
        if nextfree == _0:
            break
        while True:
            prior = s[pg]
            counters = s[pg + _PG_COUNTERS]
            set_freepointer(s, freelist, prior)
            if __cmpxchg_double_slab(s, cpu, pg, prior, counters, freelist, counters - _1):
                break
        freelist = nextfree
    # Stage two: append the last object and unfreeze; pick the target list.
    lock = False
    prev_mode = _M_NONE
    mode = _M_NONE
    while True:
        old_f = s[pg]
        old_c = s[pg + _PG_COUNTERS]
        new_c = old_c
        if freelist != _0:
            new_c = new_c - _1
            set_freepointer(s, freelist, old_f)
            new_f = freelist
        else:
            new_f = old_f
        new_c = new_c & _NOT_FROZEN
        if _inuse(new_c) == _0 and s[n + _N_NR_PARTIAL] >= s[H_MIN_PARTIAL]:
            mode = _M_FREE
        elif new_f != _0:
            mode = _M_PARTIAL
            if not lock:
                lock = True
                _list_lock(s, cpu)
        else:
            mode = _M_FULL
        if prev_mode != mode:
            if prev_mode == _M_PARTIAL:
                remove_partial(s, page)
            if mode == _M_PARTIAL:
                add_partial(s, page, tail)
                stat(s, cpu, tail)
            elif mode == _M_FULL:
                stat(s, cpu, DEACTIVATE_FULL)
        prev_mode = mode
        if __cmpxchg_double_slab(s, cpu, pg, old_f, old_c, new_f, new_c):
            break
    if lock:
        _list_unlock(s)
    if mode == _M_FREE:
        stat(s, cpu, DEACTIVATE_EMPTY)
        discard_slab(s, cpu, page)
        stat(s, cpu, FREE_SLAB)


@njit(nogil=True, cache=True, _nrt=False)
def flush_slab(s, cpu):  # type: ignore[no-untyped-def]
    # flush_slab: deactivate the cpu slab
    c = _cpu(s, cpu)
    stat(s, cpu, CPUSLAB_FLUSH)
    deactivate_slab(s, cpu, s[c + _C_PAGE], s[c + _C_FREELIST])
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    s[c + _C_PAGE] = _0
    s[c + _C_FREELIST] = _0


@njit(nogil=True, cache=True, _nrt=False)
def __flush_cpu_slab(s, cpu):  # type: ignore[no-untyped-def]
    # __flush_cpu_slab: flush the cpu slab and unfreeze the cpu partial list
    c = _cpu(s, cpu)
    if s[c + _C_PAGE] != _0:
        flush_slab(s, cpu)
    unfreeze_partials(s, cpu)


# --------------------------------------------------------------------------------------
# Allocation


@njit(nogil=True, cache=True, _nrt=False)
def acquire_slab(s, cpu, page, mode):  # type: ignore[no-untyped-def]
    # acquire_slab: freeze a node partial slab (mode: take its whole freelist)
    pg = _pg(s, page)
    freelist = s[pg]
    counters = s[pg + _PG_COUNTERS]
    objects = _objects(counters) - _inuse(counters)
    if mode:
        new_c = (counters & _NOT_INUSE) | _objects(counters)
        new_f = _0
    else:
        new_c = counters
        new_f = freelist
    new_c = new_c | _FROZEN
    if not __cmpxchg_double_slab(s, cpu, pg, freelist, counters, new_f, new_c):
        return _0, _0
    remove_partial(s, page)
    return freelist, objects


@njit(nogil=True, cache=True, _nrt=False)
def get_partial_node(s, cpu):  # type: ignore[no-untyped-def]
    # get_partial_node: take slabs off n->partial (first -> cpu slab, rest -> cpu partial)
    n = _node(s)
    if s[n + _N_NR_PARTIAL] == _0:
        return _0
    c = _cpu(s, cpu)
    obj = _0
    available = _0
    _list_lock(s, cpu)
    page = s[n + _N_HEAD]
    while page != _0:
        page2 = s[_pg(s, page) + _PG_NEXT]  # list_for_each_entry_safe
        t, objects = acquire_slab(s, cpu, page, obj == _0)
        if t == _0:
            break
        available += objects
        if obj == _0:
            s[c + _C_PAGE] = page
            stat(s, cpu, ALLOC_FROM_PARTIAL)
            obj = t
        else:
            put_cpu_partial(s, cpu, page, False)
            stat(s, cpu, CPU_PARTIAL_NODE)
        if s[H_CPU_PARTIAL] == _0 or available > (s[H_CPU_PARTIAL] >> _1):
            break
        page = page2
    _list_unlock(s)
    return obj


@njit(nogil=True, cache=True, _nrt=False)
def new_slab_objects(s, cpu):  # type: ignore[no-untyped-def]
    # new_slab_objects: get_partial, else new_slab (flushing the current cpu slab)
    freelist = get_partial_node(s, cpu)  # get_partial -> get_partial_node (one node)
    if freelist != _0:
        return freelist
    page = allocate_slab(s, cpu)  # new_slab -> allocate_slab
    if page == _0:
        return _0
    c = _cpu(s, cpu)
    if s[c + _C_PAGE] != _0:
        flush_slab(s, cpu)
    pg = _pg(s, page)
    freelist = s[pg]
    s[pg] = _0
    stat(s, cpu, ALLOC_SLAB)
    s[c + _C_PAGE] = page
    return freelist


@njit(nogil=True, cache=True, _nrt=False)
def get_freelist(s, cpu, page):  # type: ignore[no-untyped-def]
    # get_freelist: take the page freelist of the cpu slab (unfreeze it if it is empty)
    pg = _pg(s, page)
    while True:
        freelist = s[pg]
        counters = s[pg + _PG_COUNTERS]
        new_c = (counters & _NOT_INUSE & _NOT_FROZEN) | _objects(counters)
        if freelist != _0:
            new_c = new_c | _FROZEN
        if __cmpxchg_double_slab(s, cpu, pg, freelist, counters, _0, new_c):
            return freelist


@njit(nogil=True, cache=True, _nrt=False)
def ___slab_alloc(s, cpu):  # type: ignore[no-untyped-def]
    # ___slab_alloc: the slowpath, IRQs already disabled by the caller
    c = _cpu(s, cpu)
    page = s[c + _C_PAGE]
    freelist = _0
    while True:
        if page == _0:
            # new_slab:
            partial = s[c + _C_PARTIAL]
            if partial != _0:
                page = partial
                s[c + _C_PAGE] = page
                s[c + _C_PARTIAL] = s[_pg(s, page) + _PG_NEXT]
                stat(s, cpu, CPU_PARTIAL_ALLOC)
                s[c + _C_FREELIST] = _0
                continue  # goto redo
            freelist = new_slab_objects(s, cpu)
            if freelist == _0:
                return _0  # slab_out_of_memory
            break  # goto load_freelist
        # redo: (node and pfmemalloc always match: one node, no pfmemalloc reserves)
        freelist = s[c + _C_FREELIST]
        if freelist != _0:
            break
        freelist = get_freelist(s, cpu, page)
        if freelist == _0:
            s[c + _C_PAGE] = _0
            stat(s, cpu, DEACTIVATE_BYPASS)
            page = _0
            continue  # goto new_slab
        stat(s, cpu, ALLOC_REFILL)
        break
    # load_freelist:
    s[c + _C_FREELIST] = get_freepointer(s, freelist)
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    return freelist


@njit(nogil=True, cache=True, _nrt=False)
def __slab_alloc(s, cpu):  # type: ignore[no-untyped-def]
    # __slab_alloc: local_irq_save; ___slab_alloc; local_irq_restore
    obj = ___slab_alloc(s, cpu)
    _charge_irqsave(s, cpu)
    return obj


@njit(inline="always", nogil=True)
def slab_alloc_node(s, cpu):  # type: ignore[no-untyped-def]
    # slab_alloc_node: lockless fastpath, this_cpu_cmpxchg_double(freelist, tid)
    c = _cpu(s, cpu)
    while True:
        tid = s[c + _C_TID]
        barrier()
        obj = s[c + _C_FREELIST]
        if obj == _0:
            obj = __slab_alloc(s, cpu)
            stat(s, cpu, ALLOC_SLOWPATH)
            return obj
        nxt = get_freepointer(s, obj)
        stat(s, cpu, EV_CPU_CMPXCHG)
        if cmpxchg128(s, c, obj, tid, nxt, next_tid(s, tid)):
            stat(s, cpu, ALLOC_FASTPATH)
            return obj
        stat(s, cpu, CMPXCHG_DOUBLE_CPU_FAIL)


# --------------------------------------------------------------------------------------
# Free


@njit(nogil=True, cache=True, _nrt=False)
def __slab_free(s, cpu, page, head, tail, cnt):  # type: ignore[no-untyped-def]
    # __slab_free: put a list of cnt objects of one page on the page freelist
    stat(s, cpu, FREE_SLOWPATH)
    h = s[H_HIST_BASE] + cpu * s[H_HIST_STRIDE] + cnt  # objects per __slab_free call
    s[h] += _1
    n = _node(s)
    pg = _pg(s, page)
    locked = False
    prior = _0
    new_c = _0
    was_frozen = _0
    while True:
        if locked:
            _list_unlock(s)  # spin_unlock_irqrestore
            _charge_irqsave(s, cpu)
            locked = False
        prior = s[pg]
        counters = s[pg + _PG_COUNTERS]
        set_freepointer(s, tail, prior)
        new_c = counters - cnt  # new.inuse -= cnt
        was_frozen = _frozen(counters)
        if (_inuse(new_c) == _0 or prior == _0) and was_frozen == _0:
            if s[H_CPU_PARTIAL] != _0 and prior == _0:
                new_c = new_c | _FROZEN  # freeze: it goes to this cpu's partial list
            else:
                _list_lock(s, cpu)  # spin_lock_irqsave(&n->list_lock)
                locked = True
        if __cmpxchg_double_slab(s, cpu, pg, prior, counters, head, new_c):
            break
    if not locked:
        if _frozen(new_c) != _0 and was_frozen == _0:
            put_cpu_partial(s, cpu, page, True)
            stat(s, cpu, CPU_PARTIAL_FREE)
        if was_frozen != _0:
            stat(s, cpu, FREE_FROZEN)
        return
    if _inuse(new_c) == _0 and s[n + _N_NR_PARTIAL] >= s[H_MIN_PARTIAL]:
        # slab_empty:
        if prior != _0:
            remove_partial(s, page)
            stat(s, cpu, FREE_REMOVE_PARTIAL)
        _list_unlock(s)
        _charge_irqsave(s, cpu)
        stat(s, cpu, FREE_SLAB)
        discard_slab(s, cpu, page)
        return
    if s[H_CPU_PARTIAL] == _0 and prior == _0:
        add_partial(s, page, DEACTIVATE_TO_TAIL)
        stat(s, cpu, FREE_ADD_PARTIAL)
    _list_unlock(s)
    _charge_irqsave(s, cpu)


@njit(inline="always", nogil=True)
def slab_free(s, cpu, page, head, tail, cnt):  # type: ignore[no-untyped-def]
    # slab_free: splice head..tail onto the cpu freelist if page is the cpu slab
    c = _cpu(s, cpu)
    tail_obj = tail
    if tail_obj == _0:
        tail_obj = head
    while True:
        tid = s[c + _C_TID]
        barrier()
        if page != s[c + _C_PAGE]:
            __slab_free(s, cpu, page, head, tail_obj, cnt)
            return
        freelist = s[c + _C_FREELIST]
        set_freepointer(s, tail_obj, freelist)
        stat(s, cpu, EV_CPU_CMPXCHG)
        if cmpxchg128(s, c, freelist, tid, head, next_tid(s, tid)):
            stat(s, cpu, FREE_FASTPATH)
            return
        stat(s, cpu, CMPXCHG_DOUBLE_CPU_FAIL)


# --------------------------------------------------------------------------------------
# SLUB_DEBUG-like checking (check=True only)


@njit(nogil=True, cache=True, _nrt=False)
def _set_err(s, code, obj, cpu, aux, op):  # type: ignore[no-untyped-def]
    # slab_err / object_err: record the first violation (the model stops there)
    if s[H_ERR] == _0:
        s[H_ERR] = np.uint64(code)
        s[H_ERR_OBJ] = np.uint64(obj)
        s[H_ERR_CPU] = np.uint64(cpu)
        s[H_ERR_AUX] = np.uint64(aux)
        s[H_ERR_OP] = np.uint64(op)


@njit(nogil=True, cache=True, _nrt=False)
def check_valid_pointer(s, x):  # type: ignore[no-untyped-def]
    # check_valid_pointer: x is an object boundary inside a slab page of this cache
    if x < s[H_ARENA_START] or x >= s[H_ARENA_END] or (x & np.uint64(7)) != _0:
        return False
    page = virt_to_head_page(s, x)
    flags = s[_pg(s, page) + _PG_FLAGS]
    if (flags & _PG_SLAB) == _0 or (flags >> _8) != s[H_CACHE_ID]:
        return False
    off = x - (page << _PAGE_SHIFT)
    size = s[H_SIZE]
    return off % size == _0 and off // size < s[H_OBJECTS]


@njit(nogil=True, cache=True, _nrt=False)
def _red_slot(s, x):  # type: ignore[no-untyped-def]
    # word index of the debug state of object x (2 words per object: state, seen)
    start = x - s[H_ARENA_START]
    k = start >> s[H_SLAB_SHIFT]
    idx = (start - (k << s[H_SLAB_SHIFT])) // s[H_SIZE]
    return s[H_RED_BASE] + (k * s[H_OBJECTS] + idx) * _2


@njit(nogil=True, cache=True, _nrt=False)
def alloc_debug_processing(s, cpu, x, op):  # type: ignore[no-untyped-def]
    # alloc_debug_processing: the object handed out must be a free object of this cache
    if not check_valid_pointer(s, x):
        _set_err(s, ERR_INVARIANT, x, cpu, 1, op)
        return False
    r = _red_slot(s, x)
    if s[r] != np.uint64(RED_INACTIVE):
        _set_err(s, ERR_HANDED_TWICE, x, cpu, 0, op)
        return False
    s[r] = np.uint64(RED_ACTIVE)
    return True


@njit(nogil=True, cache=True, _nrt=False)
def free_debug_processing(s, cpu, x, op):  # type: ignore[no-untyped-def]
    # free_debug_processing: valid pointer ("Invalid object pointer"), not already free
    if not check_valid_pointer(s, x):
        _set_err(s, ERR_FOREIGN, x, cpu, 0, op)
        return False
    r = _red_slot(s, x)
    if s[r] != np.uint64(RED_ACTIVE):
        _set_err(s, ERR_DOUBLE_FREE, x, cpu, 0, op)
        return False
    s[r] = np.uint64(RED_INACTIVE)
    return True


@njit(nogil=True, cache=True, _nrt=False)
def _slab_index(s, page):  # type: ignore[no-untyped-def]
    # slab frame number of a head pfn (only for pfns inside the arena)
    return ((page << _PAGE_SHIFT) - s[H_ARENA_START]) >> s[H_SLAB_SHIFT]


@njit(nogil=True, cache=True, _nrt=False)
def _is_slab(s, page):  # type: ignore[no-untyped-def]
    # PageSlab(page) for a head pfn inside the arena
    addr = page << _PAGE_SHIFT
    if addr < s[H_ARENA_START] or addr >= s[H_ARENA_END]:
        return False
    if ((addr - s[H_ARENA_START]) >> s[H_SLAB_SHIFT]) << s[H_SLAB_SHIFT] != addr - s[H_ARENA_START]:
        return False
    return (s[_pg(s, page) + _PG_FLAGS] & _PG_SLAB) != _0


@njit(nogil=True, cache=True, _nrt=False)
def _walk_freelist(s, cpu, page, obj, epoch, op, limit):  # type: ignore[no-untyped-def]
    # on_freelist: walk a freelist of slab ``page``, marking each object seen this epoch
    start = page << _PAGE_SHIFT
    size = s[H_SIZE]
    objects = s[H_OBJECTS]
    count = _0
    while obj != _0:
        if obj < start or obj >= start + objects * size or (obj - start) % size != _0:
            _set_err(s, ERR_INVARIANT, obj, cpu, 1 if limit == _0 else 4, op)
            return count
        count += _1
        if count > objects:
            _set_err(s, ERR_INVARIANT, obj, cpu, 2, op)
            return count
        r = _red_slot(s, obj)
        if s[r + _1] == epoch:
            _set_err(s, ERR_INVARIANT, obj, cpu, 6, op)
            return count
        if s[r] == np.uint64(RED_ACTIVE):
            _set_err(s, ERR_INVARIANT, obj, cpu, 7, op)
            return count
        s[r + _1] = epoch
        obj = get_freepointer(s, obj)
    return count


@njit(nogil=True, cache=True, _nrt=False)
def validate_slab_cache(s, op):  # type: ignore[no-untyped-def]
    # validate_slab_cache (SLUB_DEBUG validate): every invariant of the whole cache.
    # Returns True when consistent; the first violation is recorded in the header.
    epoch = s[H_EPOCH] + _1
    s[H_EPOCH] = epoch
    mark = s[H_MARK_BASE]
    nslabs = s[H_MAX_SLABS]
    objects = s[H_OBJECTS]
    ncpus = s[H_NR_CPUS]
    n = _node(s)
    tag_cpu = epoch * np.uint64(4) + _1
    tag_partial = epoch * np.uint64(4) + _2
    tag_node = epoch * np.uint64(4) + _3
    # Owners: cpu slabs, cpu partial lists, the node partial list.
    cpu = _0
    while cpu < ncpus:
        c = _cpu(s, cpu)
        page = s[c + _C_PAGE]
        if page == _0:
            if s[c + _C_FREELIST] != _0:
                _set_err(s, ERR_INVARIANT, s[c + _C_FREELIST], cpu, 17, op)
                return False
        else:
            if not _is_slab(s, page) or _frozen(s[_pg(s, page) + _PG_COUNTERS]) == _0:
                _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, cpu, 5, op)
                return False
            k = mark + _slab_index(s, page)
            if s[k] >= tag_cpu:
                _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, cpu, 9, op)
                return False
            s[k] = tag_cpu
        count = _0
        head = s[c + _C_PARTIAL]
        page = head
        while page != _0:
            if not _is_slab(s, page) or _frozen(s[_pg(s, page) + _PG_COUNTERS]) == _0:
                _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, cpu, 10, op)
                return False
            k = mark + _slab_index(s, page)
            if s[k] >= tag_cpu:
                _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, cpu, 9, op)
                return False
            s[k] = tag_partial
            count += _1
            page = s[_pg(s, page) + _PG_NEXT]
        if head != _0 and s[_pg(s, head) + _PG_PAGES] != count:
            _set_err(s, ERR_INVARIANT, head << _PAGE_SHIFT, cpu, 15, op)
            return False
        cpu += _1
    count = _0
    prev = _0
    page = s[n + _N_HEAD]
    while page != _0:
        pg = _pg(s, page)
        if (
            not _is_slab(s, page)
            or _frozen(s[pg + _PG_COUNTERS]) != _0
            or s[pg + _PG_PREV] != prev
            or s[pg] == _0
        ):
            _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, _0, 11, op)
            return False
        k = mark + _slab_index(s, page)
        if s[k] >= tag_cpu:
            _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, _0, 9, op)
            return False
        s[k] = tag_node
        count += _1
        prev = page
        page = s[pg + _PG_NEXT]
    if s[n + _N_TAIL] != prev:
        _set_err(s, ERR_INVARIANT, prev << _PAGE_SHIFT, _0, 11, op)
        return False
    if count != s[n + _N_NR_PARTIAL]:
        _set_err(s, ERR_INVARIANT, count, _0, 12, op)
        return False
    # Every slab: page freelist, inuse, frozen <-> owned by a cpu.
    first = s[H_ARENA_START] >> _PAGE_SHIFT
    per = _1 << (s[H_SLAB_SHIFT] - _PAGE_SHIFT)
    nr = _0
    k = _0
    while k < nslabs:
        page = first + k * per
        k += _1
        if not _is_slab(s, page):
            continue
        nr += _1
        pg = _pg(s, page)
        counters = s[pg + _PG_COUNTERS]
        if _objects(counters) != objects:
            _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, _0, 3, op)
            return False
        tag = s[mark + k - _1]
        owned = tag == tag_cpu or tag == tag_partial
        if _frozen(counters) != _0 and not owned:
            _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, _0, 13, op)
            return False
        nfree = _walk_freelist(s, _0, page, s[pg], epoch, op, _0)
        if s[H_ERR] != _0:
            return False
        if nfree != objects - _inuse(counters):
            _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, _0, 3, op)
            return False
        if _frozen(counters) == _0 and nfree != _0 and tag != tag_node:
            _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, _0, 14, op)
            return False
    # cpu freelists: objects of the cpu slab only, counted in its inuse.
    cpu = _0
    while cpu < ncpus:
        c = _cpu(s, cpu)
        page = s[c + _C_PAGE]
        if page != _0:
            cnt = _walk_freelist(s, cpu, page, s[c + _C_FREELIST], epoch, op, _1)
            if s[H_ERR] != _0:
                return False
            if cnt > _inuse(s[_pg(s, page) + _PG_COUNTERS]):
                _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, cpu, 3, op)
                return False
        cpu += _1
    # Every object of every slab: allocated xor on exactly one freelist.
    size = s[H_SIZE]
    k = _0
    while k < nslabs:
        page = first + k * per
        k += _1
        if not _is_slab(s, page):
            continue
        obj = page << _PAGE_SHIFT
        i = _0
        while i < objects:
            r = _red_slot(s, obj)
            if s[r] != np.uint64(RED_ACTIVE) and s[r + _1] != epoch:
                _set_err(s, ERR_INVARIANT, obj, _0, 8, op)
                return False
            obj += size
            i += _1
    pa = s[H_PA_BASE]
    if nr != s[n + _N_NR_SLABS] or nr + s[pa + _1] != nslabs:
        _set_err(s, ERR_INVARIANT, nr, _0, 16, op)
        return False
    return True


# --------------------------------------------------------------------------------------
# Public entry points (what other models and the benchmarks call)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc(s, cpu):  # type: ignore[no-untyped-def]
    # kmem_cache_alloc -> slab_alloc -> slab_alloc_node on simulated CPU ``cpu``
    return slab_alloc_node(s, np.uint64(cpu))


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free(s, cpu, x):  # type: ignore[no-untyped-def]
    # kmem_cache_free -> slab_free(s, virt_to_head_page(x), x, NULL, 1)
    x = np.uint64(x)
    slab_free(s, np.uint64(cpu), virt_to_head_page(s, x), x, _0, _1)


# The same four entry points with SLUB_DEBUG-like checks (check=True caches): pointers are
# validated before, the whole cache after every call; after the first violation the
# model stops (allocations return NULL, frees do nothing). Same arguments and results.


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_checked(s, cpu):  # type: ignore[no-untyped-def]
    # kmem_cache_alloc + alloc_debug_processing + validate_slab_cache
    cpu = np.uint64(cpu)
    if s[H_ERR] != _0:
        return _0
    x = slab_alloc_node(s, cpu)
    if x != _0:
        alloc_debug_processing(s, cpu, x, 1)
    validate_slab_cache(s, 1)
    if s[H_ERR] != _0:
        return _0
    return x


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_checked(s, cpu, x):  # type: ignore[no-untyped-def]
    # kmem_cache_free + free_debug_processing + validate_slab_cache
    cpu = np.uint64(cpu)
    x = np.uint64(x)
    if s[H_ERR] != _0:
        return
    if not free_debug_processing(s, cpu, x, 2):
        return
    slab_free(s, cpu, virt_to_head_page(s, x), x, _0, _1)
    validate_slab_cache(s, 2)


@njit(nogil=True, cache=True, _nrt=False)
def flush_all(s):  # type: ignore[no-untyped-def]
    # flush_all: __flush_cpu_slab on every CPU (the IPI work), no cost charged
    cpu = _0
    while cpu < s[H_NR_CPUS]:
        __flush_cpu_slab(s, cpu)
        cpu += _1


@njit(nogil=True, cache=True, _nrt=False)
def discard_empty_partials(s):  # type: ignore[no-untyped-def]
    # __kmem_cache_shutdown -> free_partial: discard every empty node partial slab
    n = _node(s)
    page = s[n + _N_HEAD]
    freed = _0
    while page != _0:
        nxt = s[_pg(s, page) + _PG_NEXT]
        if _inuse(s[_pg(s, page) + _PG_COUNTERS]) == _0:
            remove_partial(s, page)
            discard_slab(s, _0, page)
            freed += _1
        page = nxt
    return freed


# --------------------------------------------------------------------------------------
# Python side: kmem_cache_create and the cache object


def fls(x: int) -> int:
    """fls: 1-based index of the most significant set bit (0 for 0)."""
    return x.bit_length()


def get_order(size: int) -> int:
    """get_order: smallest order with PAGE_SIZE << order >= size."""
    order = 0
    while (PAGE_SIZE << order) < size:
        order += 1
    return order


def order_objects(order: int, size: int, reserved: int = 0) -> int:
    """order_objects: objects of ``size`` in a slab of ``order``."""
    return ((PAGE_SIZE << order) - reserved) // size


def slab_order(
    size: int,
    min_objects: int,
    max_order: int,
    fract_leftover: int,
    reserved: int = 0,
    min_order: int = 0,
) -> int:
    """slab_order (v4.4): first order whose leftover is at most 1/fract_leftover."""
    if order_objects(min_order, size, reserved) > MAX_OBJS_PER_PAGE:
        return get_order(size * MAX_OBJS_PER_PAGE) - 1
    order = max(min_order, get_order(min_objects * size + reserved))
    while order <= max_order:
        slab_size = PAGE_SIZE << order
        rem = (slab_size - reserved) % size
        if rem <= slab_size // fract_leftover:
            break
        order += 1
    return order


def calculate_order(size: int, nr_cpu_ids: int, reserved: int = 0) -> int:
    """calculate_order (v4.4) for ``nr_cpu_ids`` CPUs (slub_min_objects unset)."""
    min_objects = 4 * (fls(nr_cpu_ids) + 1)
    max_objects = order_objects(SLUB_MAX_ORDER, size, reserved)
    min_objects = min(min_objects, max_objects)
    while min_objects > 1:
        fraction = 16
        while fraction >= 4:
            order = slab_order(size, min_objects, SLUB_MAX_ORDER, fraction, reserved)
            if order <= SLUB_MAX_ORDER:
                return order
            fraction //= 2
        min_objects -= 1
    order = slab_order(size, 1, SLUB_MAX_ORDER, 1, reserved)
    if order <= SLUB_MAX_ORDER:
        return order
    order = slab_order(size, 1, MAX_ORDER, 1, reserved)
    if order < MAX_ORDER:
        return order
    raise UsageError(f"object size {size}: no slab order fits it")


def calculate_size(object_size: int, hwcache_align: bool = True) -> int:
    """calculate_sizes + calculate_alignment: the object stride ``s->size``.

    SLAB_HWCACHE_ALIGN (what the benchmark caches use) aligns to the cache line, or to
    the largest power of two >= the object when the object is at most half a line.
    """
    size = (object_size + 7) & ~7  # ALIGN(size, sizeof(void *))
    align = 8
    if hwcache_align:
        ralign = CACHE_LINE
        while size <= ralign // 2:
            ralign //= 2
        align = max(align, ralign)
    return (size + align - 1) & ~(align - 1)


def set_min_partial(size: int) -> int:
    """set_min_partial(s, ilog2(s->size) / 2), clamped to [MIN_PARTIAL, MAX_PARTIAL]."""
    return min(MAX_PARTIAL, max(MIN_PARTIAL, (size.bit_length() - 1) // 2))


def set_cpu_partial(size: int) -> int:
    """The v4.4 cpu_partial default for a cache of stride ``size``."""
    if size >= PAGE_SIZE:
        return 2
    if size >= 1024:
        return 6
    if size >= 256:
        return 13
    return 30


def _round8(n: int) -> int:
    return (n + 7) // 8 * 8


@dataclass
class SlubCache:
    """One kmem_cache: the numpy state ``s`` plus its parameters (see the module doc)."""

    s: np.ndarray
    name: str
    object_size: int
    size: int
    order: int
    objects: int
    min_partial: int
    cpu_partial: int
    nr_cpus: int
    max_slabs: int
    profile: CostProfile
    check: bool

    # ---- parameters -------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "object_size": self.object_size,
            "size": self.size,
            "order": self.order,
            "objects_per_slab": self.objects,
            "min_partial": self.min_partial,
            "cpu_partial": self.cpu_partial,
            "nr_cpus": self.nr_cpus,
            "max_slabs": self.max_slabs,
            "profile": self.profile.name,
            "check": self.check,
        }

    def _cpu(self, cpu: int) -> int:
        if not 0 <= cpu < self.nr_cpus:
            raise UsageError(f"cpu {cpu}: the cache has simulated CPUs 0..{self.nr_cpus - 1}")
        return cpu

    # ---- operations (Python conveniences over the @njit entry points) ------------------

    def alloc(self, cpu: int = 0) -> int:
        """kmem_cache_alloc on ``cpu``; 0 (NULL) when the page allocator is exhausted."""
        fn = kmem_cache_alloc_checked if self.check else kmem_cache_alloc
        obj = int(fn(self.s, self._cpu(cpu)))
        self.raise_if_error()
        return obj

    def free(self, cpu: int, obj: int) -> None:
        """kmem_cache_free on ``cpu``."""
        fn = kmem_cache_free_checked if self.check else kmem_cache_free
        fn(self.s, self._cpu(cpu), np.uint64(obj))
        self.raise_if_error()

    def alloc_bulk(self, cpu: int, n: int, variant: str = "after") -> np.ndarray:
        """kmem_cache_alloc_bulk: an array of ``n`` objects (empty if it failed)."""
        from skbbench.model import bulk

        p = np.zeros(max(n, 1), dtype=np.uint64)
        fn = bulk.kmem_cache_alloc_bulk_checked if self.check else bulk.kmem_cache_alloc_bulk
        got = int(fn(self.s, self._cpu(cpu), n, p, bulk.variant_id(variant)))
        self.raise_if_error()
        return p[:got].copy()

    def free_bulk(self, cpu: int, objs: Any, variant: str = "after") -> None:
        """kmem_cache_free_bulk of ``objs`` (a copy is passed: the caller's stays intact)."""
        from skbbench.model import bulk

        p = np.array(objs, dtype=np.uint64)
        if len(p):
            fn = bulk.kmem_cache_free_bulk_checked if self.check else bulk.kmem_cache_free_bulk
            fn(self.s, self._cpu(cpu), len(p), p, bulk.variant_id(variant))
        self.raise_if_error()

    def flush_all(self) -> None:
        flush_all(self.s)
        if self.check:
            self.validate()

    def validate(self) -> None:
        """Run the full invariant check now (needs a cache created with check=True)."""
        red = int(self.s[H_RED_BASE])
        if not self.check or red == 0:
            raise UsageError("validate() needs a cache created with check=True")
        validate_slab_cache(self.s, 6)
        self.raise_if_error()

    def destroy(self) -> None:
        """kmem_cache_destroy: flush, then every slab must be empty ("Objects remaining")."""
        self.flush_all()
        discard_empty_partials(self.s)
        left = self.nr_slabs()
        if left:
            raise ModelError(
                f"SLUB {self.name}: kmem_cache_destroy: objects remaining in {left} slab(s)"
            )

    # ---- state and counters --------------------------------------------------------------

    def error(self) -> str | None:
        """The first recorded violation as one line, or None."""
        s = self.s
        code = int(s[H_ERR])
        if code == ERR_NONE:
            return None
        obj, cpu, aux, op = (
            int(s[H_ERR_OBJ]),
            int(s[H_ERR_CPU]),
            int(s[H_ERR_AUX]),
            int(s[H_ERR_OP]),
        )
        where = f"SLUB {self.name}: {OP_NAMES.get(op, 'operation')} on cpu {cpu}"
        if code == ERR_DOUBLE_FREE:
            return f"{where}: double free of object 0x{obj:x} (object already free)"
        if code == ERR_FOREIGN:
            return f"{where}: invalid object pointer 0x{obj:x} (not an object of this cache)"
        if code == ERR_HANDED_TWICE:
            return f"{where}: object 0x{obj:x} handed out twice"
        return f"{where}: {INVARIANTS.get(aux, 'invariant violated')} (at 0x{obj:x})"

    def raise_if_error(self) -> None:
        msg = self.error()
        if msg is not None:
            raise ModelError(msg)

    def stats(self, cpu: int | None = None) -> dict[str, int]:
        """SLUB stat_item counters (summed over CPUs, or of one CPU) by kernel name."""
        block = self._stat_block()
        row = block.sum(axis=0) if cpu is None else block[self._cpu(cpu)]
        return {name: int(row[i]) for i, name in enumerate(STAT_ITEMS)}

    def events(self, cpu: int | None = None) -> dict[str, int]:
        """Model events: primitives executed (cmpxchg, list_lock) or charged (irq)."""
        block = self._stat_block()
        row = block.sum(axis=0) if cpu is None else block[self._cpu(cpu)]
        return {name: int(row[len(STAT_ITEMS) + i]) for i, name in enumerate(MODEL_EVENTS)}

    def slab_free_histogram(self) -> dict[int, int]:
        """Objects per __slab_free call -> number of calls (all CPUs)."""
        base = int(self.s[H_HIST_BASE])
        stride = int(self.s[H_HIST_STRIDE])
        block = self.s[base : base + stride * self.nr_cpus].reshape(self.nr_cpus, stride)
        row = block.sum(axis=0)
        return {i: int(row[i]) for i in range(stride) if row[i]}

    def _stat_block(self) -> np.ndarray:
        base = int(self.s[H_STAT_BASE])
        return self.s[base : base + STAT_STRIDE * self.nr_cpus].reshape(self.nr_cpus, STAT_STRIDE)

    def reset_counters(self) -> None:
        """Zero stats, events and the histogram (e.g. after a warm-up)."""
        self._stat_block()[:] = 0
        base = int(self.s[H_HIST_BASE])
        self.s[base : base + int(self.s[H_HIST_STRIDE]) * self.nr_cpus] = 0

    def live_objects(self) -> int:
        """Objects handed out, from the model's own state: the inuse of every slab
        minus the objects sitting on cpu freelists (which inuse counts as in use)."""
        s = self.s
        page_base = int(s[H_PAGE_BASE])
        first = int(s[H_ARENA_START]) >> PAGE_SHIFT
        total = 0
        for k in range(self.max_slabs):
            rec = page_base + (first + (k << self.order)) * PAGE_RECORD_WORDS
            if int(s[rec + PG_FLAGS]) & PG_FLAG_SLAB:
                total += int(s[rec + PG_COUNTERS]) & 0xFFFF
        for cpu in range(self.nr_cpus):
            obj = int(s[int(s[H_CPU_BASE]) + cpu * CPU_WORDS + C_FREELIST])
            while obj:
                total -= 1
                obj = int(s[(obj + int(s[H_OFFSET])) >> 3])
        return total

    def nr_slabs(self) -> int:
        return int(self.s[int(self.s[H_NODE_BASE]) + N_NR_SLABS])

    def nr_partial(self) -> int:
        return int(self.s[int(self.s[H_NODE_BASE]) + N_NR_PARTIAL])

    def counters(self) -> dict[str, Any]:
        """Everything reported with a result: stats, model events, the __slab_free
        histogram (objects per call -> calls) and the slab counts."""
        hist = self.slab_free_histogram()
        calls = sum(hist.values())
        objs = sum(k * v for k, v in hist.items())
        return {
            "slub_stats": self.stats(),
            "model_events": self.events(),
            "slab_free_objects_per_call": {str(k): v for k, v in sorted(hist.items())},
            "slab_free_avg_objects": round(objs / calls, 3) if calls else 0.0,
            "nr_slabs": self.nr_slabs(),
            "nr_partial": self.nr_partial(),
            "cache": {k: v for k, v in self.params().items() if k != "name"},
        }


def kmem_cache_create(
    object_size: int = 256,
    nr_cpus: int = 8,
    profile: str | CostProfile = "published",
    check: bool = False,
    max_slabs: int = 256,
    name: str = "slab_bench",
    hwcache_align: bool = True,
    cpu_partial: int | None = None,
    min_partial: int | None = None,
) -> SlubCache:
    """kmem_cache_create (SLAB_HWCACHE_ALIGN, no ctor) for ``nr_cpus`` simulated CPUs.

    ``max_slabs`` bounds the page allocator (slabs of PAGE_SIZE << order bytes);
    ``cpu_partial`` / ``min_partial`` override the v4.4 defaults like the sysfs files.
    """
    if not isinstance(object_size, int) or object_size < 8:
        raise UsageError(f"object size {object_size}: must be at least 8 bytes")
    if object_size > MAX_OBJECT_SIZE:
        raise UsageError(
            f"object size {object_size}: larger than an order-{SLUB_MAX_ORDER} slab "
            f"({MAX_OBJECT_SIZE} bytes)"
        )
    if not isinstance(nr_cpus, int) or not 1 <= nr_cpus <= 4096:
        raise UsageError(f"cpus {nr_cpus}: the model supports 1..4096 simulated CPUs")
    if max_slabs < 1:
        raise UsageError(f"max_slabs {max_slabs}: must be at least 1")
    prof = get_profile(profile)
    size = calculate_size(object_size, hwcache_align)
    order = calculate_order(size, nr_cpus)
    objects = order_objects(order, size)
    if objects > MAX_OBJS_PER_PAGE or objects < 1:
        raise UsageError(f"object size {object_size}: {objects} objects per slab")
    minp = set_min_partial(size) if min_partial is None else int(min_partial)
    cpup = set_cpu_partial(size) if cpu_partial is None else int(cpu_partial)
    if minp < 0 or cpup < 0:
        raise UsageError("cpu_partial and min_partial must be >= 0")
    slab_bytes = PAGE_SIZE << order

    # Regions before the struct page records.
    words = HEADER_WORDS
    cpu_base = words
    words += nr_cpus * CPU_WORDS
    node_base = words
    words += NODE_WORDS
    stat_base = words
    words += nr_cpus * STAT_STRIDE
    hist_stride = _round8(objects + 1)
    hist_base = words
    words += nr_cpus * hist_stride
    pa_base = words
    words += page_alloc_words(max_slabs)
    red_base = words
    mark_base = words
    if check:
        words += _round8(max_slabs * objects * 2)
        mark_base = words
        words += _round8(max_slabs)
    page_base = _round8(words)
    arena_bytes = max_slabs * slab_bytes
    nr_pfns = 0
    while True:
        pre_bytes = (page_base + nr_pfns * PAGE_RECORD_WORDS) * 8
        arena_start = (pre_bytes + slab_bytes - 1) // slab_bytes * slab_bytes
        total = arena_start + arena_bytes
        need = total // PAGE_SIZE
        if need <= nr_pfns:
            break
        nr_pfns = need

    s = aligned_words(total // 8, align=PAGE_SIZE)
    s[H_MAGIC] = MAGIC
    s[H_CPU_BASE] = cpu_base
    s[H_PAGE_BASE] = page_base
    s[H_STAT_BASE] = stat_base
    s[H_OFFSET] = 0  # free pointer at the start of the object (no ctor, no RCU, no poison)
    s[H_SIZE] = size
    s[H_OBJECTS] = objects
    s[H_CHECK] = 1 if check else 0
    s[H_COST_IRQ] = cost_iters(prof.irq_disable_enable)
    s[H_COST_IRQSAVE] = cost_iters(prof.irq_save_restore)
    s[H_COST_BH] = cost_iters(prof.bh_disable_enable)
    s[H_COST_PREEMPT] = cost_iters(prof.preempt_disable_enable)
    s[H_TID_STEP] = 1  # TID_STEP without CONFIG_PREEMPT
    s[H_MIN_PARTIAL] = minp
    s[H_CPU_PARTIAL] = cpup
    s[H_NR_CPUS] = nr_cpus
    s[H_ORDER] = order
    s[H_OBJECT_SIZE] = object_size
    s[H_NODE_BASE] = node_base
    s[H_HIST_BASE] = hist_base
    s[H_HIST_STRIDE] = hist_stride
    s[H_PA_BASE] = pa_base
    s[H_ARENA_START] = arena_start
    s[H_ARENA_END] = arena_start + arena_bytes
    s[H_RED_BASE] = red_base if check else 0
    s[H_MARK_BASE] = mark_base
    s[H_CACHE_ID] = 0x5AB  # page->slab_cache of this cache's slabs
    s[H_MAX_SLABS] = max_slabs
    s[H_SLAB_SHIFT] = PAGE_SHIFT + order
    s[H_NR_PFNS] = nr_pfns
    for cpu in range(nr_cpus):
        s[cpu_base + cpu * CPU_WORDS + C_TID] = cpu  # init_tid(cpu)
    first = arena_start >> PAGE_SHIFT
    heads = [first + (k << order) for k in range(max_slabs)]
    page_alloc_init(s, pa_base, heads, order, page_base)
    return SlubCache(
        s=s,
        name=name,
        object_size=object_size,
        size=size,
        order=order,
        objects=objects,
        min_partial=minp,
        cpu_partial=cpup,
        nr_cpus=nr_cpus,
        max_slabs=max_slabs,
        profile=prof,
        check=bool(check),
    )


# The bulk API lives in skbbench.model.bulk (it imports this module); its names are
# importable from here too, resolved on first use (PEP 562) to avoid an import cycle.
_BULK_NAMES = (
    "BULK_FALLBACK",
    "BULK_BEFORE",
    "BULK_AFTER",
    "BULK_KFREE",
    "VARIANTS",
    "variant_id",
    "kmem_cache_alloc_bulk",
    "kmem_cache_free_bulk",
    "kmem_cache_alloc_bulk_checked",
    "kmem_cache_free_bulk_checked",
    "build_detached_freelist",
)


def __getattr__(name: str) -> Any:
    if name in _BULK_NAMES:
        from skbbench.model import bulk

        return getattr(bulk, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
