"""SLUB (v4.4) hot path on real memory: fastpaths, slowpaths, partial lists, deactivation.

Every function is named after the kernel function it models (mm/slub.c, v4.4). The
state is one uint64 array ``s`` (layout in skbbench.model.slub_layout, explained in
docs/model.md); object pointers are byte offsets into ``s`` (NULL = 0). Entry points:
``kmem_cache_alloc(s, cpu)`` and ``kmem_cache_free(s, cpu, x)`` (inlined into callers,
like the kernel's __always_inline slab_alloc_node/slab_free); the bulk API is in
skbbench.model.bulk, the SLUB_DEBUG-like checker in skbbench.model.slub_debug, cache
creation in skbbench.model.slub_create.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.intrinsics import atomic_add64, barrier, cmpxchg64, cmpxchg128
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.spin import busy_wait
from skbbench.model.machine import (
    U_MH_COST_IRQ,
    U_MH_COST_IRQSAVE,
    U_MH_COST_PREEMPT,
    U_MH_NR_CPUS,
    U_MH_VMEMMAP,
)
from skbbench.model.mm_types import GFP_NORETRY, GFP_NOWARN, PG_HEAD
from skbbench.model.page_alloc import __free_pages, alloc_pages, compound_head
from skbbench.model.slub_layout import (
    _C_FREELIST,
    _C_PAGE,
    _C_PARTIAL,
    _C_TID,
    _CPUW,
    _FROZEN,
    _INUSE_MASK,
    _M_FREE,
    _M_FULL,
    _M_NONE,
    _M_PARTIAL,
    _MINUS_1,
    _N_HEAD,
    _N_LIST_LOCK,
    _N_NR_PARTIAL,
    _N_NR_SLABS,
    _N_TAIL,
    _N_TOTAL_OBJECTS,
    _NOT_FROZEN,
    _NOT_INUSE,
    _NOT_LOW32,
    _NOT_SLAB_FLAGS,
    _OBJECTS_MASK,
    _PAGE_SHIFT,
    _PG_CH,
    _PG_COUNTERS,
    _PG_FLAGS,
    _PG_NEXT,
    _PG_PAGES,
    _PG_POBJECTS,
    _PG_PREV,
    _PG_SLAB,
    _RECW,
    _SLAB_CACHE_SHIFT,
    _STATW,
    ALLOC_FASTPATH,
    ALLOC_FROM_PARTIAL,
    ALLOC_REFILL,
    ALLOC_SLAB,
    ALLOC_SLOWPATH,
    CMPXCHG_DOUBLE_CPU_FAIL,
    CMPXCHG_DOUBLE_FAIL,
    CPU_PARTIAL_ALLOC,
    CPU_PARTIAL_DRAIN,
    CPU_PARTIAL_FREE,
    CPU_PARTIAL_NODE,
    CPUSLAB_FLUSH,
    DEACTIVATE_BYPASS,
    DEACTIVATE_EMPTY,
    DEACTIVATE_FULL,
    DEACTIVATE_REMOTE_FREES,
    DEACTIVATE_TO_HEAD,
    DEACTIVATE_TO_TAIL,
    EV_CPU_CMPXCHG,
    EV_IRQ,
    EV_IRQSAVE,
    EV_LIST_LOCK,
    EV_PAGE_ALLOC,
    EV_PAGE_CMPXCHG,
    EV_PAGE_FREE,
    FREE_ADD_PARTIAL,
    FREE_FASTPATH,
    FREE_FROZEN,
    FREE_REMOVE_PARTIAL,
    FREE_SLAB,
    FREE_SLOWPATH,
    H_ALLOCFLAGS,
    H_CACHE_ID,
    H_CPU_BASE,
    H_CPU_PARTIAL,
    H_HIST_BASE,
    H_HIST_STRIDE,
    H_MIN_OBJECTS,
    H_MIN_ORDER,
    H_MIN_PARTIAL,
    H_NODE_BASE,
    H_OBJECTS,
    H_OFFSET,
    H_ORDER,
    H_SIZE,
    H_STAT_BASE,
    H_TID_STEP,
    ORDER_FALLBACK,
    _0,
    _1,
    _3,
    _16,
    _31,
)

_GFP_NOWARN = np.uint64(GFP_NOWARN)
_GFP_NORETRY = np.uint64(GFP_NORETRY)
_PG_HEAD_FLAG = np.uint64(PG_HEAD)

# --------------------------------------------------------------------------------------
# Small helpers (inlined: straight-line code only)


@njit(nogil=True, cache=True, _nrt=False)
def _cpu(s, cpu):
    # this_cpu_ptr(s->cpu_slab): word index of CPU ``cpu``'s kmem_cache_cpu
    return s[H_CPU_BASE] + cpu * _CPUW


@njit(nogil=True, cache=True, _nrt=False)
def _pg(s, page):
    # struct page of pfn ``page``: word index of its record (vmemmap + pfn)
    return s[U_MH_VMEMMAP] + page * _RECW


@njit(nogil=True, cache=True, _nrt=False)
def _node(s):
    # get_node(s, page_to_nid(page)): the single node
    return s[H_NODE_BASE]


@njit(nogil=True, cache=True, _nrt=False)
def stat(s, cpu, item):
    # stat: raw_cpu_inc(s->cpu_slab->stat[si]) (CONFIG_SLUB_STATS)
    i = s[H_STAT_BASE] + cpu * _STATW + item
    s[i] += _1


@njit(nogil=True, cache=True, _nrt=False)
def get_freepointer(s, obj):
    # get_freepointer: *(void **)(object + s->offset)
    return s[(obj + s[H_OFFSET]) >> _3]


@njit(nogil=True, cache=True, _nrt=False)
def set_freepointer(s, obj, fp):
    # set_freepointer: *(void **)(object + s->offset) = fp
    s[(obj + s[H_OFFSET]) >> _3] = fp


@njit(nogil=True, cache=True, _nrt=False)
def next_tid(s, tid):
    # next_tid: tid + TID_STEP
    return tid + s[H_TID_STEP]


@njit(nogil=True, cache=True, _nrt=False)
def virt_to_head_page(s, x):
    # virt_to_head_page: compound_head(virt_to_page(x)), reads the (tail) struct page
    return compound_head(s, x >> _PAGE_SHIFT)


@njit(nogil=True, cache=True, _nrt=False)
def _inuse(counters):
    # page->inuse
    return counters & _INUSE_MASK


@njit(nogil=True, cache=True, _nrt=False)
def _objects(counters):
    # page->objects
    return (counters >> _16) & _OBJECTS_MASK


@njit(nogil=True, cache=True, _nrt=False)
def _frozen(counters):
    # page->frozen
    return (counters >> _31) & _1


@njit(nogil=True, cache=True, _nrt=False)
def _charge_irq(s, cpu):
    # local_irq_disable + local_irq_enable: kernel-only cost, busy-wait
    stat(s, cpu, EV_IRQ)
    busy_wait(np.int64(s[U_MH_COST_IRQ]))


@njit(nogil=True, cache=True, _nrt=False)
def _charge_irqsave(s, cpu):
    # local_irq_save + local_irq_restore: kernel-only cost, busy-wait
    stat(s, cpu, EV_IRQSAVE)
    busy_wait(np.int64(s[U_MH_COST_IRQSAVE]))


@njit(nogil=True, cache=True, _nrt=False)
def _list_lock(s, cpu):
    # spin_lock(&n->list_lock)
    stat(s, cpu, EV_LIST_LOCK)
    spin_lock(s, s[H_NODE_BASE] + _N_LIST_LOCK)


@njit(nogil=True, cache=True, _nrt=False)
def _list_unlock(s):
    # spin_unlock(&n->list_lock)
    spin_unlock(s, s[H_NODE_BASE] + _N_LIST_LOCK)


# --------------------------------------------------------------------------------------
# Page-level primitives and lists


@njit(nogil=True, cache=True, _nrt=False)
def __cmpxchg_double_slab(s, cpu, pg, old_f, old_c, new_f, new_c):
    # __cmpxchg_double_slab / cmpxchg_double_slab: lock cmpxchg16b on freelist+counters
    stat(s, cpu, EV_PAGE_CMPXCHG)
    ok = cmpxchg128(s, pg, old_f, old_c, new_f, new_c)
    if not ok:
        stat(s, cpu, CMPXCHG_DOUBLE_FAIL)
    return ok


@njit(nogil=True, cache=True, _nrt=False)
def add_partial(s, page, tail):
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
def remove_partial(s, page):
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
def alloc_slab_page(s, cpu, gfp, order):
    # alloc_slab_page: alloc_pages(flags | __GFP_NOTRACK, order) from the machine's allocator
    return alloc_pages(s, cpu, gfp, order)


@njit(nogil=True, cache=True, _nrt=False)
def allocate_slab(s, cpu):
    # allocate_slab (via new_slab): alloc_slab_page (s->min order on failure), link all
    # objects, freeze; the page keeps the allocator's refcount 1 and flags
    order = s[H_ORDER]
    objects = s[H_OBJECTS]
    # alloc_gfp = (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL, GFP_ATOMIC here
    page = alloc_slab_page(s, cpu, s[H_ALLOCFLAGS] | _GFP_NOWARN | _GFP_NORETRY, order)
    if page == _0:
        # oo = s->min; alloc_gfp = flags: allocation may fail, fall back to the minimum
        order = s[H_MIN_ORDER]
        objects = s[H_MIN_OBJECTS]
        page = alloc_slab_page(s, cpu, s[H_ALLOCFLAGS], order)
        if page == _0:
            return _0
        stat(s, cpu, ORDER_FALLBACK)
    stat(s, cpu, EV_PAGE_ALLOC)
    pg = _pg(s, page)
    size = s[H_SIZE]
    # page->objects = oo_objects(oo); page->slab_cache = s; __SetPageSlab(page)
    s[pg + _PG_FLAGS] = s[pg + _PG_FLAGS] | _PG_SLAB | (s[H_CACHE_ID] << _SLAB_CACHE_SHIFT)
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
    # page->inuse = page->objects; page->frozen = 1 (bit fields: _count untouched)
    s[pg + _PG_COUNTERS] = (
        (s[pg + _PG_COUNTERS] & _NOT_LOW32) | objects | (objects << _16) | _FROZEN
    )
    n = _node(s)
    atomic_add64(s, n + _N_NR_SLABS, _1)  # inc_slabs_node
    atomic_add64(s, n + _N_TOTAL_OBJECTS, objects)
    return page


@njit(nogil=True, cache=True, _nrt=False)
def discard_slab(s, cpu, page):
    # discard_slab: dec_slabs_node + free_slab -> __free_slab -> __free_pages
    n = _node(s)
    pg = _pg(s, page)
    objects = _objects(s[pg + _PG_COUNTERS])
    atomic_add64(s, n + _N_NR_SLABS, _MINUS_1)
    atomic_add64(s, n + _N_TOTAL_OBJECTS, (objects ^ _MINUS_1) + _1)
    # __free_slab: order = compound_order(page)
    order = _0
    if s[pg + _PG_FLAGS] & _PG_HEAD_FLAG:
        order = s[pg + _PG_CH] >> _1
    s[pg + _PG_FLAGS] = s[pg + _PG_FLAGS] & _NOT_SLAB_FLAGS  # __ClearPageSlab, slab_cache
    s[pg] = _0  # page->mapping = NULL (the freelist word)
    s[pg + _PG_COUNTERS] = s[pg + _PG_COUNTERS] & _NOT_LOW32  # page_mapcount_reset
    stat(s, cpu, EV_PAGE_FREE)
    __free_pages(s, cpu, page, order)


# --------------------------------------------------------------------------------------
# CPU partial lists


@njit(nogil=True, cache=True, _nrt=False)
def unfreeze_partials(s, cpu):
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
def put_cpu_partial(s, cpu, page, drain):
    # put_cpu_partial: push a frozen slab on c->partial, draining when over cpu_partial
    c = _cpu(s, cpu)
    pg = _pg(s, page)
    busy_wait(np.int64(s[U_MH_COST_PREEMPT]))  # preempt_disable + preempt_enable
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
def deactivate_slab(s, cpu, page, freelist):
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
def flush_slab(s, cpu):
    # flush_slab: deactivate the cpu slab
    c = _cpu(s, cpu)
    stat(s, cpu, CPUSLAB_FLUSH)
    deactivate_slab(s, cpu, s[c + _C_PAGE], s[c + _C_FREELIST])
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    s[c + _C_PAGE] = _0
    s[c + _C_FREELIST] = _0


@njit(nogil=True, cache=True, _nrt=False)
def __flush_cpu_slab(s, cpu):
    # __flush_cpu_slab: flush the cpu slab and unfreeze the cpu partial list
    c = _cpu(s, cpu)
    if s[c + _C_PAGE] != _0:
        flush_slab(s, cpu)
    unfreeze_partials(s, cpu)


# --------------------------------------------------------------------------------------
# Allocation


@njit(nogil=True, cache=True, _nrt=False)
def acquire_slab(s, cpu, page, mode):
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
def get_partial_node(s, cpu):
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
def new_slab_objects(s, cpu):
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
def get_freelist(s, cpu, page):
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
def ___slab_alloc(s, cpu):
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
def __slab_alloc(s, cpu):
    # __slab_alloc: local_irq_save; ___slab_alloc; local_irq_restore
    obj = ___slab_alloc(s, cpu)
    _charge_irqsave(s, cpu)
    return obj


@njit(inline="always", nogil=True)
def slab_alloc_node(s, cpu):
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
def __slab_free(s, cpu, page, head, tail, cnt):
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
def slab_free(s, cpu, page, head, tail, cnt):
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
# Public entry points (what other models and the benchmarks call)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc(s, cpu):
    # kmem_cache_alloc -> slab_alloc -> slab_alloc_node on simulated CPU ``cpu``
    return slab_alloc_node(s, np.uint64(cpu))


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free(s, cpu, x):
    # kmem_cache_free -> slab_free(s, virt_to_head_page(x), x, NULL, 1)
    x = np.uint64(x)
    slab_free(s, np.uint64(cpu), virt_to_head_page(s, x), x, _0, _1)


@njit(nogil=True, cache=True, _nrt=False)
def flush_all(s):
    # flush_all: __flush_cpu_slab on every CPU (the IPI work), no cost charged
    cpu = _0
    while cpu < s[U_MH_NR_CPUS]:
        __flush_cpu_slab(s, cpu)
        cpu += _1


@njit(nogil=True, cache=True, _nrt=False)
def discard_empty_partials(s):
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
