"""SLUB's per-CPU sheaves and per-node barns (v7.0; the v6.18 opt-in form) on real memory.

Every function is named after the mm/slub.c function it models (v7.0 unless said
otherwise; docs/sheaves.md). A sheaf is an array of object pointers used as a stack
(alloc takes ``objects[--size]``, free stores ``objects[size++]``); each CPU has a
``main`` sheaf (never NULL), a ``spare`` (empty, full or NULL) and a ``local_trylock_t``;
each node has a barn of full and empty sheaves under a spinlock. The per-CPU lock is a
preemption disable on !PREEMPT_RT: its ``acquired`` word is read and written for real and
the preempt_disable/enable pair is a kernel-only cost charged at the unlock
(``preempt_disable_enable`` of model.costs).

Two forms share this code, chosen at compile time by ``be`` (a harness.flavor.Flavor):

* ``BE_V70`` -- v7.0: the slab layer of skbbench.model.sheaves_slab (no cpu slabs):
  refill from partial lists and new slabs, flush with ``__slab_free``, ``___slab_alloc``
  one object at a time when the sheaves cannot serve;
* ``BE_V618`` -- v6.18: the SLUB model's v4.4 cpu slabs behind the sheaves
  (skbbench.model.sheaves_cpuslab): refill with ``__kmem_cache_alloc_bulk`` through the
  cpu slab, and only when the gfp allows blocking; flush with ``do_slab_free``.

Call boundaries as in the kernel: the exported ``kmem_cache_alloc`` / ``kmem_cache_free``
/ ``kmem_cache_alloc_bulk`` / ``kmem_cache_free_bulk`` are real calls (``*_export`` with
``call_out_of_line``) into which ``slab_alloc_node`` / ``slab_free`` / ``alloc_from_pcs`` /
``free_to_pcs`` and the bulk pcs functions are inlined; the slow helpers
(``__pcs_replace_empty_main``, ``__pcs_replace_full_main``, refills and flushes, the slab
layer) are real calls too; the barn and sheaf helpers are static (``call_static``).
``kc`` is the Kconfig flavor (model.kconfig_layout), as for the SLUB model.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.calls import call_out_of_line, call_static
from skbbench.harness.flavor import Flavor, flavor_has
from skbbench.harness.intrinsics import barrier, static_branch_nop
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.spin import busy_wait
from skbbench.model import sheaves_cpuslab as v618
from skbbench.model import slub as slub_v44
from skbbench.model.kconfig_layout import MEMCG_KMEM, NUMA, TRACEPOINTS
from skbbench.model.list import INIT_LIST_HEAD, list_add, list_del
from skbbench.model.machine import U_MH_COST_PREEMPT, U_MH_NR_CPUS
from skbbench.model.mm_types import GFP_DIRECT_RECLAIM, GFP_NOWARN, GFP_ZERO, PG_PFMEMALLOC
from skbbench.model.sheaves_layout import (
    _BARN_EMPTY,
    _BARN_FULL,
    _BARN_LOCK,
    _BARN_NR_EMPTY,
    _BARN_NR_FULL,
    _E2BIG,
    _ENOMEM,
    _GFP_NOMEMALLOC,
    _GFP_NOWAIT,
    _MAX_FULL,
    _N_BARN,
    _NO_NODE,
    _NODE_SHIFT,
    _PCS_BATCH_MAX,
    _PCS_LOCK,
    _PCS_MAIN,
    _PCS_RCU_FREE,
    _PCS_SPARE,
    _PCSW,
    _POOL_FREE,
    _POOL_LOCK,
    _POOL_NR_FREE,
    _SH_CAPACITY,
    _SH_NR_NODES,
    _SH_PCS_BASE,
    _SH_POOL,
    _SHEAF_CACHE,
    _SHEAF_OBJECTS,
    _SHEAF_SIZE,
    ALLOC_FASTPATH,
    ALLOC_NODE_MISMATCH,
    BARN_GET,
    BARN_GET_FAIL,
    BARN_PUT,
    BARN_PUT_FAIL,
    EV_BARN_LOCK,
    EV_BULK_ALLOC,
    EV_BULK_FREE,
    EV_LOCAL_TRYLOCK,
    FREE_FASTPATH,
    FREE_SLAB,
    FREE_SLOWPATH,
    H_CACHE_ID,
    H_GFP_ALLOWED,
    H_OBJECT_SIZE,
    SHEAF_ALLOC,
    SHEAF_FLUSH,
    SHEAF_FREE,
    SHEAF_REFILL,
)
from skbbench.model.sheaves_layout import BULK_FALLBACK as _BULK_FALLBACK
from skbbench.model.sheaves_layout import BULK_KFREE as _BULK_KFREE
from skbbench.model.sheaves_slab import (
    ___slab_alloc,
    __kmem_cache_alloc_bulk,
    __kmem_cache_free_bulk,
    __slab_free,
    charge_irqsave,
    cpu_stack,
    discard_slab,
    get_node,
    kmem_cache_free_bulk_legacy,
    list_lock_irqsave,
    list_unlock_irqrestore,
    numa_mem_id,
    refill_objects,
    remove_partial,
    stat,
    stat_add,
)
from skbbench.model.slub import KC_DEFAULT, _inuse, _pg, virt_to_head_page
from skbbench.model.slub_layout import _N_HEAD, _PAGE_SHIFT, _PG_COUNTERS, _PG_FLAGS, _PG_NEXT

_0 = np.uint64(0)
_1 = np.uint64(1)
_3 = np.uint64(3)
_7 = np.uint64(7)
_GFP_DIRECT_RECLAIM = np.uint64(GFP_DIRECT_RECLAIM)
_GFP_NOWARN = np.uint64(GFP_NOWARN)
_GFP_ZERO = np.uint64(GFP_ZERO)
_PG_PFMEMALLOC = np.uint64(PG_PFMEMALLOC)
_MAX_ERRNO = np.uint64(64)  # IS_ERR: an ERR_PTR is below the first meta word (64)

# The two forms (compile-time: the flavor's type carries the bit).
V618 = 1 << 0
BE_V70 = Flavor(0)
BE_V618 = Flavor(V618)
KC_DEFAULT_SHEAVES = KC_DEFAULT  # default Kconfig with counters on (the checked paths)

# --------------------------------------------------------------------------------------
# Small helpers (inlined)


@njit(inline="always", nogil=True)
def this_pcs(s, cpu):
    # this_cpu_ptr(s->cpu_sheaves): word index of the CPU's slub_percpu_sheaves
    return s[_SH_PCS_BASE] + cpu * _PCSW


@njit(inline="always", nogil=True)
def get_barn(s, node):
    # get_barn: get_node(s, node)->barn
    return s[get_node(s, node) + _N_BARN]


@njit(inline="always", nogil=True)
def cache_has_sheaves(s):
    # cache_has_sheaves: s->sheaf_capacity != 0 (!SLUB_TINY)
    return s[_SH_CAPACITY] != _0


@njit(inline="always", nogil=True)
def IS_ERR(ptr):  # noqa: N802 (the kernel's name)
    # IS_ERR: an ERR_PTR(-errno) (the model's pointers are word indices >= 64)
    return ptr < _MAX_ERRNO


@njit(inline="always", nogil=True)
def local_trylock(kc, s, cpu, pcs):
    # local_trylock (!PREEMPT_RT): preempt_disable; fail if 'acquired' is set, else
    # set it. No atomic instruction. The preempt pair is charged at the unlock.
    barrier()  # preempt_disable
    if s[pcs + _PCS_LOCK] != _0:
        barrier()  # preempt_enable
        stat(kc, s, cpu, EV_LOCAL_TRYLOCK)
        busy_wait(np.int64(s[U_MH_COST_PREEMPT]))
        return False
    s[pcs + _PCS_LOCK] = _1  # WRITE_ONCE(tl->acquired, 1)
    return True


@njit(inline="always", nogil=True)
def local_unlock(kc, s, cpu, pcs):
    # local_unlock: WRITE_ONCE(tl->acquired, 0); preempt_enable (kernel-only cost)
    s[pcs + _PCS_LOCK] = _0
    barrier()  # preempt_enable
    stat(kc, s, cpu, EV_LOCAL_TRYLOCK)
    busy_wait(np.int64(s[U_MH_COST_PREEMPT]))


@njit(inline="always", nogil=True)
def barn_lock(kc, s, cpu, barn):
    # spin_lock_irqsave(&barn->lock, flags)
    stat(kc, s, cpu, EV_BARN_LOCK)
    spin_lock(s, barn + _BARN_LOCK)


@njit(inline="always", nogil=True)
def barn_unlock(kc, s, cpu, barn):
    # spin_unlock_irqrestore(&barn->lock, flags)
    spin_unlock(s, barn + _BARN_LOCK)
    charge_irqsave(kc, s, cpu)


@njit(inline="always", nogil=True)
def trace_kmem_cache(kc):
    # trace_kmem_cache_alloc / trace_kmem_cache_free: a disabled tracepoint
    if flavor_has(kc, TRACEPOINTS):
        static_branch_nop()


@njit(inline="always", nogil=True)
def memcg_hook(kc):
    # memcg_slab_post_alloc_hook / memcg_slab_free_hook: memcg_kmem_online() is a
    # static key, off
    if flavor_has(kc, MEMCG_KMEM):
        static_branch_nop()


@njit(inline="always", nogil=True)
def _memset_object(s, obj):
    # memset(object, 0, s->object_size) (__GFP_ZERO)
    w = obj >> _3
    end = (obj + s[H_OBJECT_SIZE] + _7) >> _3
    while w < end:
        s[w] = _0
        w += _1


# --------------------------------------------------------------------------------------
# Sheaves: allocation (kzalloc/kfree of a kmalloc-bucket-sized block), barn lists


@njit(nogil=True, cache=True, _nrt=False)
def alloc_empty_sheaf(kc, s, cpu, gfp):
    # alloc_empty_sheaf -> __alloc_empty_sheaf: kzalloc(struct_size(sheaf, objects,
    # capacity)); the model's kmalloc is a pool of blocks (NULL when it is exhausted)
    pool = s[_SH_POOL]
    spin_lock(s, pool + _POOL_LOCK)
    sheaf = s[pool + _POOL_FREE]
    if sheaf != _0:
        s[pool + _POOL_FREE] = s[sheaf]
        s[pool + _POOL_NR_FREE] -= _1
    spin_unlock(s, pool + _POOL_LOCK)
    if sheaf == _0:
        return _0
    end = sheaf + _SHEAF_OBJECTS + s[_SH_CAPACITY]
    w = sheaf
    while w < end:  # kzalloc: __GFP_ZERO
        s[w] = _0
        w += _1
    s[sheaf + _SHEAF_CACHE] = s[H_CACHE_ID]  # sheaf->cache = s
    stat(kc, s, cpu, SHEAF_ALLOC)
    return sheaf


@njit(nogil=True, cache=True, _nrt=False)
def free_empty_sheaf(kc, s, cpu, sheaf):
    # free_empty_sheaf: kfree(sheaf)
    pool = s[_SH_POOL]
    spin_lock(s, pool + _POOL_LOCK)
    s[sheaf] = s[pool + _POOL_FREE]
    s[pool + _POOL_FREE] = sheaf
    s[pool + _POOL_NR_FREE] += _1
    spin_unlock(s, pool + _POOL_LOCK)
    stat(kc, s, cpu, SHEAF_FREE)


@njit(nogil=True, cache=True, _nrt=False)
def barn_get_empty_sheaf(kc, s, cpu, barn):
    # barn_get_empty_sheaf: the first empty sheaf, or NULL (nr_empty read racily first)
    if s[barn + _BARN_NR_EMPTY] == _0:
        return _0
    empty = _0
    barn_lock(kc, s, cpu, barn)
    if s[barn + _BARN_NR_EMPTY] != _0:
        empty = s[barn + _BARN_EMPTY]  # list_first_entry(&barn->sheaves_empty)
        list_del(s, empty)
        s[barn + _BARN_NR_EMPTY] -= _1
    barn_unlock(kc, s, cpu, barn)
    return empty


@njit(nogil=True, cache=True, _nrt=False)
def barn_put_empty_sheaf(kc, s, cpu, barn, sheaf):
    # barn_put_empty_sheaf: list_add at the head, no limit checked
    barn_lock(kc, s, cpu, barn)
    list_add(s, sheaf, barn + _BARN_EMPTY)
    s[barn + _BARN_NR_EMPTY] += _1
    barn_unlock(kc, s, cpu, barn)


@njit(nogil=True, cache=True, _nrt=False)
def barn_put_full_sheaf(kc, s, cpu, barn, sheaf):
    # barn_put_full_sheaf: list_add at the head, no limit checked
    barn_lock(kc, s, cpu, barn)
    list_add(s, sheaf, barn + _BARN_FULL)
    s[barn + _BARN_NR_FULL] += _1
    barn_unlock(kc, s, cpu, barn)


@njit(nogil=True, cache=True, _nrt=False)
def barn_replace_empty_sheaf(kc, s, cpu, barn, empty):
    # barn_replace_empty_sheaf: give an empty sheaf for the first full one, or NULL
    if s[barn + _BARN_NR_FULL] == _0:
        return _0
    full = _0
    barn_lock(kc, s, cpu, barn)
    if s[barn + _BARN_NR_FULL] != _0:
        full = s[barn + _BARN_FULL]
        list_del(s, full)
        list_add(s, empty, barn + _BARN_EMPTY)
        s[barn + _BARN_NR_FULL] -= _1
        s[barn + _BARN_NR_EMPTY] += _1
    barn_unlock(kc, s, cpu, barn)
    return full


@njit(nogil=True, cache=True, _nrt=False)
def barn_replace_full_sheaf(kc, s, cpu, barn, full):
    # barn_replace_full_sheaf: give a full sheaf for the first empty one; ERR_PTR
    # -E2BIG when the barn has MAX_FULL_SHEAVES full ones, -ENOMEM when it has no empty
    # one (both checked racily, not again under the lock)
    if s[barn + _BARN_NR_FULL] >= _MAX_FULL:
        return _E2BIG
    if s[barn + _BARN_NR_EMPTY] == _0:
        return _ENOMEM
    empty = _ENOMEM
    barn_lock(kc, s, cpu, barn)
    if s[barn + _BARN_NR_EMPTY] != _0:
        empty = s[barn + _BARN_EMPTY]
        list_del(s, empty)
        list_add(s, full, barn + _BARN_FULL)
        s[barn + _BARN_NR_EMPTY] -= _1
        s[barn + _BARN_NR_FULL] += _1
    barn_unlock(kc, s, cpu, barn)
    return empty


# --------------------------------------------------------------------------------------
# Refill and flush (through the form's slab layer)


@njit(inline="always", nogil=True)
def free_bulk_to_slabs(kc, be, s, cpu, size, p, base):
    # __kmem_cache_free_bulk of the form: v7.0 __slab_free, v6.18 do_slab_free
    if size != _0:
        if flavor_has(be, V618):
            call_out_of_line(v618.__kmem_cache_free_bulk, kc, s, cpu, size, p, base)
        else:
            call_out_of_line(__kmem_cache_free_bulk, kc, s, cpu, size, p, base)


@njit(nogil=True, cache=True, _nrt=False)
def refill_sheaf(kc, be, s, cpu, sheaf, gfp):
    # refill_sheaf: fill the sheaf to capacity (v7.0 refill_objects(min = max); v6.18
    # __kmem_cache_alloc_bulk through the cpu slab); 0, or ENOMEM when short
    size = s[sheaf + _SHEAF_SIZE]
    to_fill = s[_SH_CAPACITY] - size
    if to_fill == _0:
        return _0
    base = sheaf + _SHEAF_OBJECTS + size
    if flavor_has(be, V618):
        filled = call_out_of_line(v618.__kmem_cache_alloc_bulk, kc, s, cpu, gfp, to_fill, s, base)
    else:
        filled = call_out_of_line(refill_objects, kc, s, cpu, s, base, gfp, to_fill, to_fill)
    s[sheaf + _SHEAF_SIZE] = size + filled
    stat_add(kc, s, cpu, SHEAF_REFILL, filled)
    if filled < to_fill:
        return _ENOMEM
    return _0


@njit(nogil=True, cache=True, _nrt=False)
def sheaf_flush_unused(kc, be, s, cpu, sheaf):
    # sheaf_flush_unused: every object of a sheaf no CPU owns back to its slab
    size = s[sheaf + _SHEAF_SIZE]
    if size == _0:
        return
    stat_add(kc, s, cpu, SHEAF_FLUSH, size)
    free_bulk_to_slabs(kc, be, s, cpu, size, s, sheaf + _SHEAF_OBJECTS)
    s[sheaf + _SHEAF_SIZE] = _0


@njit(nogil=True, cache=True, _nrt=False)
def alloc_full_sheaf(kc, be, s, cpu, gfp):
    # alloc_full_sheaf: a new sheaf, refilled (flushed and freed again if that fails)
    sheaf = call_static(alloc_empty_sheaf, kc, s, cpu, gfp)
    if sheaf == _0:
        return _0
    if call_static(refill_sheaf, kc, be, s, cpu, sheaf, gfp | _GFP_NOMEMALLOC) != _0:
        call_static(sheaf_flush_unused, kc, be, s, cpu, sheaf)
        call_static(free_empty_sheaf, kc, s, cpu, sheaf)
        return _0
    return sheaf


@njit(nogil=True, cache=True, _nrt=False)
def sheaf_flush_main(kc, be, s, cpu):
    # sheaf_flush_main: under the lock move the top min(PCS_BATCH_MAX, size) objects of
    # main to an on-stack array, unlock, free them to their slabs; until main is empty.
    # False only when the lock could not be taken.
    ret = False
    stack = cpu_stack(s, cpu)
    while True:
        pcs = this_pcs(s, cpu)
        if not local_trylock(kc, s, cpu, pcs):
            return ret
        main = s[pcs + _PCS_MAIN]
        size = s[main + _SHEAF_SIZE]
        batch = min(_PCS_BATCH_MAX, size)
        size -= batch
        s[main + _SHEAF_SIZE] = size
        src = main + _SHEAF_OBJECTS + size
        i = _0
        while i < batch:  # memcpy(objects, sheaf->objects + sheaf->size, batch)
            s[stack + i] = s[src + i]
            i += _1
        local_unlock(kc, s, cpu, pcs)
        free_bulk_to_slabs(kc, be, s, cpu, batch, s, stack)
        stat_add(kc, s, cpu, SHEAF_FLUSH, batch)
        ret = True
        if size == _0:
            return ret


# --------------------------------------------------------------------------------------
# The per-CPU sheaves: replacing an empty or full main sheaf


@njit(nogil=True, cache=True, _nrt=False)
def __pcs_replace_empty_main(kc, be, s, cpu, gfp):
    # __pcs_replace_empty_main (v7.0 with fb1091febd66): entered locked with main empty.
    # True: locked, main not empty. False: unlocked (the caller takes the slab path).
    pcs = this_pcs(s, cpu)
    if not cache_has_sheaves(s):
        local_unlock(kc, s, cpu, pcs)
        return False
    spare = s[pcs + _PCS_SPARE]
    if spare != _0 and s[spare + _SHEAF_SIZE] != _0:
        s[pcs + _PCS_SPARE] = s[pcs + _PCS_MAIN]  # swap(pcs->main, pcs->spare)
        s[pcs + _PCS_MAIN] = spare
        return True
    barn = get_barn(s, numa_mem_id(s, cpu))
    full = call_static(barn_replace_empty_sheaf, kc, s, cpu, barn, s[pcs + _PCS_MAIN])
    if full != _0:
        stat(kc, s, cpu, BARN_GET)
        s[pcs + _PCS_MAIN] = full
        return True
    stat(kc, s, cpu, BARN_GET_FAIL)
    # v7.0 refills whenever the context may spin (every caller here); v6.18 (and v7.0
    # before fb1091febd66) only when it may block
    can_alloc = True
    if flavor_has(be, V618):
        can_alloc = (gfp & _GFP_DIRECT_RECLAIM) != _0
    empty = _0
    if can_alloc:
        if spare != _0:
            empty = spare
            s[pcs + _PCS_SPARE] = _0
        else:
            empty = call_static(barn_get_empty_sheaf, kc, s, cpu, barn)
    local_unlock(kc, s, cpu, pcs)
    if not can_alloc:
        return False
    full = _0
    if empty != _0:
        if (
            call_static(refill_sheaf, kc, be, s, cpu, empty, gfp | _GFP_NOMEMALLOC | _GFP_NOWARN)
            == _0
        ):
            full = empty
        else:
            # very low on memory: the objects obtained go back, the sheaf is freed
            call_static(sheaf_flush_unused, kc, be, s, cpu, empty)
            call_static(free_empty_sheaf, kc, s, cpu, empty)
    else:
        full = call_static(alloc_full_sheaf, kc, be, s, cpu, gfp | _GFP_NOWARN)
    if full == _0:
        return False
    if not local_trylock(kc, s, cpu, pcs):
        call_static(barn_put_full_sheaf, kc, s, cpu, barn, full)
        stat(kc, s, cpu, BARN_PUT)
        return False
    main = s[pcs + _PCS_MAIN]
    spare = s[pcs + _PCS_SPARE]
    if s[main + _SHEAF_SIZE] == _0:
        if spare == _0:
            s[pcs + _PCS_SPARE] = main
        else:
            call_static(barn_put_empty_sheaf, kc, s, cpu, barn, main)
        s[pcs + _PCS_MAIN] = full
    elif spare == _0:
        s[pcs + _PCS_SPARE] = full
    elif s[spare + _SHEAF_SIZE] == _0:
        call_static(barn_put_empty_sheaf, kc, s, cpu, barn, spare)
        s[pcs + _PCS_SPARE] = full
    else:
        call_static(barn_put_full_sheaf, kc, s, cpu, barn, full)
        stat(kc, s, cpu, BARN_PUT)
    return True


@njit(inline="always", nogil=True)
def __pcs_install_empty_sheaf(kc, s, cpu, pcs, barn, empty):
    # __pcs_install_empty_sheaf: the expected case makes main the spare; the others
    # (main or spare not full after all, or both full) as the kernel resolves them
    main = s[pcs + _PCS_MAIN]
    spare = s[pcs + _PCS_SPARE]
    cap = s[_SH_CAPACITY]
    if spare == _0:
        s[pcs + _PCS_SPARE] = main
        s[pcs + _PCS_MAIN] = empty
    elif s[main + _SHEAF_SIZE] < cap:
        call_static(barn_put_empty_sheaf, kc, s, cpu, barn, empty)
    elif s[spare + _SHEAF_SIZE] < cap:
        s[pcs + _PCS_MAIN] = spare
        s[pcs + _PCS_SPARE] = main
        call_static(barn_put_empty_sheaf, kc, s, cpu, barn, empty)
    else:
        call_static(barn_put_full_sheaf, kc, s, cpu, barn, main)  # limit ignored
        stat(kc, s, cpu, BARN_PUT)
        s[pcs + _PCS_MAIN] = empty


@njit(nogil=True, cache=True, _nrt=False)
def __pcs_replace_full_main(kc, be, s, cpu):
    # __pcs_replace_full_main: entered locked with main full. True: locked, main has
    # room. False: unlocked (the caller frees to the slab).
    pcs = this_pcs(s, cpu)
    cap = s[_SH_CAPACITY]
    while True:  # restart:
        if not cache_has_sheaves(s):
            local_unlock(kc, s, cpu, pcs)
            return False
        barn = get_barn(s, numa_mem_id(s, cpu))
        put_fail = False
        main = s[pcs + _PCS_MAIN]
        spare = s[pcs + _PCS_SPARE]
        empty = _0
        if spare == _0:
            empty = call_static(barn_get_empty_sheaf, kc, s, cpu, barn)
            if empty != _0:
                s[pcs + _PCS_SPARE] = main
                s[pcs + _PCS_MAIN] = empty
                return True
        elif s[spare + _SHEAF_SIZE] < cap:
            s[pcs + _PCS_MAIN] = spare  # swap(pcs->main, pcs->spare)
            s[pcs + _PCS_SPARE] = main
            return True
        else:
            r = call_static(barn_replace_full_sheaf, kc, s, cpu, barn, main)
            if not IS_ERR(r):
                stat(kc, s, cpu, BARN_PUT)
                s[pcs + _PCS_MAIN] = r
                return True
            if r == _E2BIG:
                # the spare is full too: flush it to the slabs and use it as the empty one
                stat(kc, s, cpu, BARN_PUT_FAIL)
                s[pcs + _PCS_SPARE] = _0
                local_unlock(kc, s, cpu, pcs)
                call_static(sheaf_flush_unused, kc, be, s, cpu, spare)
                empty = spare
            else:
                put_fail = True  # no empty sheaf in the barn (or -EBUSY)
        if empty == _0:
            # alloc_empty:
            local_unlock(kc, s, cpu, pcs)
            empty = call_static(alloc_empty_sheaf, kc, s, cpu, _GFP_NOWAIT)
            if empty == _0:
                if put_fail:
                    stat(kc, s, cpu, BARN_PUT_FAIL)
                if not call_static(sheaf_flush_main, kc, be, s, cpu):
                    return False
                if not local_trylock(kc, s, cpu, pcs):
                    return False
                if s[s[pcs + _PCS_MAIN] + _SHEAF_SIZE] == cap:
                    continue  # goto restart
                return True
        # got_empty:
        if not local_trylock(kc, s, cpu, pcs):
            call_static(barn_put_empty_sheaf, kc, s, cpu, barn, empty)
            return False
        __pcs_install_empty_sheaf(kc, s, cpu, pcs, barn, empty)
        return True


# --------------------------------------------------------------------------------------
# Fast paths


@njit(inline="always", nogil=True)
def alloc_from_pcs(kc, be, s, cpu, gfp, node):
    # alloc_from_pcs: pop main->objects[--size] under the per-CPU trylock; an empty main
    # is replaced (__pcs_replace_empty_main); a requested node other than this CPU's,
    # or an object of another node, is a mismatch (NULL)
    if flavor_has(kc, NUMA):
        if node != _NO_NODE and node != numa_mem_id(s, cpu):
            stat(kc, s, cpu, ALLOC_NODE_MISMATCH)
            return _0
    pcs = this_pcs(s, cpu)
    if not local_trylock(kc, s, cpu, pcs):
        return _0
    main = s[pcs + _PCS_MAIN]
    size = s[main + _SHEAF_SIZE]
    if size == _0:
        if not call_out_of_line(__pcs_replace_empty_main, kc, be, s, cpu, gfp):
            return _0
        main = s[pcs + _PCS_MAIN]
        size = s[main + _SHEAF_SIZE]
    size -= _1
    obj = s[main + _SHEAF_OBJECTS + size]
    if flavor_has(kc, NUMA):
        if node != _NO_NODE and (s[_pg(s, obj >> _PAGE_SHIFT) + _PG_FLAGS] >> _NODE_SHIFT) != node:
            local_unlock(kc, s, cpu, pcs)
            stat(kc, s, cpu, ALLOC_NODE_MISMATCH)
            return _0
    s[main + _SHEAF_SIZE] = size
    local_unlock(kc, s, cpu, pcs)
    stat(kc, s, cpu, ALLOC_FASTPATH)
    return obj


@njit(inline="always", nogil=True)
def free_to_pcs(kc, be, s, cpu, obj):
    # free_to_pcs: main->objects[size++] = object under the per-CPU trylock; a full main
    # is replaced (__pcs_replace_full_main). False: free it to the slab instead.
    pcs = this_pcs(s, cpu)
    if not local_trylock(kc, s, cpu, pcs):
        return False
    main = s[pcs + _PCS_MAIN]
    size = s[main + _SHEAF_SIZE]
    if size == s[_SH_CAPACITY]:
        if not call_out_of_line(__pcs_replace_full_main, kc, be, s, cpu):
            return False
        main = s[pcs + _PCS_MAIN]
        size = s[main + _SHEAF_SIZE]
    s[main + _SHEAF_OBJECTS + size] = obj
    s[main + _SHEAF_SIZE] = size + _1
    local_unlock(kc, s, cpu, pcs)
    stat(kc, s, cpu, FREE_FASTPATH)
    return True


@njit(inline="always", nogil=True)
def slab_alloc_node(kc, be, s, cpu, gfp, node):
    # slab_alloc_node: slab_pre_alloc_hook, alloc_from_pcs, else the slab layer
    # (v7.0 __slab_alloc_node -> ___slab_alloc; v6.18 the cpu-slab fast path), then
    # slab_post_alloc_hook (__GFP_ZERO, memcg)
    flags = gfp & s[H_GFP_ALLOWED]
    if flags & _GFP_DIRECT_RECLAIM:
        barrier()  # might_alloc()
    obj = alloc_from_pcs(kc, be, s, cpu, flags, node)
    if obj == _0:
        if flavor_has(be, V618):
            obj = v618.__slab_alloc_node(kc, s, cpu)
        else:
            obj = call_out_of_line(___slab_alloc, kc, s, cpu, flags, node)
    if (flags & _GFP_ZERO) != _0 and obj != _0:
        _memset_object(s, obj)
    memcg_hook(kc)
    return obj


@njit(inline="always", nogil=True)
def slab_free(kc, be, s, cpu, page, x):
    # slab_free: a local object (slab on this CPU's node, not pfmemalloc) to the sheaves
    # (free_to_pcs); otherwise, or when that fails, to its slab (v7.0 __slab_free,
    # counted FREE_SLOWPATH; v6.18 do_slab_free)
    memcg_hook(kc)
    flags = s[_pg(s, page) + _PG_FLAGS]
    local = True
    if flavor_has(kc, NUMA):
        local = (flags >> _NODE_SHIFT) == numa_mem_id(s, cpu)
    if not flavor_has(be, V618):
        local = local and (flags & _PG_PFMEMALLOC) == _0
    if local:
        if free_to_pcs(kc, be, s, cpu, x):
            return
    if flavor_has(be, V618):
        v618.do_slab_free(kc, s, cpu, page, x, _0, _1)
    else:
        call_out_of_line(__slab_free, kc, s, cpu, page, x, x, _1)
        stat(kc, s, cpu, FREE_SLOWPATH)


# --------------------------------------------------------------------------------------
# Bulk: from and to the sheaves


@njit(inline="always", nogil=True)
def alloc_from_pcs_bulk(kc, be, s, cpu, size, p):
    # alloc_from_pcs_bulk: copy min(left, main->size) pointers per round into p (array
    # order); an empty main is swapped with a non-empty spare or exchanged in the barn;
    # when the barn has no full sheaf, stop: it never refills sheaves
    allocated = _0
    while True:
        pcs = this_pcs(s, cpu)
        if not local_trylock(kc, s, cpu, pcs):
            return allocated
        main = s[pcs + _PCS_MAIN]
        if s[main + _SHEAF_SIZE] == _0:
            spare = s[pcs + _PCS_SPARE]
            if spare != _0 and s[spare + _SHEAF_SIZE] != _0:
                s[pcs + _PCS_SPARE] = main
                s[pcs + _PCS_MAIN] = spare
                main = spare
            else:
                barn = get_barn(s, numa_mem_id(s, cpu))
                full = call_static(barn_replace_empty_sheaf, kc, s, cpu, barn, main)
                if full == _0:
                    stat(kc, s, cpu, BARN_GET_FAIL)
                    local_unlock(kc, s, cpu, pcs)
                    return allocated
                stat(kc, s, cpu, BARN_GET)
                s[pcs + _PCS_MAIN] = full
                main = full
        msize = s[main + _SHEAF_SIZE]
        batch = min(size - allocated, msize)
        msize -= batch
        s[main + _SHEAF_SIZE] = msize
        src = main + _SHEAF_OBJECTS + msize
        i = _0
        while i < batch:  # memcpy(p, main->objects + main->size, batch)
            p[allocated + i] = s[src + i]
            i += _1
        local_unlock(kc, s, cpu, pcs)
        stat_add(kc, s, cpu, ALLOC_FASTPATH, batch)
        allocated += batch
        if allocated == size:
            return allocated


@njit(inline="always", nogil=True)
def free_to_pcs_bulk(kc, be, s, cpu, size, p):
    # free_to_pcs_bulk: remote-node (and pfmemalloc) objects to an on-stack remote[32]
    # array, flushed to their slabs whenever full; the local ones copied into main in
    # rounds (a full main: empty barn sheaf, spare swap, or barn_replace_full_sheaf);
    # what does not fit goes to the slabs. It never allocates sheaves, never flushes main.
    node = numa_mem_id(s, cpu)
    cap = s[_SH_CAPACITY]
    remote = cpu_stack(s, cpu)
    remote_nr = _0
    i = _0
    while i < size:
        x = p[i]
        memcg_hook(kc)  # memcg_slab_free_hook (slab_free_hook: nothing configured)
        is_remote = False
        flags = s[_pg(s, virt_to_head_page(s, x)) + _PG_FLAGS]
        if flavor_has(kc, NUMA):
            is_remote = (flags >> _NODE_SHIFT) != node
        if not flavor_has(be, V618):
            is_remote = is_remote or (flags & _PG_PFMEMALLOC) != _0
        if is_remote:
            s[remote + remote_nr] = x
            remote_nr += _1
            size -= _1
            p[i] = p[size]
            if remote_nr >= _PCS_BATCH_MAX:
                free_bulk_to_slabs(kc, be, s, cpu, remote_nr, s, remote)
                if not flavor_has(be, V618):
                    stat_add(kc, s, cpu, FREE_SLOWPATH, remote_nr)
                remote_nr = _0
            continue
        i += _1
    done = _0
    while done < size:  # next_batch:
        pcs = this_pcs(s, cpu)
        if not local_trylock(kc, s, cpu, pcs):
            break  # fallback
        main = s[pcs + _PCS_MAIN]
        if s[main + _SHEAF_SIZE] == cap:
            barn = get_barn(s, node)
            spare = s[pcs + _PCS_SPARE]
            if spare == _0:
                empty = call_static(barn_get_empty_sheaf, kc, s, cpu, barn)
                if empty == _0:
                    local_unlock(kc, s, cpu, pcs)  # no_empty
                    break
                s[pcs + _PCS_SPARE] = main
                s[pcs + _PCS_MAIN] = empty
                main = empty
            elif s[spare + _SHEAF_SIZE] < cap:
                s[pcs + _PCS_MAIN] = spare
                s[pcs + _PCS_SPARE] = main
                main = spare
            else:
                empty = call_static(barn_replace_full_sheaf, kc, s, cpu, barn, main)
                if IS_ERR(empty):
                    stat(kc, s, cpu, BARN_PUT_FAIL)
                    local_unlock(kc, s, cpu, pcs)  # no_empty
                    break
                stat(kc, s, cpu, BARN_PUT)
                s[pcs + _PCS_MAIN] = empty
                main = empty
        msize = s[main + _SHEAF_SIZE]
        batch = min(size - done, cap - msize)
        dst = main + _SHEAF_OBJECTS + msize
        j = _0
        while j < batch:  # memcpy(main->objects + main->size, p, batch)
            s[dst + j] = p[done + j]
            j += _1
        s[main + _SHEAF_SIZE] = msize + batch
        local_unlock(kc, s, cpu, pcs)
        stat_add(kc, s, cpu, FREE_FASTPATH, batch)
        done += batch
    if done < size:  # fallback: the rest to the slabs
        free_bulk_to_slabs(kc, be, s, cpu, size - done, p, done)
        if not flavor_has(be, V618):
            stat_add(kc, s, cpu, FREE_SLOWPATH, size - done)
    if remote_nr != _0:  # flush_remote
        free_bulk_to_slabs(kc, be, s, cpu, remote_nr, s, remote)
        if not flavor_has(be, V618):
            stat_add(kc, s, cpu, FREE_SLOWPATH, remote_nr)


# --------------------------------------------------------------------------------------
# Exported functions (EXPORT_SYMBOL: callers reach them with call_out_of_line)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_export(kc, be, s, cpu, gfp):
    # kmem_cache_alloc: slab_alloc_node(s, NULL, gfpflags, NUMA_NO_NODE, ...);
    # trace_kmem_cache_alloc
    obj = slab_alloc_node(kc, be, s, cpu, gfp, _NO_NODE)
    trace_kmem_cache(kc)
    return obj


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_node_export(kc, be, s, cpu, gfp, node):
    # kmem_cache_alloc_node: slab_alloc_node with a preferred node
    obj = slab_alloc_node(kc, be, s, cpu, gfp, node)
    trace_kmem_cache(kc)
    return obj


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_export(kc, be, s, cpu, x):
    # kmem_cache_free: cache_from_obj (s: no hardening or consistency checks);
    # trace_kmem_cache_free; slab_free(s, virt_to_slab(x), x)
    page = virt_to_head_page(s, x)
    trace_kmem_cache(kc)
    slab_free(kc, be, s, cpu, page, x)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk_export(kc, be, s, cpu, gfp, size, p):
    # kmem_cache_alloc_bulk: all or nothing; the sheaves first (alloc_from_pcs_bulk),
    # the rest straight from the slab layer (__kmem_cache_alloc_bulk); on failure what
    # was taken goes back to the slabs
    if size == _0:
        return _0
    stat_add(kc, s, cpu, EV_BULK_ALLOC, size)
    flags = gfp & s[H_GFP_ALLOWED]
    if flags & _GFP_DIRECT_RECLAIM:
        barrier()  # might_alloc()
    i = _0
    if cache_has_sheaves(s):
        i = alloc_from_pcs_bulk(kc, be, s, cpu, size, p)
    if i < size:
        if flavor_has(be, V618):
            got = call_out_of_line(v618.__kmem_cache_alloc_bulk, kc, s, cpu, flags, size - i, p, i)
        else:
            got = call_out_of_line(__kmem_cache_alloc_bulk, kc, s, cpu, flags, size - i, p, i)
        if got == _0:
            free_bulk_to_slabs(kc, be, s, cpu, i, p, _0)
            return _0
    if flags & _GFP_ZERO:  # slab_post_alloc_hook: init
        j = _0
        while j < size:
            _memset_object(s, p[j])
            j += _1
    memcg_hook(kc)
    return size


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_export(kc, be, s, cpu, size, p, kfree):
    # kmem_cache_free_bulk: to the sheaves (free_to_pcs_bulk) when the cache has them;
    # the legacy detached-freelist loop otherwise and for kfree_bulk (s == NULL)
    if size == _0:
        return
    stat_add(kc, s, cpu, EV_BULK_FREE, size)
    if not kfree and cache_has_sheaves(s):
        free_to_pcs_bulk(kc, be, s, cpu, size, p)
        return
    if flavor_has(be, V618):
        v618.kmem_cache_free_bulk_legacy(kc, s, cpu, size, p, kfree)
    else:
        kmem_cache_free_bulk_legacy(kc, s, cpu, size, p, kfree)


@njit(nogil=True, cache=True, _nrt=False)
def my__kmem_cache_free_bulk(kc, be, s, cpu, size, p):
    # slab_bulk_test's noinline my__kmem_cache_free_bulk: exported kmem_cache_free per
    # object
    stat_add(kc, s, cpu, EV_BULK_FREE, size)
    i = _0
    while i < size:
        call_out_of_line(kmem_cache_free_export, kc, be, s, cpu, p[i])
        i += _1


@njit(nogil=True, cache=True, _nrt=False)
def my__kmem_cache_alloc_bulk(kc, be, s, cpu, gfp, size, p):
    # slab_bulk_test's noinline my__kmem_cache_alloc_bulk: exported kmem_cache_alloc
    # per object, all or nothing
    stat_add(kc, s, cpu, EV_BULK_ALLOC, size)
    i = _0
    while i < size:
        obj = call_out_of_line(kmem_cache_alloc_export, kc, be, s, cpu, gfp)
        if obj == _0:
            call_out_of_line(my__kmem_cache_free_bulk, kc, be, s, cpu, i, p)
            return _0
        p[i] = obj
        i += _1
    return size


# --------------------------------------------------------------------------------------
# Flushing and shrinking (flush_all's per-CPU work, barn_shrink), no cost charged


@njit(nogil=True, cache=True, _nrt=False)
def pcs_flush_all(kc, be, s, cpu):
    # pcs_flush_all: flush and free the spare (rcu_free would go to call_rcu: not
    # modelled, always NULL), flush main
    pcs = this_pcs(s, cpu)
    local_trylock(kc, s, cpu, pcs)  # local_lock
    spare = s[pcs + _PCS_SPARE]
    s[pcs + _PCS_SPARE] = _0
    s[pcs + _PCS_RCU_FREE] = _0
    local_unlock(kc, s, cpu, pcs)
    if spare != _0:
        call_static(sheaf_flush_unused, kc, be, s, cpu, spare)
        call_static(free_empty_sheaf, kc, s, cpu, spare)
    call_static(sheaf_flush_main, kc, be, s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def barn_shrink(kc, be, s, cpu, barn):
    # barn_shrink: take both lists under the lock, then flush and free every sheaf
    barn_lock(kc, s, cpu, barn)
    full = s[barn + _BARN_FULL]
    empty = s[barn + _BARN_EMPTY]
    INIT_LIST_HEAD(s, barn + _BARN_FULL)
    INIT_LIST_HEAD(s, barn + _BARN_EMPTY)
    s[barn + _BARN_NR_FULL] = _0
    s[barn + _BARN_NR_EMPTY] = _0
    barn_unlock(kc, s, cpu, barn)
    while full != barn + _BARN_FULL:
        nxt = s[full]
        call_static(sheaf_flush_unused, kc, be, s, cpu, full)
        call_static(free_empty_sheaf, kc, s, cpu, full)
        full = nxt
    while empty != barn + _BARN_EMPTY:
        nxt = s[empty]
        call_static(free_empty_sheaf, kc, s, cpu, empty)
        empty = nxt


@njit(nogil=True, cache=True, _nrt=False)
def flush_all_kc(kc, be, s):
    # flush_all -> flush_all_cpus_locked: each CPU's pcs_flush_all (v6.18: and its cpu
    # slab, __flush_cpu_slab)
    cpu = _0
    while cpu < s[U_MH_NR_CPUS]:
        pcs_flush_all(kc, be, s, cpu)
        if flavor_has(be, V618):
            slub_v44.__flush_cpu_slab(kc, s, cpu)
        cpu += _1


@njit(nogil=True, cache=True, _nrt=False)
def free_partial(kc, be, s):
    # __kmem_cache_do_shrink / free_partial: discard the empty slabs of the partial lists
    freed = _0
    node = _0
    while node < s[_SH_NR_NODES]:
        n = get_node(s, node)
        node += _1
        list_lock_irqsave(kc, s, _0, n)
        page = s[n + _N_HEAD]
        while page != _0:
            nxt = s[_pg(s, page) + _PG_NEXT]
            if _inuse(s[_pg(s, page) + _PG_COUNTERS]) == _0:
                if flavor_has(be, V618):
                    slub_v44.remove_partial(s, page)
                    slub_v44.discard_slab(kc, s, _0, page)
                else:
                    remove_partial(s, n, page)
                    stat(kc, s, _0, FREE_SLAB)
                    discard_slab(kc, s, _0, page)
                freed += _1
            page = nxt
        list_unlock_irqrestore(kc, s, _0, n)
    return freed


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_shrink_kc(kc, be, s):
    # __kmem_cache_shrink: flush_all, barn_shrink on every node, free empty slabs
    flush_all_kc(kc, be, s)
    node = _0
    while node < s[_SH_NR_NODES]:
        barn_shrink(kc, be, s, _0, get_barn(s, node))
        node += _1
    if flavor_has(be, V618):
        # the barn's objects went through do_slab_free on CPU 0: a slab they filled up
        # again may sit on its cpu slab or cpu partial list; flush it to the node list
        slub_v44.__flush_cpu_slab(kc, s, _0)
    return free_partial(kc, be, s)


@njit(nogil=True, cache=True, _nrt=False)
def pcs_destroy(kc, s):
    # pcs_destroy: free every CPU's (flushed, empty) main sheaf; main becomes NULL
    cpu = _0
    while cpu < s[U_MH_NR_CPUS]:
        pcs = this_pcs(s, cpu)
        main = s[pcs + _PCS_MAIN]
        if main != _0 and cache_has_sheaves(s):
            free_empty_sheaf(kc, s, cpu, main)
        s[pcs + _PCS_MAIN] = _0
        cpu += _1


# --------------------------------------------------------------------------------------
# Entry points for bench kernels: v7.0 (the default form) and v6.18 (``*_618``)


@njit(inline="always", nogil=True)
def kmem_cache_alloc_kc(kc, s, cpu, gfp):
    # kmem_cache_alloc (v7.0) with a Kconfig: the exported function, out of line
    return call_out_of_line(kmem_cache_alloc_export, kc, BE_V70, s, np.uint64(cpu), np.uint64(gfp))


@njit(inline="always", nogil=True)
def kmem_cache_free_kc(kc, s, cpu, x):
    # kmem_cache_free (v7.0) with a Kconfig: the exported function, out of line
    call_out_of_line(kmem_cache_free_export, kc, BE_V70, s, np.uint64(cpu), np.uint64(x))


@njit(inline="always", nogil=True)
def kmem_cache_alloc_node_kc(kc, s, cpu, gfp, node):
    # kmem_cache_alloc_node (v7.0) with a Kconfig, out of line
    return call_out_of_line(
        kmem_cache_alloc_node_export,
        kc,
        BE_V70,
        s,
        np.uint64(cpu),
        np.uint64(gfp),
        np.uint64(node),
    )


@njit(inline="always", nogil=True)
def kmem_cache_alloc_bulk_kc(kc, s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk(s, GFP_ATOMIC, size, p) (v7.0), or the fallback loop: size or 0
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if variant == _BULK_FALLBACK:
        return call_out_of_line(my__kmem_cache_alloc_bulk, kc, BE_V70, s, cpu, _0, size, p)
    return call_out_of_line(kmem_cache_alloc_bulk_export, kc, BE_V70, s, cpu, _0, size, p)


@njit(inline="always", nogil=True)
def kmem_cache_free_bulk_kc(kc, s, cpu, size, p, variant):
    # kmem_cache_free_bulk(s, size, p) (v7.0); kfree_bulk: s == NULL; or the fallback loop
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if variant == _BULK_FALLBACK:
        call_out_of_line(my__kmem_cache_free_bulk, kc, BE_V70, s, cpu, size, p)
    else:
        kfree = variant == _BULK_KFREE
        call_out_of_line(kmem_cache_free_bulk_export, kc, BE_V70, s, cpu, size, p, kfree)


@njit(inline="always", nogil=True)
def kmem_cache_alloc_618_kc(kc, s, cpu, gfp):
    # kmem_cache_alloc (v6.18 form) with a Kconfig, out of line
    return call_out_of_line(kmem_cache_alloc_export, kc, BE_V618, s, np.uint64(cpu), np.uint64(gfp))


@njit(inline="always", nogil=True)
def kmem_cache_free_618_kc(kc, s, cpu, x):
    # kmem_cache_free (v6.18 form) with a Kconfig, out of line
    call_out_of_line(kmem_cache_free_export, kc, BE_V618, s, np.uint64(cpu), np.uint64(x))


@njit(inline="always", nogil=True)
def kmem_cache_alloc_bulk_618_kc(kc, s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk (v6.18 form), or the fallback loop: size or 0
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if variant == _BULK_FALLBACK:
        return call_out_of_line(my__kmem_cache_alloc_bulk, kc, BE_V618, s, cpu, _0, size, p)
    return call_out_of_line(kmem_cache_alloc_bulk_export, kc, BE_V618, s, cpu, _0, size, p)


@njit(inline="always", nogil=True)
def kmem_cache_free_bulk_618_kc(kc, s, cpu, size, p, variant):
    # kmem_cache_free_bulk (v6.18 form); kfree_bulk: s == NULL; or the fallback loop
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if variant == _BULK_FALLBACK:
        call_out_of_line(my__kmem_cache_free_bulk, kc, BE_V618, s, cpu, size, p)
    else:
        kfree = variant == _BULK_KFREE
        call_out_of_line(kmem_cache_free_bulk_export, kc, BE_V618, s, cpu, size, p, kfree)


# --------------------------------------------------------------------------------------
# Public entry points of other models (default Kconfig, counters on), the SLUB model's
# shapes: kmem_cache_alloc(s, cpu), kmem_cache_free(s, cpu, x), and the bulk pair


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc(s, cpu):
    # kmem_cache_alloc(s, GFP_ATOMIC) on simulated CPU ``cpu`` (v7.0; out of line)
    return kmem_cache_alloc_kc(KC_DEFAULT, s, cpu, _0)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free(s, cpu, x):
    # kmem_cache_free(s, x) on simulated CPU ``cpu`` (v7.0; out of line)
    kmem_cache_free_kc(KC_DEFAULT, s, cpu, x)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk(s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk (v7.0): ``size`` objects into p[0:size]; size or 0
    return kmem_cache_alloc_bulk_kc(KC_DEFAULT, s, cpu, size, p, variant)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk(s, cpu, size, p, variant):
    # kmem_cache_free_bulk (v7.0) of p[0:size] with the selected variant
    kmem_cache_free_bulk_kc(KC_DEFAULT, s, cpu, size, p, variant)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_618(s, cpu):
    # kmem_cache_alloc(s, GFP_ATOMIC) of the v6.18 form
    return kmem_cache_alloc_618_kc(KC_DEFAULT, s, cpu, _0)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free_618(s, cpu, x):
    # kmem_cache_free of the v6.18 form
    kmem_cache_free_618_kc(KC_DEFAULT, s, cpu, x)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk_618(s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk of the v6.18 form
    return kmem_cache_alloc_bulk_618_kc(KC_DEFAULT, s, cpu, size, p, variant)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_618(s, cpu, size, p, variant):
    # kmem_cache_free_bulk of the v6.18 form
    kmem_cache_free_bulk_618_kc(KC_DEFAULT, s, cpu, size, p, variant)
