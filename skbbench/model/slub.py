"""SLUB (v4.4) hot path on real memory: fastpaths, slowpaths, partial lists, deactivation.

Every function is named after the kernel function it models (mm/slub.c, v4.4). The
state is one uint64 array ``s`` (layout in skbbench.model.slub_layout, explained in
docs/model.md); object pointers are byte offsets into ``s`` (NULL = 0). ``kc`` is the
compile-time Kconfig (skbbench.model.kconfig_layout through a harness.flavor.Flavor):
what it turns off is not compiled. Call boundaries are the kernel's: the exported
``kmem_cache_alloc_export`` / ``kmem_cache_free_export`` are real calls
(``call_out_of_line``) with ``slab_alloc_node`` / ``slab_free`` inlined into them, as are
the slowpaths ``__slab_alloc``, ``___slab_alloc`` and ``__slab_free``; other static
functions are ``call_static`` (LLVM decides, as gcc does). ``kmem_cache_alloc(s, cpu)``
and ``kmem_cache_free(s, cpu, x)`` keep their old form for other models (default
Kconfig, counters on). The bulk API is in skbbench.model.bulk, the SLUB_DEBUG-like
checker in skbbench.model.slub_debug, cache creation in skbbench.model.slub_create.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.calls import call_out_of_line, call_static
from skbbench.harness.flavor import Flavor, flavor_has
from skbbench.harness.intrinsics import (
    atomic_add64,
    barrier,
    cmpxchg64,
    cmpxchg64_local,
    cmpxchg128,
    cmpxchg128_local,
    prefetch,
    static_branch_nop,
)
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.spin import busy_wait
from skbbench.model.kconfig_layout import (
    FAILSLAB,
    LOCKED_CPU_CMPXCHG,
    MEMCG_KMEM,
    MEMCG_KMEM_ACTIVE,
    NUMA,
    PREEMPT,
    SLUB_STATS,
    TRACEPOINTS,
    default_flags,
)
from skbbench.model.machine import (
    U_MH_COST_IRQ,
    U_MH_COST_IRQSAVE,
    U_MH_COST_PREEMPT,
    U_MH_NR_CPUS,
    U_MH_VMEMMAP,
)
from skbbench.model.mm_types import (
    GFP_DIRECT_RECLAIM,
    GFP_NOACCOUNT,
    GFP_NOFAIL,
    GFP_NORETRY,
    GFP_NOWARN,
    GFP_ZERO,
    PG_HEAD,
    PG_PFMEMALLOC,
)
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
    _SLAB_CACHE_MASK,
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
    CSS_MEM,
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
    FA_IGNORE_GFP_WAIT,
    FA_PROBABILITY,
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
    H_FLAGS,
    H_GFP_ALLOWED,
    H_HIST_BASE,
    H_HIST_STRIDE,
    H_KCTX_BASE,
    H_MIN_OBJECTS,
    H_MIN_ORDER,
    H_MIN_PARTIAL,
    H_NODE_BASE,
    H_OBJECT_SIZE,
    H_OBJECTS,
    H_OFFSET,
    H_ORDER,
    H_SIZE,
    H_STAT_BASE,
    H_TID_STEP,
    IRQ_CONTEXT_MASK,
    KC_CURRENT,
    KC_PREEMPT_COUNT,
    KCTX_CPU_WORDS,
    MEMCG_CSS_FLAGS,
    MEMCG_IS_ROOT_CACHE,
    MEMCG_KMEMCG_ID,
    MM_OWNER,
    ORDER_FALLBACK,
    PF_KTHREAD,
    SLAB_DEBUG_FREE,
    T_CGROUPS,
    T_FATAL,
    T_FLAGS,
    T_MEMCG_SKIP,
    T_MM,
    _0,
    _1,
    _3,
    _16,
    _31,
)

_GFP_NOWARN = np.uint64(GFP_NOWARN)
_GFP_NORETRY = np.uint64(GFP_NORETRY)
_GFP_ZERO = np.uint64(GFP_ZERO)
_GFP_NOACCOUNT = np.uint64(GFP_NOACCOUNT)
_GFP_NOFAIL = np.uint64(GFP_NOFAIL)
_GFP_DIRECT_RECLAIM = np.uint64(GFP_DIRECT_RECLAIM)
_PG_HEAD_FLAG = np.uint64(PG_HEAD)
_PG_PFMEMALLOC = np.uint64(PG_PFMEMALLOC)
_7 = np.uint64(7)
_SLAB_DEBUG_FREE = np.uint64(SLAB_DEBUG_FREE)
_KCTX_CPU_WORDS = np.uint64(KCTX_CPU_WORDS)
_KC_CURRENT = np.uint64(KC_CURRENT)
_KC_PREEMPT_COUNT = np.uint64(KC_PREEMPT_COUNT)
_T_MM = np.uint64(T_MM)
_T_FLAGS = np.uint64(T_FLAGS)
_T_MEMCG_SKIP = np.uint64(T_MEMCG_SKIP)
_T_CGROUPS = np.uint64(T_CGROUPS)
_T_FATAL = np.uint64(T_FATAL)
_MM_OWNER = np.uint64(MM_OWNER)
_CSS_MEM = np.uint64(CSS_MEM)
_MEMCG_CSS_FLAGS = np.uint64(MEMCG_CSS_FLAGS)
_MEMCG_KMEMCG_ID = np.uint64(MEMCG_KMEMCG_ID)
_MEMCG_IS_ROOT_CACHE = np.uint64(MEMCG_IS_ROOT_CACHE)
_FA_PROBABILITY = np.uint64(FA_PROBABILITY)
_FA_IGNORE_GFP_WAIT = np.uint64(FA_IGNORE_GFP_WAIT)
_PF_KTHREAD = np.uint64(PF_KTHREAD)
_IRQ_CONTEXT_MASK = np.uint64(IRQ_CONTEXT_MASK)
_SIGN = np.uint64(1 << 63)
_KCTX_TASK = np.uint64(0)  # offsets of the records after the per-CPU part
_KCTX_MM = np.uint64(8)
_KCTX_CSS_SET = np.uint64(16)
_KCTX_MEMCG = np.uint64(24)
_KCTX_FAULT_ATTR = np.uint64(32)

# The Kconfig other models get through kmem_cache_alloc/kmem_cache_free (counters on:
# their tests read them); the bulk benchmarks pass their own (skbbench.bench).
KC_DEFAULT = Flavor(default_flags() | SLUB_STATS)

# --------------------------------------------------------------------------------------
# Small helpers (inlined: straight-line code only)


@njit(inline="always", nogil=True)
def _cpu(s, cpu):
    # this_cpu_ptr(s->cpu_slab): word index of CPU ``cpu``'s kmem_cache_cpu
    return s[H_CPU_BASE] + cpu * _CPUW


@njit(inline="always", nogil=True)
def _pg(s, page):
    # struct page of pfn ``page``: word index of its record (vmemmap + pfn)
    return s[U_MH_VMEMMAP] + page * _RECW


@njit(inline="always", nogil=True)
def _node(s):
    # get_node(s, page_to_nid(page)): the single node
    return s[H_NODE_BASE]


@njit(inline="always", nogil=True)
def stat(kc, s, cpu, item):
    # stat: raw_cpu_inc(s->cpu_slab->stat[si]) when CONFIG_SLUB_STATS, else nothing
    if flavor_has(kc, SLUB_STATS):
        i = s[H_STAT_BASE] + cpu * _STATW + item
        s[i] += _1


@njit(inline="always", nogil=True)
def stat_add(kc, s, cpu, item, n):
    # the model's own event counters (bulk objects): += n when counters are compiled in
    if flavor_has(kc, SLUB_STATS):
        i = s[H_STAT_BASE] + cpu * _STATW + item
        s[i] += n


@njit(inline="always", nogil=True)
def get_freepointer(s, obj):
    # get_freepointer: *(void **)(object + s->offset)
    return s[(obj + s[H_OFFSET]) >> _3]


@njit(inline="always", nogil=True)
def set_freepointer(s, obj, fp):
    # set_freepointer: *(void **)(object + s->offset) = fp
    s[(obj + s[H_OFFSET]) >> _3] = fp


@njit(inline="always", nogil=True)
def prefetch_freepointer(s, obj):
    # prefetch_freepointer: prefetch(object + s->offset) (prefetchnta; NULL is harmless)
    prefetch(s, obj + s[H_OFFSET])


@njit(inline="always", nogil=True)
def next_tid(s, tid):
    # next_tid: tid + TID_STEP
    return tid + s[H_TID_STEP]


@njit(inline="always", nogil=True)
def virt_to_head_page(s, x):
    # virt_to_head_page: compound_head(virt_to_page(x)), reads the (tail) struct page
    return compound_head(s, x >> _PAGE_SHIFT)


@njit(inline="always", nogil=True)
def _inuse(counters):
    # page->inuse
    return counters & _INUSE_MASK


@njit(inline="always", nogil=True)
def _objects(counters):
    # page->objects
    return (counters >> _16) & _OBJECTS_MASK


@njit(inline="always", nogil=True)
def _frozen(counters):
    # page->frozen
    return (counters >> _31) & _1


@njit(inline="always", nogil=True)
def _charge_irq(kc, s, cpu):
    # local_irq_disable + local_irq_enable: kernel-only cost, busy-wait
    stat(kc, s, cpu, EV_IRQ)
    busy_wait(np.int64(s[U_MH_COST_IRQ]))


@njit(inline="always", nogil=True)
def _charge_irqsave(kc, s, cpu):
    # local_irq_save + local_irq_restore: kernel-only cost, busy-wait
    stat(kc, s, cpu, EV_IRQSAVE)
    busy_wait(np.int64(s[U_MH_COST_IRQSAVE]))


@njit(inline="always", nogil=True)
def _list_lock(kc, s, cpu):
    # spin_lock(&n->list_lock)
    stat(kc, s, cpu, EV_LIST_LOCK)
    spin_lock(s, s[H_NODE_BASE] + _N_LIST_LOCK)


@njit(inline="always", nogil=True)
def _list_unlock(s):
    # spin_unlock(&n->list_lock)
    spin_unlock(s, s[H_NODE_BASE] + _N_LIST_LOCK)


@njit(inline="always", nogil=True)
def this_cpu_cmpxchg_double(kc, s, c, o1, o2, n1, n2):
    # this_cpu_cmpxchg_double: cmpxchg16b without lock on the CPU's freelist+tid
    # (the what-if LOCKED_CPU_CMPXCHG uses lock cmpxchg16b, as the model did before)
    if flavor_has(kc, LOCKED_CPU_CMPXCHG):
        return cmpxchg128(s, c, o1, o2, n1, n2)
    return cmpxchg128_local(s, c, o1, o2, n1, n2)


@njit(inline="always", nogil=True)
def this_cpu_cmpxchg(kc, s, i, old, new):
    # this_cpu_cmpxchg: cmpxchg without lock on a per-CPU word; returns the value found
    if flavor_has(kc, LOCKED_CPU_CMPXCHG):
        return cmpxchg64(s, i, old, new)
    return cmpxchg64_local(s, i, old, new)


# --------------------------------------------------------------------------------------
# Hooks of the v4.4 era (mm/slab.h, include/linux/memcontrol.h): what they run depends on
# the Kconfig (kconfig_layout; defaults of a distribution kernel: docs/model.md).


@njit(inline="always", nogil=True)
def _current(s, cpu):
    # current: this CPU's task record (get_current, a per-CPU read)
    return s[s[H_KCTX_BASE] + cpu * _KCTX_CPU_WORDS + _KC_CURRENT]


@njit(nogil=True, cache=True, _nrt=False)
def __memcg_kmem_get_cache(kc, s, cpu):
    # __memcg_kmem_get_cache (mm/memcontrol.c): the task's memcg; the root memcg has no
    # kmemcg_id, so the root cache is used (get_mem_cgroup_from_mm / css_put on a
    # CSS_NO_REF css take no reference)
    task = _current(s, cpu)
    if s[task + _T_MEMCG_SKIP] != _0:
        return _0
    barrier()  # get_mem_cgroup_from_mm: rcu_read_lock (PREEMPT=n: a compiler barrier)
    mm = s[task + _T_MM]
    owner = s[mm + _MM_OWNER]  # rcu_dereference(mm->owner)
    memcg = s[s[owner + _T_CGROUPS] + _CSS_MEM]  # mem_cgroup_from_task
    if memcg == _0:
        memcg = s[H_KCTX_BASE] + s[U_MH_NR_CPUS] * _KCTX_CPU_WORDS + _KCTX_MEMCG
    flags = s[memcg + _MEMCG_CSS_FLAGS]  # css_tryget_online: CSS_NO_REF -> true
    barrier()  # rcu_read_unlock
    kmemcg_id = s[memcg + _MEMCG_KMEMCG_ID]  # READ_ONCE(memcg->kmemcg_id)
    if kmemcg_id & _SIGN:
        return flags & _0  # out: css_put (CSS_NO_REF: nothing); return cachep
    return kmemcg_id


@njit(inline="always", nogil=True)
def memcg_kmem_get_cache(kc, s, cpu, gfp):
    # memcg_kmem_get_cache: static key, then the checks, then the out-of-line lookup
    if flavor_has(kc, MEMCG_KMEM):
        if not flavor_has(kc, MEMCG_KMEM_ACTIVE):
            static_branch_nop()  # memcg_kmem_enabled(): off
        elif (gfp & (_GFP_NOACCOUNT | _GFP_NOFAIL)) == _0:
            ctx = s[H_KCTX_BASE] + cpu * _KCTX_CPU_WORDS
            task = s[ctx + _KC_CURRENT]
            if (s[ctx + _KC_PREEMPT_COUNT] & _IRQ_CONTEXT_MASK) == _0 and s[task + _T_MM] != _0:
                if (s[task + _T_FLAGS] & _PF_KTHREAD) == _0 and s[task + _T_FATAL] == _0:
                    call_out_of_line(__memcg_kmem_get_cache, kc, s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def __memcg_kmem_put_cache(kc, s, cpu):
    # __memcg_kmem_put_cache: css_put of a memcg cache's memcg (a root cache: nothing)
    memcg = s[H_KCTX_BASE] + s[U_MH_NR_CPUS] * _KCTX_CPU_WORDS + _KCTX_MEMCG
    return s[memcg + _MEMCG_IS_ROOT_CACHE]


@njit(inline="always", nogil=True)
def memcg_kmem_put_cache(kc, s, cpu):
    # memcg_kmem_put_cache: if (memcg_kmem_enabled()) __memcg_kmem_put_cache(cachep)
    if flavor_has(kc, MEMCG_KMEM):
        if flavor_has(kc, MEMCG_KMEM_ACTIVE):
            call_out_of_line(__memcg_kmem_put_cache, kc, s, cpu)
        else:
            static_branch_nop()


@njit(nogil=True, cache=True, _nrt=False)
def should_failslab(kc, s, size, gfp):
    # should_failslab (mm/failslab.c) -> should_fail: probability 0 -> false
    fa = s[H_KCTX_BASE] + s[U_MH_NR_CPUS] * _KCTX_CPU_WORDS + _KCTX_FAULT_ATTR
    if gfp & _GFP_NOFAIL:
        return False
    if s[fa + _FA_IGNORE_GFP_WAIT] != _0 and (gfp & _GFP_DIRECT_RECLAIM):
        return False
    if s[fa + _FA_PROBABILITY] == _0:  # should_fail: no need to check any other property
        return False
    return size == _0  # (a non-zero probability is not modelled: never reached)


@njit(inline="always", nogil=True)
def slab_pre_alloc_hook(kc, s, cpu, gfp):
    # slab_pre_alloc_hook: gfp_allowed_mask, might_sleep_if, should_failslab, memcg;
    # returns False when the allocation must fail (failslab)
    flags = gfp & s[H_GFP_ALLOWED]
    if flags & _GFP_DIRECT_RECLAIM:
        barrier()  # might_sleep_if(): never for GFP_ATOMIC (PREEMPT_VOLUNTARY: a resched point)
    if flavor_has(kc, FAILSLAB):
        if call_out_of_line(should_failslab, kc, s, s[H_OBJECT_SIZE], flags):
            return False
    memcg_kmem_get_cache(kc, s, cpu, flags)
    return True


@njit(inline="always", nogil=True)
def slab_post_alloc_hook(kc, s, cpu, gfp):
    # slab_post_alloc_hook: per object kmemcheck/kmemleak/kasan (not configured: no
    # code), then memcg_kmem_put_cache
    memcg_kmem_put_cache(kc, s, cpu)


@njit(inline="always", nogil=True)
def cache_from_obj(kc, s, x):
    # cache_from_obj (mm/slab.h): with memcg off and no SLAB_DEBUG_FREE it is s; else
    # page->slab_cache of the object's head page, which must be s or its root cache
    # (slab_equal_or_root; a mismatch only WARNs). True when the cache is s.
    if not flavor_has(kc, MEMCG_KMEM_ACTIVE):
        if flavor_has(kc, MEMCG_KMEM):
            static_branch_nop()  # !memcg_kmem_enabled()
        if (s[H_FLAGS] & _SLAB_DEBUG_FREE) == _0:
            return True
    flags = s[_pg(s, virt_to_head_page(s, x)) + _PG_FLAGS]
    return ((flags >> _SLAB_CACHE_SHIFT) & _SLAB_CACHE_MASK) == s[H_CACHE_ID]


@njit(inline="always", nogil=True)
def slab_free_hook(kc, s, x):
    # slab_free_hook: kmemleak_free_recursive, kmemcheck, debug_check_no_locks_freed,
    # debug_check_no_obj_freed, kasan_slab_free: none configured, no code
    return


@njit(inline="always", nogil=True)
def slab_free_freelist_hook(kc, s, head, tail):
    # slab_free_freelist_hook: walks the freelist for slab_free_hook only when one of
    # KMEMCHECK, LOCKDEP, DEBUG_KMEMLEAK, DEBUG_OBJECTS_FREE, KASAN is set (none is)
    return


@njit(inline="always", nogil=True)
def trace_kmem_cache(kc):
    # trace_kmem_cache_alloc / trace_kmem_cache_free: a disabled tracepoint
    if flavor_has(kc, TRACEPOINTS):
        static_branch_nop()


# --------------------------------------------------------------------------------------
# Page-level primitives and lists


@njit(inline="always", nogil=True)
def __cmpxchg_double_slab(kc, s, cpu, pg, old_f, old_c, new_f, new_c):
    # __cmpxchg_double_slab / cmpxchg_double_slab: lock cmpxchg16b on freelist+counters
    stat(kc, s, cpu, EV_PAGE_CMPXCHG)
    ok = cmpxchg128(s, pg, old_f, old_c, new_f, new_c)
    if not ok:
        stat(kc, s, cpu, CMPXCHG_DOUBLE_FAIL)
    return ok


@njit(inline="always", nogil=True)
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


@njit(inline="always", nogil=True)
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


@njit(inline="always", nogil=True)
def alloc_slab_page(s, cpu, gfp, order):
    # alloc_slab_page: alloc_pages(flags | __GFP_NOTRACK, order) from the machine's allocator
    return alloc_pages(s, cpu, gfp, order)


@njit(nogil=True, cache=True, _nrt=False)
def allocate_slab(kc, s, cpu):
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
        stat(kc, s, cpu, ORDER_FALLBACK)
    stat(kc, s, cpu, EV_PAGE_ALLOC)
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
def discard_slab(kc, s, cpu, page):
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
    stat(kc, s, cpu, EV_PAGE_FREE)
    __free_pages(s, cpu, page, order)


# --------------------------------------------------------------------------------------
# CPU partial lists


@njit(nogil=True, cache=True, _nrt=False)
def unfreeze_partials(kc, s, cpu):
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
            _list_lock(kc, s, cpu)
            locked = True
        new_c = _0
        while True:
            old_f = s[pg]
            old_c = s[pg + _PG_COUNTERS]
            new_c = old_c & _NOT_FROZEN
            if __cmpxchg_double_slab(kc, s, cpu, pg, old_f, old_c, old_f, new_c):
                break
        if _inuse(new_c) == _0 and s[n + _N_NR_PARTIAL] >= s[H_MIN_PARTIAL]:
            s[pg + _PG_NEXT] = discard
            discard = page
        else:
            add_partial(s, page, DEACTIVATE_TO_TAIL)
            stat(kc, s, cpu, FREE_ADD_PARTIAL)
    if locked:
        _list_unlock(s)
    while discard != _0:
        page = discard
        discard = s[_pg(s, page) + _PG_NEXT]
        stat(kc, s, cpu, DEACTIVATE_EMPTY)
        call_static(discard_slab, kc, s, cpu, page)
        stat(kc, s, cpu, FREE_SLAB)


@njit(nogil=True, cache=True, _nrt=False)
def put_cpu_partial(kc, s, cpu, page, drain):
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
                call_static(unfreeze_partials, kc, s, cpu)
                _charge_irqsave(kc, s, cpu)
                oldpage = _0
                pobjects = _0
                pages = _0
                stat(kc, s, cpu, CPU_PARTIAL_DRAIN)
        pages += _1
        counters = s[pg + _PG_COUNTERS]
        pobjects += _objects(counters) - _inuse(counters)
        s[pg + _PG_PAGES] = pages
        s[pg + _PG_POBJECTS] = pobjects
        s[pg + _PG_NEXT] = oldpage
        if this_cpu_cmpxchg(kc, s, c + _C_PARTIAL, oldpage, page) == oldpage:
            break
    if s[H_CPU_PARTIAL] == _0:
        call_static(unfreeze_partials, kc, s, cpu)
        _charge_irqsave(kc, s, cpu)


# --------------------------------------------------------------------------------------
# Deactivation


@njit(nogil=True, cache=True, _nrt=False)
def deactivate_slab(kc, s, cpu, page, freelist):
    # deactivate_slab: return the cpu freelist to the page, unfreeze, file the slab
    n = _node(s)
    pg = _pg(s, page)
    tail = DEACTIVATE_TO_HEAD
    if s[pg] != _0:
        stat(kc, s, cpu, DEACTIVATE_REMOTE_FREES)
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
            if __cmpxchg_double_slab(kc, s, cpu, pg, prior, counters, freelist, counters - _1):
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
                _list_lock(kc, s, cpu)
        else:
            mode = _M_FULL
        if prev_mode != mode:
            if prev_mode == _M_PARTIAL:
                remove_partial(s, page)
            if mode == _M_PARTIAL:
                add_partial(s, page, tail)
                stat(kc, s, cpu, tail)
            elif mode == _M_FULL:
                stat(kc, s, cpu, DEACTIVATE_FULL)
        prev_mode = mode
        if __cmpxchg_double_slab(kc, s, cpu, pg, old_f, old_c, new_f, new_c):
            break
    if lock:
        _list_unlock(s)
    if mode == _M_FREE:
        stat(kc, s, cpu, DEACTIVATE_EMPTY)
        call_static(discard_slab, kc, s, cpu, page)
        stat(kc, s, cpu, FREE_SLAB)


@njit(nogil=True, cache=True, _nrt=False)
def flush_slab(kc, s, cpu):
    # flush_slab: deactivate the cpu slab
    c = _cpu(s, cpu)
    stat(kc, s, cpu, CPUSLAB_FLUSH)
    call_static(deactivate_slab, kc, s, cpu, s[c + _C_PAGE], s[c + _C_FREELIST])
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    s[c + _C_PAGE] = _0
    s[c + _C_FREELIST] = _0


@njit(nogil=True, cache=True, _nrt=False)
def __flush_cpu_slab(kc, s, cpu):
    # __flush_cpu_slab: flush the cpu slab and unfreeze the cpu partial list
    c = _cpu(s, cpu)
    if s[c + _C_PAGE] != _0:
        call_static(flush_slab, kc, s, cpu)
    call_static(unfreeze_partials, kc, s, cpu)


# --------------------------------------------------------------------------------------
# Allocation


@njit(inline="always", nogil=True)
def acquire_slab(kc, s, cpu, page, mode):
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
    if not __cmpxchg_double_slab(kc, s, cpu, pg, freelist, counters, new_f, new_c):
        return _0, _0
    remove_partial(s, page)
    return freelist, objects


@njit(nogil=True, cache=True, _nrt=False)
def get_partial_node(kc, s, cpu):
    # get_partial_node: take slabs off n->partial (first -> cpu slab, rest -> cpu partial)
    n = _node(s)
    if s[n + _N_NR_PARTIAL] == _0:
        return _0
    c = _cpu(s, cpu)
    obj = _0
    available = _0
    _list_lock(kc, s, cpu)
    page = s[n + _N_HEAD]
    while page != _0:
        page2 = s[_pg(s, page) + _PG_NEXT]  # list_for_each_entry_safe
        t, objects = acquire_slab(kc, s, cpu, page, obj == _0)
        if t == _0:
            break
        available += objects
        if obj == _0:
            s[c + _C_PAGE] = page
            stat(kc, s, cpu, ALLOC_FROM_PARTIAL)
            obj = t
        else:
            call_static(put_cpu_partial, kc, s, cpu, page, False)
            stat(kc, s, cpu, CPU_PARTIAL_NODE)
        if s[H_CPU_PARTIAL] == _0 or available > (s[H_CPU_PARTIAL] >> _1):
            break
        page = page2
    _list_unlock(s)
    return obj


@njit(nogil=True, cache=True, _nrt=False)
def new_slab_objects(kc, s, cpu):
    # new_slab_objects: get_partial, else new_slab (flushing the current cpu slab)
    freelist = call_static(get_partial_node, kc, s, cpu)  # get_partial (one node)
    if freelist != _0:
        return freelist
    page = call_static(allocate_slab, kc, s, cpu)  # new_slab -> allocate_slab
    if page == _0:
        return _0
    c = _cpu(s, cpu)
    if s[c + _C_PAGE] != _0:
        call_static(flush_slab, kc, s, cpu)
    pg = _pg(s, page)
    freelist = s[pg]
    s[pg] = _0
    stat(kc, s, cpu, ALLOC_SLAB)
    s[c + _C_PAGE] = page
    return freelist


@njit(inline="always", nogil=True)
def get_freelist(kc, s, cpu, page):
    # get_freelist: take the page freelist of the cpu slab (unfreeze it if it is empty)
    pg = _pg(s, page)
    while True:
        freelist = s[pg]
        counters = s[pg + _PG_COUNTERS]
        new_c = (counters & _NOT_INUSE & _NOT_FROZEN) | _objects(counters)
        if freelist != _0:
            new_c = new_c | _FROZEN
        if __cmpxchg_double_slab(kc, s, cpu, pg, freelist, counters, _0, new_c):
            return freelist


@njit(inline="always", nogil=True)
def pfmemalloc_match(s, page):
    # pfmemalloc_match: PageSlabPfmemalloc(page) is never set (no memalloc reserves)
    return (s[_pg(s, page) + _PG_FLAGS] & _PG_PFMEMALLOC) == _0


@njit(nogil=True, cache=True, _nrt=False)
def ___slab_alloc(kc, s, cpu):
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
                stat(kc, s, cpu, CPU_PARTIAL_ALLOC)
                s[c + _C_FREELIST] = _0
                continue  # goto redo
            freelist = call_static(new_slab_objects, kc, s, cpu)
            if freelist == _0:
                return _0  # slab_out_of_memory
            if not pfmemalloc_match(s, s[c + _C_PAGE]):
                return _0  # (not reached: no pfmemalloc slabs)
            break  # goto load_freelist
        # redo: node_match (one node) and pfmemalloc_match
        if not pfmemalloc_match(s, page):
            return _0  # deactivate_slab + new_slab in the kernel: no pfmemalloc here
        freelist = s[c + _C_FREELIST]
        if freelist != _0:
            break
        freelist = get_freelist(kc, s, cpu, page)
        if freelist == _0:
            s[c + _C_PAGE] = _0
            stat(kc, s, cpu, DEACTIVATE_BYPASS)
            page = _0
            continue  # goto new_slab
        stat(kc, s, cpu, ALLOC_REFILL)
        break
    # load_freelist:
    s[c + _C_FREELIST] = get_freepointer(s, freelist)
    s[c + _C_TID] = next_tid(s, s[c + _C_TID])
    return freelist


@njit(nogil=True, cache=True, _nrt=False)
def __slab_alloc(kc, s, cpu):
    # __slab_alloc: local_irq_save; ___slab_alloc; local_irq_restore
    obj = call_out_of_line(___slab_alloc, kc, s, cpu)
    _charge_irqsave(kc, s, cpu)
    return obj


@njit(inline="always", nogil=True)
def _tid(kc, s, c):
    # do { tid = this_cpu_read(s->cpu_slab->tid); c = raw_cpu_ptr(s->cpu_slab); }
    # while (IS_ENABLED(CONFIG_PREEMPT) && unlikely(tid != READ_ONCE(c->tid)));
    tid = s[c + _C_TID]
    if flavor_has(kc, PREEMPT):
        while tid != s[c + _C_TID]:
            tid = s[c + _C_TID]
    return tid


@njit(inline="always", nogil=True)
def _memset_object(s, obj):
    # memset(object, 0, s->object_size)
    w = obj >> _3
    end = (obj + s[H_OBJECT_SIZE] + _7) >> _3
    while w < end:
        s[w] = _0
        w += _1


@njit(inline="always", nogil=True)
def __slab_alloc_node(kc, s, cpu):
    # the lockless fastpath of slab_alloc_node (this_cpu_cmpxchg_double on c->freelist
    # and c->tid), else __slab_alloc; v6.x names this part __slab_alloc_node
    c = _cpu(s, cpu)
    obj = _0
    while True:
        tid = _tid(kc, s, c)
        barrier()
        obj = s[c + _C_FREELIST]
        slow = obj == _0
        if flavor_has(kc, NUMA):
            slow = slow or s[c + _C_PAGE] == _0  # !node_match(page, NUMA_NO_NODE)
        if slow:
            obj = call_out_of_line(__slab_alloc, kc, s, cpu)
            stat(kc, s, cpu, ALLOC_SLOWPATH)
            break
        nxt = get_freepointer(s, obj)  # get_freepointer_safe (no DEBUG_PAGEALLOC)
        stat(kc, s, cpu, EV_CPU_CMPXCHG)
        if this_cpu_cmpxchg_double(kc, s, c, obj, tid, nxt, next_tid(s, tid)):
            prefetch_freepointer(s, nxt)
            stat(kc, s, cpu, ALLOC_FASTPATH)
            break
        stat(kc, s, cpu, CMPXCHG_DOUBLE_CPU_FAIL)
    return obj


@njit(inline="always", nogil=True)
def slab_alloc_node(kc, s, cpu, gfp):
    # slab_alloc_node: hooks around the lockless fastpath (this_cpu_cmpxchg_double)
    if not slab_pre_alloc_hook(kc, s, cpu, gfp):
        return _0
    obj = __slab_alloc_node(kc, s, cpu)
    if (gfp & _GFP_ZERO) != _0 and obj != _0:
        _memset_object(s, obj)
    slab_post_alloc_hook(kc, s, cpu, gfp)
    return obj


# --------------------------------------------------------------------------------------
# Free


@njit(nogil=True, cache=True, _nrt=False)
def __slab_free(kc, s, cpu, page, head, tail, cnt):
    # __slab_free: put a list of cnt objects of one page on the page freelist
    stat(kc, s, cpu, FREE_SLOWPATH)
    if flavor_has(kc, SLUB_STATS):
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
            _charge_irqsave(kc, s, cpu)
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
                _list_lock(kc, s, cpu)  # spin_lock_irqsave(&n->list_lock)
                locked = True
        if __cmpxchg_double_slab(kc, s, cpu, pg, prior, counters, head, new_c):
            break
    if not locked:
        if _frozen(new_c) != _0 and was_frozen == _0:
            call_static(put_cpu_partial, kc, s, cpu, page, True)
            stat(kc, s, cpu, CPU_PARTIAL_FREE)
        if was_frozen != _0:
            stat(kc, s, cpu, FREE_FROZEN)
        return
    if _inuse(new_c) == _0 and s[n + _N_NR_PARTIAL] >= s[H_MIN_PARTIAL]:
        # slab_empty:
        if prior != _0:
            remove_partial(s, page)
            stat(kc, s, cpu, FREE_REMOVE_PARTIAL)
        _list_unlock(s)
        _charge_irqsave(kc, s, cpu)
        stat(kc, s, cpu, FREE_SLAB)
        call_static(discard_slab, kc, s, cpu, page)
        return
    if s[H_CPU_PARTIAL] == _0 and prior == _0:
        add_partial(s, page, DEACTIVATE_TO_TAIL)
        stat(kc, s, cpu, FREE_ADD_PARTIAL)
    _list_unlock(s)
    _charge_irqsave(kc, s, cpu)


@njit(inline="always", nogil=True)
def slab_free(kc, s, cpu, page, head, tail, cnt):
    # slab_free: splice head..tail onto the cpu freelist if page is the cpu slab
    tail_obj = tail
    if tail_obj == _0:
        tail_obj = head
    slab_free_freelist_hook(kc, s, head, tail)
    c = _cpu(s, cpu)
    while True:
        tid = _tid(kc, s, c)
        barrier()
        if page != s[c + _C_PAGE]:
            call_out_of_line(__slab_free, kc, s, cpu, page, head, tail_obj, cnt)
            return
        freelist = s[c + _C_FREELIST]
        set_freepointer(s, tail_obj, freelist)
        stat(kc, s, cpu, EV_CPU_CMPXCHG)
        if this_cpu_cmpxchg_double(kc, s, c, freelist, tid, head, next_tid(s, tid)):
            stat(kc, s, cpu, FREE_FASTPATH)
            return
        stat(kc, s, cpu, CMPXCHG_DOUBLE_CPU_FAIL)


# --------------------------------------------------------------------------------------
# Exported functions (EXPORT_SYMBOL: callers reach them with call_out_of_line)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_export(kc, s, cpu, gfp):
    # kmem_cache_alloc: slab_alloc -> slab_alloc_node; trace_kmem_cache_alloc
    obj = slab_alloc_node(kc, s, cpu, gfp)
    trace_kmem_cache(kc)
    return obj


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_export(kc, s, cpu, x):
    # kmem_cache_free: cache_from_obj; slab_free(s, virt_to_head_page(x), x, NULL, 1)
    cache_from_obj(kc, s, x)
    slab_free(kc, s, cpu, virt_to_head_page(s, x), x, _0, _1)
    trace_kmem_cache(kc)


# --------------------------------------------------------------------------------------
# Public entry points of other models (default Kconfig, counters on)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc(s, cpu):
    # kmem_cache_alloc(s, GFP_ATOMIC) on simulated CPU ``cpu`` (an out-of-line call)
    return call_out_of_line(kmem_cache_alloc_export, KC_DEFAULT, s, np.uint64(cpu), _0)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free(s, cpu, x):
    # kmem_cache_free(s, x) on simulated CPU ``cpu`` (an out-of-line call)
    call_out_of_line(kmem_cache_free_export, KC_DEFAULT, s, np.uint64(cpu), np.uint64(x))


@njit(inline="always", nogil=True)
def kmem_cache_alloc_kc(kc, s, cpu, gfp):
    # kmem_cache_alloc with a Kconfig: the exported function, out of line
    return call_out_of_line(kmem_cache_alloc_export, kc, s, np.uint64(cpu), np.uint64(gfp))


@njit(inline="always", nogil=True)
def kmem_cache_free_kc(kc, s, cpu, x):
    # kmem_cache_free with a Kconfig: the exported function, out of line
    call_out_of_line(kmem_cache_free_export, kc, s, np.uint64(cpu), np.uint64(x))


@njit(nogil=True, cache=True, _nrt=False)
def flush_all_kc(kc, s):
    # flush_all: __flush_cpu_slab on every CPU (the IPI work), no cost charged
    cpu = _0
    while cpu < s[U_MH_NR_CPUS]:
        call_static(__flush_cpu_slab, kc, s, cpu)
        cpu += _1


@njit(nogil=True, cache=True, _nrt=False)
def flush_all(s):
    # flush_all with the default Kconfig
    flush_all_kc(KC_DEFAULT, s)


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
            call_static(discard_slab, KC_DEFAULT, s, _0, page)
            freed += _1
        page = nxt
    return freed
