"""The slab layer under v7.0's sheaves: node partial lists, no kmem_cache_cpu.

Every function is named after the v7.0 mm/slub.c function it models (docs/sheaves.md).
Slabs are the SLUB model's struct page records (freelist + counters updated together by
``lock cmpxchg16b``), objects are byte offsets into the machine array ``s`` (NULL = 0),
the free pointer sits at ``s->offset`` inside each free object. There are per-node
partial lists under ``n->list_lock`` (pfn-linked, ``SL_partial`` in slab->flags) and
nothing per CPU: objects reach CPUs through the sheaves (skbbench.model.sheaves), which
this layer refills (``refill_objects``) and which flush into it
(``__kmem_cache_free_bulk``). ``___slab_alloc`` serves single objects when the sheaves
cannot (one object per ``cmpxchg`` from a partial slab), ``__slab_free`` frees to a slab.

``kc`` is the compile-time Kconfig (skbbench.model.kconfig_layout through a
harness.flavor.Flavor): SLUB_STATS counts into the cache's counters (sheaves_layout
STAT_ITEMS), NUMA enables the node tests. Locks taken with IRQs saved charge the
``irq_save_restore`` cost (model.costs) when they are released.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.calls import call_out_of_line, call_static
from skbbench.harness.flavor import flavor_field, flavor_has
from skbbench.harness.intrinsics import atomic_add64, cmpxchg64, cmpxchg128, static_branch_nop
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.spin import busy_wait
from skbbench.model.kconfig_layout import (
    LOOKAHEAD_MASK,
    LOOKAHEAD_SHIFT,
    MEMCG_KMEM,
    NUMA,
    SLUB_STATS,
)
from skbbench.model.machine import U_MH_COST_IRQSAVE
from skbbench.model.mm_types import (
    GFP_DIRECT_RECLAIM,
    GFP_NOFAIL,
    GFP_NORETRY,
    GFP_NOWARN,
    PG_HEAD,
    PG_PFMEMALLOC,
)
from skbbench.model.page_alloc import __free_pages, alloc_pages
from skbbench.model.sheaves_layout import (
    _GFP_THISNODE,
    _INFO_NODE,
    _INFO_STACK,
    _INFOW,
    _NO_NODE,
    _NODE_CLEAR,
    _NODE_SHIFT,
    _NODEW,
    _NOT_MODEL_GFP,
    _NOT_SL_PARTIAL,
    _SH_INFO_BASE,
    _SH_NR_NODES,
    _SH_STAT_BASE,
    _SL_PARTIAL,
    _STATW,
    ALLOC_SLAB,
    ALLOC_SLOWPATH,
    CMPXCHG_DOUBLE_FAIL,
    EV_IRQSAVE,
    EV_LIST_LOCK,
    EV_PAGE_ALLOC,
    EV_PAGE_CMPXCHG,
    EV_PAGE_FREE,
    EV_SLAB_FREE,
    FREE_ADD_PARTIAL,
    FREE_REMOVE_PARTIAL,
    FREE_SLAB,
    FREE_SLOWPATH,
    H_ALLOCFLAGS,
    H_CACHE_ID,
    H_ERR_AUX,
    H_GFP_ALLOWED,
    H_HIST_BASE,
    H_HIST_STRIDE,
    H_MIN_OBJECTS,
    H_MIN_ORDER,
    H_MIN_PARTIAL,
    H_NODE_BASE,
    H_OBJECTS,
    H_ORDER,
    H_SIZE,
    ORDER_FALLBACK,
)
from skbbench.model.slub import (
    _inuse,
    _objects,
    _pg,
    get_freepointer,
    set_freepointer,
    virt_to_head_page,
)
from skbbench.model.slub_layout import (
    _MINUS_1,
    _N_HEAD,
    _N_LIST_LOCK,
    _N_NR_PARTIAL,
    _N_NR_SLABS,
    _N_TAIL,
    _N_TOTAL_OBJECTS,
    _NOT_INUSE,
    _NOT_LOW32,
    _NOT_SLAB_FLAGS,
    _PAGE_SHIFT,
    _PG_CH,
    _PG_COUNTERS,
    _PG_FLAGS,
    _PG_NEXT,
    _PG_PREV,
    _PG_SLAB,
    _SLAB_CACHE_SHIFT,
    _0,
    _1,
    _16,
)

_GFP_NOWARN = np.uint64(GFP_NOWARN)
_GFP_NORETRY = np.uint64(GFP_NORETRY)
_NOT_GFP_NOFAIL = np.uint64(0xFFFFFFFFFFFFFFFF ^ GFP_NOFAIL)
_GFP_DIRECT_RECLAIM = np.uint64(GFP_DIRECT_RECLAIM)
_NOT_GFP_DIRECT_RECLAIM = np.uint64(0xFFFFFFFFFFFFFFFF ^ GFP_DIRECT_RECLAIM)
_PG_HEAD_FLAG = np.uint64(PG_HEAD)
_PG_PFMEMALLOC = np.uint64(PG_PFMEMALLOC)
_ADD_TO_HEAD = np.uint64(0)
_ADD_TO_TAIL = np.uint64(1)

# --------------------------------------------------------------------------------------
# Small helpers (inlined)


@njit(inline="always", nogil=True)
def stat(kc, s, cpu, item):
    # stat: raw_cpu_inc(s->cpu_stats->stat[si]) when CONFIG_SLUB_STATS, else nothing
    if flavor_has(kc, SLUB_STATS):
        s[s[_SH_STAT_BASE] + cpu * _STATW + item] += _1


@njit(inline="always", nogil=True)
def stat_add(kc, s, cpu, item, v):
    # stat_add: raw_cpu_add(s->cpu_stats->stat[si], v) when CONFIG_SLUB_STATS
    if flavor_has(kc, SLUB_STATS):
        s[s[_SH_STAT_BASE] + cpu * _STATW + item] += v


@njit(inline="always", nogil=True)
def numa_mem_id(s, cpu):
    # numa_mem_id: this CPU's nearest node with memory (a per-CPU variable)
    return s[s[_SH_INFO_BASE] + cpu * _INFOW + _INFO_NODE]


@njit(inline="always", nogil=True)
def cpu_stack(s, cpu):
    # the word index of this CPU's on-stack arrays (PCS_BATCH_MAX words)
    return s[_SH_INFO_BASE] + cpu * _INFOW + _INFO_STACK


@njit(inline="always", nogil=True)
def get_node(s, node):
    # get_node(s, node): word index of the node's kmem_cache_node
    return s[H_NODE_BASE] + node * _NODEW


@njit(inline="always", nogil=True)
def slab_nid(s, page):
    # slab_nid: the node bits of slab->flags
    return s[_pg(s, page) + _PG_FLAGS] >> _NODE_SHIFT


@njit(inline="always", nogil=True)
def charge_irqsave(kc, s, cpu):
    # local_irq_save + local_irq_restore (inside spin_lock_irqsave/unlock_irqrestore):
    # kernel-only cost, busy-wait
    stat(kc, s, cpu, EV_IRQSAVE)
    busy_wait(np.int64(s[U_MH_COST_IRQSAVE]))


@njit(inline="always", nogil=True)
def list_lock_irqsave(kc, s, cpu, n):
    # spin_lock_irqsave(&n->list_lock, flags)
    stat(kc, s, cpu, EV_LIST_LOCK)
    spin_lock(s, n + _N_LIST_LOCK)


@njit(inline="always", nogil=True)
def list_trylock_irqsave(kc, s, cpu, n):
    # spin_trylock_irqsave(&n->list_lock, flags): True when taken
    if cmpxchg64(s, n + _N_LIST_LOCK, _0, _1) != _0:
        charge_irqsave(kc, s, cpu)
        return False
    stat(kc, s, cpu, EV_LIST_LOCK)
    return True


@njit(inline="always", nogil=True)
def list_unlock_irqrestore(kc, s, cpu, n):
    # spin_unlock_irqrestore(&n->list_lock, flags)
    spin_unlock(s, n + _N_LIST_LOCK)
    charge_irqsave(kc, s, cpu)


@njit(inline="always", nogil=True)
def pfmemalloc_match(s, page, gfp):
    # pfmemalloc_match: a pfmemalloc slab only for gfp allowed the reserves (the model's
    # page allocator never hands out pfmemalloc pages and callers pass __GFP_NOMEMALLOC
    # or nothing that allows them)
    return (s[_pg(s, page) + _PG_FLAGS] & _PG_PFMEMALLOC) == _0


@njit(inline="always", nogil=True)
def slab_update_freelist(kc, s, cpu, pg, old_f, old_c, new_f, new_c):
    # slab_update_freelist / __slab_update_freelist: lock cmpxchg16b on
    # slab->freelist + slab->counters (__CMPXCHG_DOUBLE)
    stat(kc, s, cpu, EV_PAGE_CMPXCHG)
    ok = cmpxchg128(s, pg, old_f, old_c, new_f, new_c)
    if not ok:
        stat(kc, s, cpu, CMPXCHG_DOUBLE_FAIL)
    return ok


@njit(inline="always", nogil=True)
def add_partial(s, n, page, tail):
    # add_partial -> __add_partial: n->nr_partial++, list_add(_tail), SL_partial set
    pg = _pg(s, page)
    s[n + _N_NR_PARTIAL] += _1
    if tail == _ADD_TO_TAIL:
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
    s[pg + _PG_FLAGS] = s[pg + _PG_FLAGS] | _SL_PARTIAL  # slab_set_node_partial


@njit(inline="always", nogil=True)
def remove_partial(s, n, page):
    # remove_partial: list_del(&slab->slab_list), SL_partial cleared, n->nr_partial--
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
    s[pg + _PG_FLAGS] = s[pg + _PG_FLAGS] & _NOT_SL_PARTIAL  # slab_clear_node_partial
    s[n + _N_NR_PARTIAL] -= _1


@njit(inline="always", nogil=True)
def inc_slabs_node(s, n, objects):
    # inc_slabs_node (CONFIG_SLUB_DEBUG): atomic_long_inc/add on the node's counts
    atomic_add64(s, n + _N_NR_SLABS, _1)
    atomic_add64(s, n + _N_TOTAL_OBJECTS, objects)


@njit(inline="always", nogil=True)
def dec_slabs_node(s, n, objects):
    # dec_slabs_node
    atomic_add64(s, n + _N_NR_SLABS, _MINUS_1)
    atomic_add64(s, n + _N_TOTAL_OBJECTS, (objects ^ _MINUS_1) + _1)


# --------------------------------------------------------------------------------------
# New slabs and discarding


@njit(nogil=True, cache=True, _nrt=False)
def allocate_slab(kc, s, cpu, gfp, node):
    # allocate_slab (via new_slab): s->oo with __GFP_NOWARN | __GFP_NORETRY, else s->min
    # (ORDER_FALLBACK); objects linked in address order (no freelist shuffling),
    # inuse 0, not frozen; the page keeps the allocator's refcount and flags
    flags = (gfp & s[H_GFP_ALLOWED]) | s[H_ALLOCFLAGS]
    alloc_gfp = (flags | _GFP_NOWARN | _GFP_NORETRY) & _NOT_GFP_NOFAIL
    if (alloc_gfp & _GFP_DIRECT_RECLAIM) != _0 and s[H_ORDER] > s[H_MIN_ORDER]:
        alloc_gfp = alloc_gfp & _NOT_GFP_DIRECT_RECLAIM  # | __GFP_NOMEMALLOC, ~__GFP_RECLAIM
    order = s[H_ORDER]
    objects = s[H_OBJECTS]
    page = alloc_pages(s, cpu, alloc_gfp & _NOT_MODEL_GFP, order)
    if page == _0:
        order = s[H_MIN_ORDER]
        objects = s[H_MIN_OBJECTS]
        page = alloc_pages(s, cpu, flags & _NOT_MODEL_GFP, order)
        if page == _0:
            return _0
        stat(kc, s, cpu, ORDER_FALLBACK)
    stat(kc, s, cpu, EV_PAGE_ALLOC)
    pg = _pg(s, page)
    # slab->slab_cache = s; __folio_set_slab; the node of the pages (one zone here: the
    # node that asked for them, as page->flags would carry it)
    s[pg + _PG_FLAGS] = (
        (s[pg + _PG_FLAGS] & _NODE_CLEAR)
        | _PG_SLAB
        | (s[H_CACHE_ID] << _SLAB_CACHE_SHIFT)
        | (node << _NODE_SHIFT)
    )
    size = s[H_SIZE]
    start = page << _PAGE_SHIFT
    p = start
    idx = _1
    while idx < objects:  # for (idx = 0, p = start; idx < slab->objects - 1; idx++)
        set_freepointer(s, p, p + size)
        p += size
        idx += _1
    set_freepointer(s, p, _0)
    s[pg + _PG_NEXT] = _0
    s[pg + _PG_PREV] = _0
    s[pg] = start  # slab->freelist = start
    # slab->objects = oo_objects(oo); slab->inuse = 0; slab->frozen = 0
    s[pg + _PG_COUNTERS] = (s[pg + _PG_COUNTERS] & _NOT_LOW32) | (objects << _16)
    return page


@njit(inline="always", nogil=True)
def new_slab(kc, s, cpu, gfp, node):
    # new_slab: allocate_slab(s, flags & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK), node)
    return call_static(allocate_slab, kc, s, cpu, gfp, node)


@njit(nogil=True, cache=True, _nrt=False)
def discard_slab(kc, s, cpu, page):
    # discard_slab: dec_slabs_node + free_slab -> __free_slab -> free_frozen_pages
    pg = _pg(s, page)
    n = get_node(s, slab_nid(s, page))
    dec_slabs_node(s, n, _objects(s[pg + _PG_COUNTERS]))
    order = _0
    if s[pg + _PG_FLAGS] & _PG_HEAD_FLAG:
        order = s[pg + _PG_CH] >> _1  # folio_order
    # __folio_clear_slab, slab->slab_cache, SL_partial; the node bits go with the page
    s[pg + _PG_FLAGS] = s[pg + _PG_FLAGS] & _NOT_SLAB_FLAGS & _NOT_SL_PARTIAL & _NODE_CLEAR
    s[pg] = _0  # page->mapping
    s[pg + _PG_COUNTERS] = s[pg + _PG_COUNTERS] & _NOT_LOW32  # page_mapcount_reset
    stat(kc, s, cpu, EV_PAGE_FREE)
    __free_pages(s, cpu, page, order)


@njit(nogil=True, cache=True, _nrt=False)
def alloc_from_new_slab(kc, s, cpu, page, p, base, count):
    # alloc_from_new_slab: up to ``count`` objects of a new (private) slab into
    # p[base:]; a slab with objects left goes to the head of its node's partial list
    pg = _pg(s, page)
    n = get_node(s, slab_nid(s, page))
    obj = s[pg]
    allocated = _0
    while obj != _0 and allocated < count:
        p[base + allocated] = obj
        obj = get_freepointer(s, obj)
        allocated += _1
    s[pg] = obj  # slab->freelist
    s[pg + _PG_COUNTERS] += allocated  # slab->inuse += allocated
    if obj != _0:
        list_lock_irqsave(kc, s, cpu, n)
        add_partial(s, n, page, _ADD_TO_HEAD)
        list_unlock_irqrestore(kc, s, cpu, n)
    inc_slabs_node(s, n, _objects(s[pg + _PG_COUNTERS]))
    return allocated


# --------------------------------------------------------------------------------------
# Free to a slab


@njit(nogil=True, cache=True, _nrt=False)
def __slab_free(kc, s, cpu, page, head, tail, cnt):
    # __slab_free (v7.0): put cnt objects head..tail of one slab on its freelist with a
    # cmpxchg; the list_lock is taken first only when the slab becomes empty or was full
    stat(kc, s, cpu, EV_SLAB_FREE)
    if flavor_has(kc, SLUB_STATS):
        s[s[H_HIST_BASE] + cpu * s[H_HIST_STRIDE] + cnt] += _1  # objects per call
    pg = _pg(s, page)
    n = _0
    on_node_partial = False
    was_full = False
    new_c = _0
    while True:
        if n != _0:
            list_unlock_irqrestore(kc, s, cpu, n)
            n = _0
        prior = s[pg]
        counters = s[pg + _PG_COUNTERS]
        set_freepointer(s, tail, prior)
        new_c = counters - cnt  # new.inuse -= cnt
        was_full = prior == _0
        if _inuse(new_c) == _0 or was_full:
            n = get_node(s, slab_nid(s, page))
            # speculatively acquire the list_lock: the slab may have to be (re)listed
            list_lock_irqsave(kc, s, cpu, n)
            on_node_partial = (s[pg + _PG_FLAGS] & _SL_PARTIAL) != _0
        if slab_update_freelist(kc, s, cpu, pg, prior, counters, head, new_c):
            break
    if n == _0:
        return  # no list manipulation needed
    if not was_full and not on_node_partial:
        list_unlock_irqrestore(kc, s, cpu, n)  # isolated (being refilled from): leave it
        return
    if _inuse(new_c) == _0 and s[n + _N_NR_PARTIAL] >= s[H_MIN_PARTIAL]:
        # slab_empty:
        if on_node_partial:
            remove_partial(s, n, page)
            stat(kc, s, cpu, FREE_REMOVE_PARTIAL)
        list_unlock_irqrestore(kc, s, cpu, n)
        stat(kc, s, cpu, FREE_SLAB)
        call_static(discard_slab, kc, s, cpu, page)
        return
    if was_full:
        add_partial(s, n, page, _ADD_TO_TAIL)
        stat(kc, s, cpu, FREE_ADD_PARTIAL)
    list_unlock_irqrestore(kc, s, cpu, n)


@njit(inline="always", nogil=True)
def build_detached_freelist(kc, s, size, p, base, kfree):
    # build_detached_freelist (v6.x/v7.0): from the last element of p[base:base+size],
    # chain the objects of its slab into a freelist, moving them to the array tail, and
    # stop after 3 objects of other slabs (lookahead). Returns (size left, slab, head,
    # tail, cnt); the objects of the freelist are p[base+size left : base+size].
    lookahead = flavor_field(kc, LOOKAHEAD_SHIFT, LOOKAHEAD_MASK)
    size -= _1
    obj = p[base + size]
    page = virt_to_head_page(s, obj)
    if kfree:
        # kfree_bulk (s == NULL): the cache comes from the slab (folio_test_slab,
        # slab->slab_cache); a non-slab page would be a large kmalloc (not modelled)
        flags = s[_pg(s, page) + _PG_FLAGS]
        if (flags & _PG_SLAB) == _0 or ((flags >> _SLAB_CACHE_SHIFT) & np.uint64(0xFFFFFF)) != s[
            H_CACHE_ID
        ]:
            s[H_ERR_AUX] = obj
    elif flavor_has(kc, MEMCG_KMEM):
        static_branch_nop()  # cache_from_obj: memcg support off
    tail = obj
    freelist = obj
    cnt = _1
    set_freepointer(s, obj, _0)
    same = size
    while size != _0:
        size -= _1
        obj = p[base + size]
        if page == virt_to_head_page(s, obj):
            set_freepointer(s, obj, freelist)  # opportunity: build the freelist
            freelist = obj
            cnt += _1
            same -= _1
            if size != same:
                tmp = p[base + size]
                p[base + size] = p[base + same]
                p[base + same] = tmp
            continue
        lookahead -= _1  # limit the look-ahead search
        if lookahead == _0:
            break
    return same, page, freelist, tail, cnt


@njit(nogil=True, cache=True, _nrt=False)
def __kmem_cache_free_bulk(kc, s, cpu, size, p, base):
    # __kmem_cache_free_bulk (v7.0): one __slab_free per detached freelist; the free
    # hooks ran before (sheaf flushes, the bulk free's remote and fallback objects)
    while size != _0:
        size, page, head, tail, cnt = build_detached_freelist(kc, s, size, p, base, False)
        call_out_of_line(__slab_free, kc, s, cpu, page, head, tail, cnt)


@njit(inline="always", nogil=True)
def kmem_cache_free_bulk_legacy(kc, s, cpu, size, p, kfree):
    # kmem_cache_free_bulk's loop for caches without sheaves and kfree_bulk (s == NULL):
    # build_detached_freelist -> slab_free_bulk -> __slab_free, counted as frees that
    # bypass the sheaves (FREE_SLOWPATH)
    while size != _0:
        size, page, head, tail, cnt = build_detached_freelist(kc, s, size, p, _0, kfree)
        call_out_of_line(__slab_free, kc, s, cpu, page, head, tail, cnt)
        stat_add(kc, s, cpu, FREE_SLOWPATH, cnt)


# --------------------------------------------------------------------------------------
# Bulk refill from the partial lists and new slabs


@njit(inline="always", nogil=True)
def get_freelist_nofreeze(kc, s, cpu, page):
    # get_freelist_nofreeze: take the whole freelist of an isolated slab by cmpxchg,
    # inuse = objects (the slab now looks full)
    pg = _pg(s, page)
    while True:
        freelist = s[pg]
        counters = s[pg + _PG_COUNTERS]
        new_c = (counters & _NOT_INUSE) | _objects(counters)
        if slab_update_freelist(kc, s, cpu, pg, freelist, counters, _0, new_c):
            return freelist


@njit(nogil=True, cache=True, _nrt=False)
def get_partial_node_bulk(kc, s, cpu, n, gfp, min_, max_, trylock):
    # get_partial_node_bulk: under list_lock, isolate partial slabs from the head until
    # their (racily read) free objects reach max (a slab that would overshoot max is
    # skipped once min is reached). Returns the first isolated slab (a private list
    # linked through slab_list.next) or 0.
    if s[n + _N_NR_PARTIAL] == _0:
        return _0
    if trylock:
        if not list_trylock_irqsave(kc, s, cpu, n):
            return _0
    else:
        list_lock_irqsave(kc, s, cpu, n)
    first = _0
    last = _0
    total = _0
    page = s[n + _N_HEAD]
    while page != _0:
        pg = _pg(s, page)
        nxt = s[pg + _PG_NEXT]
        if not pfmemalloc_match(s, page, gfp):
            page = nxt
            continue
        counters = s[pg + _PG_COUNTERS]
        free = _objects(counters) - _inuse(counters)  # data_race read
        if total >= min_ and total + free > max_:
            break
        remove_partial(s, n, page)
        if last == _0:  # list_add_tail(&slab->slab_list, list)
            first = page
        else:
            s[_pg(s, last) + _PG_NEXT] = page
        last = page
        total += free
        if total >= max_:
            break
        page = nxt
    list_unlock_irqrestore(kc, s, cpu, n)
    return first


@njit(nogil=True, cache=True, _nrt=False)
def __refill_objects_node(kc, s, cpu, p, base, gfp, min_, max_, n, trylock):
    # __refill_objects_node: isolate partial slabs of node n, take each one's whole
    # freelist; objects beyond max go back with __slab_free (the slab looks full, so it
    # returns to the list tail); slabs left unused go back to the head (empty ones
    # beyond min_partial are discarded)
    page = call_static(get_partial_node_bulk, kc, s, cpu, n, gfp, min_, max_, trylock)
    refilled = _0
    while page != _0:
        pg = _pg(s, page)
        nxt = s[pg + _PG_NEXT]
        s[pg + _PG_NEXT] = _0
        if refilled >= max_:
            list_lock_irqsave(kc, s, cpu, n)
            if _inuse(s[pg + _PG_COUNTERS]) == _0 and s[n + _N_NR_PARTIAL] >= s[H_MIN_PARTIAL]:
                list_unlock_irqrestore(kc, s, cpu, n)
                stat(kc, s, cpu, FREE_SLAB)
                call_static(discard_slab, kc, s, cpu, page)
            else:
                add_partial(s, n, page, _ADD_TO_HEAD)
                list_unlock_irqrestore(kc, s, cpu, n)
            page = nxt
            continue
        obj = get_freelist_nofreeze(kc, s, cpu, page)
        while obj != _0 and refilled < max_:
            p[base + refilled] = obj
            obj = get_freepointer(s, obj)
            refilled += _1
        if obj != _0:
            tail = obj
            cnt = _1
            o = get_freepointer(s, tail)
            while o != _0:
                tail = o
                cnt += _1
                o = get_freepointer(s, tail)
            call_out_of_line(__slab_free, kc, s, cpu, page, obj, tail, cnt)
        page = nxt
    return refilled


@njit(nogil=True, cache=True, _nrt=False)
def __refill_objects_any(kc, s, cpu, p, base, gfp, min_, max_):
    # __refill_objects_any: the other nodes' partial lists (those above min_partial),
    # trylock only. remote_node_defrag_ratio's get_cycles() % 1024 gate (default 1000)
    # is taken as passed: the model stays deterministic.
    nodes = s[_SH_NR_NODES]
    local = numa_mem_id(s, cpu)
    refilled = _0
    k = _1
    while k < nodes and refilled < min_:
        node = (local + k) % nodes
        k += _1
        n = get_node(s, node)
        if s[n + _N_NR_PARTIAL] <= s[H_MIN_PARTIAL]:
            continue
        refilled += __refill_objects_node(
            kc, s, cpu, p, base + refilled, gfp, min_ - refilled, max_ - refilled, n, True
        )
    return refilled


@njit(nogil=True, cache=True, _nrt=False)
def refill_objects(kc, s, cpu, p, base, gfp, min_, max_):
    # refill_objects: between min and max objects into p[base:] from the local node's
    # partial list, the other nodes', then new slabs of the local node; returns the
    # count (less than min only when out of memory)
    local = numa_mem_id(s, cpu)
    refilled = call_static(
        __refill_objects_node, kc, s, cpu, p, base, gfp, min_, max_, get_node(s, local), False
    )
    if flavor_has(kc, NUMA):
        if refilled < min_ and s[_SH_NR_NODES] > _1:
            refilled += call_static(
                __refill_objects_any,
                kc,
                s,
                cpu,
                p,
                base + refilled,
                gfp,
                min_ - refilled,
                max_ - refilled,
            )
    while refilled < min_:
        page = new_slab(kc, s, cpu, gfp, local)
        if page == _0:
            break
        stat(kc, s, cpu, ALLOC_SLAB)
        refilled += call_static(
            alloc_from_new_slab, kc, s, cpu, page, p, base + refilled, max_ - refilled
        )
    return refilled


@njit(nogil=True, cache=True, _nrt=False)
def __kmem_cache_alloc_bulk(kc, s, cpu, gfp, size, p, base):
    # __kmem_cache_alloc_bulk (v7.0): refill_objects(min = max = size) straight from the
    # slabs (ALLOC_SLOWPATH counts them); all or nothing
    got = call_out_of_line(refill_objects, kc, s, cpu, p, base, gfp, size, size)
    stat_add(kc, s, cpu, ALLOC_SLOWPATH, got)
    if got < size:
        if got != _0:
            call_out_of_line(__kmem_cache_free_bulk, kc, s, cpu, got, p, base)
        return _0
    return size


# --------------------------------------------------------------------------------------
# Single-object slow path


@njit(nogil=True, cache=True, _nrt=False)
def get_from_partial_node(kc, s, cpu, n, gfp):
    # get_from_partial_node: under list_lock, pop ONE object of the first suitable
    # partial slab by cmpxchg (inuse++); unlist the slab if its freelist ran out
    if s[n + _N_NR_PARTIAL] == _0:
        return _0
    list_lock_irqsave(kc, s, cpu, n)
    obj = _0
    page = s[n + _N_HEAD]
    while page != _0:
        pg = _pg(s, page)
        nxt = s[pg + _PG_NEXT]
        if not pfmemalloc_match(s, page, gfp):
            page = nxt
            continue
        new_f = _0
        while True:
            old_f = s[pg]
            old_c = s[pg + _PG_COUNTERS]
            new_f = get_freepointer(s, old_f)
            if slab_update_freelist(kc, s, cpu, pg, old_f, old_c, new_f, old_c + _1):
                obj = old_f
                break
        if new_f == _0:
            remove_partial(s, n, page)
        break
    list_unlock_irqrestore(kc, s, cpu, n)
    return obj


@njit(nogil=True, cache=True, _nrt=False)
def get_from_any_partial(kc, s, cpu, gfp, searchnode):
    # get_from_any_partial: other nodes with more than min_partial partial slabs
    # (remote_node_defrag_ratio's gate taken as passed, as in __refill_objects_any)
    nodes = s[_SH_NR_NODES]
    k = _1
    while k < nodes:
        n = get_node(s, (searchnode + k) % nodes)
        k += _1
        if s[n + _N_NR_PARTIAL] > s[H_MIN_PARTIAL]:
            obj = call_static(get_from_partial_node, kc, s, cpu, n, gfp)
            if obj != _0:
                return obj
    return _0


@njit(nogil=True, cache=True, _nrt=False)
def ___slab_alloc(kc, s, cpu, gfp, node):
    # ___slab_alloc (v7.0): one object from a partial slab (this node, then others),
    # else from a new slab; a preferred node is tried alone first (GFP_NOWAIT |
    # __GFP_THISNODE), then without the restriction
    stat(kc, s, cpu, ALLOC_SLOWPATH)
    flags = gfp
    forced = False
    if node != _NO_NODE and (gfp & _GFP_THISNODE) == _0:
        flags = _GFP_THISNODE  # GFP_NOWAIT | __GFP_THISNODE
        forced = True
    searchnode = node
    if searchnode == _NO_NODE or searchnode >= s[_SH_NR_NODES]:
        searchnode = numa_mem_id(s, cpu)
    while True:
        obj = call_static(get_from_partial_node, kc, s, cpu, get_node(s, searchnode), flags)
        if obj != _0:
            return obj
        if flavor_has(kc, NUMA) and (flags & _GFP_THISNODE) == _0 and s[_SH_NR_NODES] > _1:
            obj = call_static(get_from_any_partial, kc, s, cpu, flags, searchnode)
            if obj != _0:
                return obj
        page = new_slab(kc, s, cpu, flags, searchnode)
        if page == _0:
            if forced:
                flags = gfp
                forced = False
                continue
            return _0  # slab_out_of_memory
        stat(kc, s, cpu, ALLOC_SLAB)
        stack = cpu_stack(s, cpu)
        call_static(alloc_from_new_slab, kc, s, cpu, page, s, stack, _1)
        return s[stack]
