"""The SLAB reaper and draining (v4.6 mm/slab.c): drain_array, cache_reap, shrink.

``cache_reap`` is the per-CPU delayed work the kernel runs every REAPTIMEOUT_AC (2 s),
its node part every REAPTIMEOUT_NODE (4 s); the model has no timers, so these are
entries a caller (a bench, a test, ``SlabCache.reap``) invokes between operations.
``kmem_cache_shrink`` (``__kmem_cache_shrink``) empties every array cache and destroys
the free slabs, as kmem_cache_shrink / kmem_cache_destroy do.
"""

from __future__ import annotations

from numba import njit

from skbbench.harness.intrinsics import cmpxchg64
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.model.list import INIT_LIST_HEAD, list_del
from skbbench.model.slab import (
    _ALIEN_AC,
    _AVAIL,
    _CI_LIST,
    _CI_REAP_NODE,
    _ENTRY,
    _K_NR_CPUS,
    _K_NR_NODES,
    _K_NUM,
    _LIMIT,
    _N_ALIEN,
    _N_FREE,
    _N_FREE_LIMIT,
    _N_FREE_OBJECTS,
    _N_FREE_SLABS,
    _N_FREE_TOUCHED,
    _N_FULL,
    _N_PARTIAL,
    _N_SHARED,
    _N_TOTAL_SLABS,
    _TOUCHED,
    EV_SLABS_DESTROYED,
    REAPED,
    U,
    _0,
    _1,
    _2,
    _4,
    _5,
    __drain_alien_cache,
    _charge_irq,
    _charge_irqsave,
    _info,
    _list_lock,
    _list_unlock,
    _memmove_down,
    cpu_cache_get,
    free_block,
    get_node,
    kmem_freepages,
    lru_to_page,
    numa_mem_id,
    slab_stat,
    slabs_destroy,
)


@njit(nogil=True, cache=True, _nrt=False)
def drain_array(s, cpu, n, ac, force, node):
    # drain_array: touched -> just clear it; else free (limit+4)/5 (or half) of the entries
    if ac == _0 or s[ac + _AVAIL] == _0:
        return
    if s[ac + _TOUCHED] != _0 and not force:
        s[ac + _TOUCHED] = _0
        return
    head = _info(s, cpu) + _CI_LIST
    INIT_LIST_HEAD(s, head)
    _list_lock(s, cpu, n)  # spin_lock_irq
    avail = s[ac + _AVAIL]
    if avail != _0:
        tofree = avail if force else (s[ac + _LIMIT] + _4) // _5
        if tofree > avail:
            tofree = (avail + _1) // _2
        free_block(s, cpu, ac + _ENTRY, tofree, node, head)
        avail -= tofree
        s[ac + _AVAIL] = avail
        _memmove_down(s, ac, tofree, avail)
    _list_unlock(s, n)  # spin_unlock_irq
    _charge_irq(s, cpu)
    slabs_destroy(s, cpu, head)


@njit(nogil=True, cache=True, _nrt=False)
def drain_freelist(s, cpu, n, tofree):
    # drain_freelist: destroy up to tofree slabs from the tail of slabs_free
    nr_freed = _0
    head = n + _N_FREE
    while nr_freed < tofree and s[head] != head:
        _list_lock(s, cpu, n)  # spin_lock_irq
        p = s[head + _1]
        if p == head:
            _list_unlock(s, n)
            _charge_irq(s, cpu)
            break
        list_del(s, p)
        s[n + _N_FREE_OBJECTS] -= s[_K_NUM]
        s[n + _N_FREE_SLABS] -= _1
        s[n + _N_TOTAL_SLABS] -= _1
        _list_unlock(s, n)
        _charge_irq(s, cpu)
        slab_stat(s, cpu, EV_SLABS_DESTROYED, _1)
        kmem_freepages(s, cpu, lru_to_page(s, p))  # slab_destroy
        nr_freed += _1
    return nr_freed


@njit(nogil=True, cache=True, _nrt=False)
def reap_alien(s, cpu, n):
    # reap_alien: drain the alien cache of slab_reap_node if its lock is free (trylock)
    alien = s[n + _N_ALIEN]
    if alien == _0:
        return
    node = s[_info(s, cpu) + _CI_REAP_NODE]
    alc = s[alien + node]
    if alc == _0:
        return
    ac = alc + _ALIEN_AC
    if s[ac + _AVAIL] != _0 and cmpxchg64(s, alc, _0, _1) == _0:  # spin_trylock_irq
        head = _info(s, cpu) + _CI_LIST
        INIT_LIST_HEAD(s, head)
        __drain_alien_cache(s, cpu, ac, node, head)
        spin_unlock(s, alc)
        _charge_irq(s, cpu)
        slabs_destroy(s, cpu, head)


@njit(nogil=True, cache=True, _nrt=False)
def cache_reap(s, cpu, node_due):
    # cache_reap for this cache as it runs on ``cpu`` (every REAPTIMEOUT_AC); the node
    # part (shared array, free slabs) only when its REAPTIMEOUT_NODE is due (node_due)
    cpu = U(cpu)
    node = numa_mem_id(s, cpu)
    n = get_node(s, node)
    reap_alien(s, cpu, n)
    drain_array(s, cpu, n, cpu_cache_get(s, cpu), False, node)
    if node_due:
        drain_array(s, cpu, n, s[n + _N_SHARED], False, node)
        if s[n + _N_FREE_TOUCHED] != _0:
            s[n + _N_FREE_TOUCHED] = _0
        else:
            num = s[_K_NUM]
            freed = drain_freelist(s, cpu, n, (s[n + _N_FREE_LIMIT] + _5 * num - _1) // (_5 * num))
            slab_stat(s, cpu, REAPED, freed)
    # next_reap_node: the next node whose alien cache this CPU reaps
    i = _info(s, cpu) + _CI_REAP_NODE
    nxt = s[i] + _1
    if nxt >= s[_K_NR_NODES]:
        nxt = _0
    s[i] = nxt


@njit(nogil=True, cache=True, _nrt=False)
def do_drain(s, cpu):
    # do_drain (on each CPU): free_block the whole array cache
    ac = cpu_cache_get(s, cpu)
    node = numa_mem_id(s, cpu)
    n = get_node(s, node)
    head = _info(s, cpu) + _CI_LIST
    INIT_LIST_HEAD(s, head)
    _list_lock(s, cpu, n)
    free_block(s, cpu, ac + _ENTRY, s[ac + _AVAIL], node, head)
    _list_unlock(s, n)
    slabs_destroy(s, cpu, head)
    s[ac + _AVAIL] = _0


@njit(nogil=True, cache=True, _nrt=False)
def __kmem_cache_shrink(s):
    # __kmem_cache_shrink: drain_cpu_caches (every array cache, alien and shared array),
    # then destroy every free slab; returns 1 if slabs with objects remain
    cpu = _0
    while cpu < s[_K_NR_CPUS]:
        do_drain(s, cpu)
        cpu += _1
    nr_nodes = s[_K_NR_NODES]
    node = _0
    while node < nr_nodes:  # drain_alien_cache
        n = get_node(s, node)
        alien = s[n + _N_ALIEN]
        if alien != _0:
            i = _0
            while i < nr_nodes:
                alc = s[alien + i]
                if alc != _0:
                    head = _info(s, _0) + _CI_LIST
                    INIT_LIST_HEAD(s, head)
                    spin_lock(s, alc)  # spin_lock_irqsave(&alc->lock)
                    __drain_alien_cache(s, _0, alc + _ALIEN_AC, i, head)
                    spin_unlock(s, alc)
                    _charge_irqsave(s, _0)
                    slabs_destroy(s, _0, head)
                i += _1
        node += _1
    node = _0
    while node < nr_nodes:
        n = get_node(s, node)
        drain_array(s, _0, n, s[n + _N_SHARED], True, node)
        node += _1
    ret = _0
    node = _0
    while node < nr_nodes:
        n = get_node(s, node)
        num = s[_K_NUM]
        drain_freelist(s, _0, n, (s[n + _N_FREE_OBJECTS] + num - _1) // num)  # slabs_tofree
        if s[n + _N_FULL] != n + _N_FULL or s[n + _N_PARTIAL] != n + _N_PARTIAL:
            ret = _1
        node += _1
    return ret


kmem_cache_shrink = __kmem_cache_shrink  # the exported name (callable from Python classes)
