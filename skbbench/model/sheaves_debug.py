"""SLUB_DEBUG-like checking for the sheaves model (caches created with check=True).

The checked entry points validate the pointers they are given (foreign pointer, double
free: SLUB's alloc/free_debug_processing, skbbench.model.slub_debug) and then the whole
cache: every sheaf in exactly one place (a CPU's main/spare/rcu_free, a barn list, the
free pool), within its capacity, barn counts equal to list lengths, every object of every
slab exactly once in a sheaf, on its slab's freelist or held by the caller, inuse and the
partial lists consistent. The v6.18 form's cpu-slab layer is checked by the SLUB model's
validator with the sheaves' objects counted as allocated (they are, to the cpu slabs).
The first violation is recorded in the header and the model stops (allocations return
NULL, frees do nothing); the Python side raises it as a one-line ModelError.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.model.machine import MH_ARENA_PFNS, MH_ARENA_START_PFN, U_MH_NR_CPUS
from skbbench.model.sheaves import (
    BE_V70,
    BE_V618,
    KC_DEFAULT_SHEAVES,
    kmem_cache_alloc_bulk_export,
    kmem_cache_alloc_export,
    kmem_cache_alloc_node_export,
    kmem_cache_free_bulk_export,
    kmem_cache_free_export,
    my__kmem_cache_alloc_bulk,
    my__kmem_cache_free_bulk,
    this_pcs,
)
from skbbench.model.sheaves_layout import (
    _BARN_EMPTY,
    _BARN_FULL,
    _BARN_NR_EMPTY,
    _BARN_NR_FULL,
    _FORM_V618,
    _N_BARN,
    _NODE_SHIFT,
    _PCS_LOCK,
    _PCS_MAIN,
    _PCS_RCU_FREE,
    _PCS_SPARE,
    _SH_BOOTSTRAP,
    _SH_CAPACITY,
    _SH_FORM,
    _SH_NR_NODES,
    _SH_POOL,
    _SH_SHEAF_WORDS,
    _SHEAF_CACHE,
    _SHEAF_OBJECTS,
    _SHEAF_SIZE,
    _SL_PARTIAL,
    BULK_FALLBACK,
    BULK_KFREE,
    ERR_INVARIANT,
    H_CACHE_ID,
    H_EPOCH,
    H_ERR,
    H_MARK_BASE,
    H_MIN_OBJECTS,
    H_MIN_ORDER,
    H_NODE_BASE,
    H_OBJECTS,
    H_ORDER,
    H_SIZE,
    POOL_BLOCKS,
    POOL_FREE,
    POOL_MARKS,
    POOL_NR,
)
from skbbench.model.slub import _frozen, _inuse, _objects, _pg, get_freepointer
from skbbench.model.slub_debug import (
    _OP1,
    _OP2,
    _OP3,
    _OP4,
    _is_slab,
    _red_slot,
    _set_err,
    alloc_debug_processing,
    check_valid_pointer,
    free_debug_processing,
    validate_slab_cache,
)
from skbbench.model.slub_layout import (
    _N_HEAD,
    _N_NR_PARTIAL,
    _N_NR_SLABS,
    _N_TAIL,
    _PAGE_SHIFT,
    _PG_CH,
    _PG_COUNTERS,
    _PG_FLAGS,
    _PG_HEAD,
    _PG_NEXT,
    _PG_PREV,
    _0,
    _1,
)

_U = np.uint64
_ARENA_START_PFN = _U(MH_ARENA_START_PFN)
_ARENA_PFNS = _U(MH_ARENA_PFNS)
_POOL_BLOCKS = _U(POOL_BLOCKS)
_POOL_MARKS = _U(POOL_MARKS)
_POOL_NR = _U(POOL_NR)
_POOL_FREE = _U(POOL_FREE)
_NODEW = _U(8)
_ACTIVE = _U(1)
_INACTIVE = _U(0)
_K_ANY = _U(0)  # kinds of sheaf places: pcs slot (any size), barn full, barn empty
_K_FULL = _U(1)
_K_EMPTY = _U(2)
_OP6 = _U(6)


@njit(inline="always", nogil=True)
def _err(s, aux, obj, cpu, op):
    # record an invariant violation (sub-code aux: sheaves_layout.INVARIANTS)
    _set_err(s, ERR_INVARIANT, obj, cpu, aux, op)
    return False


@njit(nogil=True, cache=True, _nrt=False)
def _sheaf_index(s, sheaf):
    # index of a sheaf block in the pool, or the number of blocks if it is not one
    pool = s[_SH_POOL]
    blocks = s[pool + _POOL_BLOCKS]
    nr = s[pool + _POOL_NR]
    w = s[_SH_SHEAF_WORDS]
    if sheaf < blocks or w == _0 or (sheaf - blocks) % w != _0:
        return nr
    i = (sheaf - blocks) // w
    if i >= nr:
        return nr
    return i


@njit(nogil=True, cache=True, _nrt=False)
def _mark_sheaf(s, sheaf, epoch, cpu, op, in_use):
    # a sheaf block seen once this epoch; in use: its cache is this one
    pool = s[_SH_POOL]
    i = _sheaf_index(s, sheaf)
    if i == s[pool + _POOL_NR]:
        return _err(s, 32, sheaf, cpu, op)
    if in_use and s[sheaf + _SHEAF_CACHE] != s[H_CACHE_ID]:
        return _err(s, 32, sheaf, cpu, op)
    k = s[pool + _POOL_MARKS] + i
    if s[k] == epoch:
        return _err(s, 34, sheaf, cpu, op)
    s[k] = epoch
    return True


@njit(nogil=True, cache=True, _nrt=False)
def _walk_sheaf(s, sheaf, epoch, cpu, op, kind):
    # the objects of one sheaf: valid, not held by the caller, in no other sheaf
    size = s[sheaf + _SHEAF_SIZE]
    cap = s[_SH_CAPACITY]
    if size > cap:
        return _err(s, 33, sheaf, cpu, op)
    if (kind == _K_FULL and size != cap) or (kind == _K_EMPTY and size != _0):
        return _err(s, 36, sheaf, cpu, op)
    i = _0
    while i < size:
        x = s[sheaf + _SHEAF_OBJECTS + i]
        i += _1
        if not check_valid_pointer(s, x):
            return _err(s, 37, x, cpu, op)
        r = _red_slot(s, x)
        if s[r] == _ACTIVE:
            return _err(s, 39, x, cpu, op)
        if s[r + _1] == epoch:
            return _err(s, 38, x, cpu, op)
        s[r + _1] = epoch
    return True


@njit(nogil=True, cache=True, _nrt=False)
def _walk_barn_list(s, head, nr, epoch, node, op, kind):
    # a barn list: links, sheaves, contents, and its count
    count = _0
    prev = head
    e = s[head]
    while e != head:
        if s[e + _1] != prev:
            return _err(s, 34, e, node, op)
        if not _mark_sheaf(s, e, epoch, node, op, True):
            return False
        if not _walk_sheaf(s, e, epoch, node, op, kind):
            return False
        count += _1
        if count > s[s[_SH_POOL] + _POOL_NR]:
            return _err(s, 34, e, node, op)
        prev = e
        e = s[e]
    if count != nr:
        return _err(s, 35, head, node, op)
    return True


@njit(nogil=True, cache=True, _nrt=False)
def validate_sheaves(s, op, epoch):
    # every sheaf in exactly one place, every object in at most one sheaf and not held
    pool = s[_SH_POOL]
    cap = s[_SH_CAPACITY]
    ncpus = s[U_MH_NR_CPUS]
    cpu = _0
    while cpu < ncpus:
        pcs = this_pcs(s, cpu)
        if s[pcs + _PCS_LOCK] != _0:
            return _err(s, 52, pcs, cpu, op)
        main = s[pcs + _PCS_MAIN]
        if main == _0:
            return _err(s, 50, pcs, cpu, op)
        if cap == _0:
            if main != s[_SH_BOOTSTRAP] or s[main + _SHEAF_SIZE] != _0:
                return _err(s, 32, main, cpu, op)
        else:
            if not _mark_sheaf(s, main, epoch, cpu, op, True):
                return False
            if not _walk_sheaf(s, main, epoch, cpu, op, _K_ANY):
                return False
        for slot in (_PCS_SPARE, _PCS_RCU_FREE):
            sheaf = s[pcs + slot]
            if sheaf != _0:
                if not _mark_sheaf(s, sheaf, epoch, cpu, op, True):
                    return False
                if not _walk_sheaf(s, sheaf, epoch, cpu, op, _K_ANY):
                    return False
        cpu += _1
    node = _0
    while node < s[_SH_NR_NODES]:
        barn = s[s[H_NODE_BASE] + node * _NODEW + _N_BARN]
        nr_full = s[barn + _BARN_NR_FULL]
        if not _walk_barn_list(s, barn + _BARN_FULL, nr_full, epoch, node, op, _K_FULL):
            return False
        nr_empty = s[barn + _BARN_NR_EMPTY]
        if not _walk_barn_list(s, barn + _BARN_EMPTY, nr_empty, epoch, node, op, _K_EMPTY):
            return False
        node += _1
    nfree = _0
    e = s[pool + _POOL_FREE]
    while e != _0:
        if not _mark_sheaf(s, e, epoch, _0, op, False):
            return False
        nfree += _1
        e = s[e]
    # conservation: every block is in a pcs slot, a barn or the free pool
    marks = s[pool + _POOL_MARKS]
    i = _0
    while i < s[pool + _POOL_NR]:
        if s[marks + i] != epoch:
            return _err(s, 51, s[pool + _POOL_BLOCKS] + i * s[_SH_SHEAF_WORDS], _0, op)
        i += _1
    return True


@njit(inline="always", nogil=True)
def _slab_objects(s, page):
    # objects of a slab of the cache's order or of s->min's (after ORDER_FALLBACK)
    pg = _pg(s, page)
    order = _0
    if s[pg + _PG_FLAGS] & _PG_HEAD:
        order = s[pg + _PG_CH] >> _1
    if order == s[H_ORDER]:
        return s[H_OBJECTS]
    if order == s[H_MIN_ORDER]:
        return s[H_MIN_OBJECTS]
    return _0


@njit(nogil=True, cache=True, _nrt=False)
def validate_slabs(s, op, epoch):
    # the v7.0 slab layer: partial lists, freelists, inuse, and every object exactly
    # once (held, in a sheaf, or on its slab's freelist)
    mark = s[H_MARK_BASE]
    first = s[_ARENA_START_PFN]
    last = first + s[_ARENA_PFNS]
    tag = epoch * _U(4) + _U(3)
    nodes = s[_SH_NR_NODES]
    node = _0
    while node < nodes:
        n = s[H_NODE_BASE] + node * _NODEW
        count = _0
        prev = _0
        page = s[n + _N_HEAD]
        while page != _0:
            if not _is_slab(s, page):
                return _err(s, 46, page << _PAGE_SHIFT, node, op)
            pg = _pg(s, page)
            flags = s[pg + _PG_FLAGS]
            if (
                _frozen(s[pg + _PG_COUNTERS]) != _0
                or s[pg + _PG_PREV] != prev
                or (flags & _SL_PARTIAL) == _0
                or (flags >> _NODE_SHIFT) != node
                or s[pg] == _0
                or s[mark + page - first] == tag
            ):
                return _err(s, 46, page << _PAGE_SHIFT, node, op)
            s[mark + page - first] = tag
            count += _1
            prev = page
            page = s[pg + _PG_NEXT]
        if s[n + _N_TAIL] != prev:
            return _err(s, 46, prev << _PAGE_SHIFT, node, op)
        if count != s[n + _N_NR_PARTIAL]:
            return _err(s, 47, count, node, op)
        node += _1
    size = s[H_SIZE]
    total = _0
    page = first
    while page < last:
        if not _is_slab(s, page):
            page += _1
            continue
        total += _1
        pg = _pg(s, page)
        counters = s[pg + _PG_COUNTERS]
        objects = _slab_objects(s, page)
        flags = s[pg + _PG_FLAGS]
        listed = s[mark + page - first] == tag
        if objects == _0 or _objects(counters) != objects or (flags >> _NODE_SHIFT) >= nodes:
            return _err(s, 43, page << _PAGE_SHIFT, _0, op)
        if ((flags & _SL_PARTIAL) != _0) != listed:
            return _err(s, 46, page << _PAGE_SHIFT, _0, op)
        start = page << _PAGE_SHIFT
        nfree = _0
        x = s[pg]
        while x != _0:
            if x < start or x >= start + objects * size or (x - start) % size != _0:
                return _err(s, 41, x, _0, op)
            nfree += _1
            if nfree > objects:
                return _err(s, 42, x, _0, op)
            r = _red_slot(s, x)
            if s[r] == _ACTIVE:
                return _err(s, 44, x, _0, op)
            if s[r + _1] == epoch:
                return _err(s, 40, x, _0, op)
            s[r + _1] = epoch
            x = get_freepointer(s, x)
        if nfree != objects - _inuse(counters):
            return _err(s, 43, start, _0, op)
        if nfree != _0 and not listed:
            return _err(s, 48, start, _0, op)
        x = start
        i = _0
        while i < objects:
            r = _red_slot(s, x)
            if s[r] != _ACTIVE and s[r + _1] != epoch:
                return _err(s, 45, x, _0, op)
            x += size
            i += _1
        page += _1
    nr = _0
    node = _0
    while node < nodes:
        nr += s[s[H_NODE_BASE] + node * _NODEW + _N_NR_SLABS]
        node += _1
    if nr != total:
        return _err(s, 49, total, _0, op)
    return True


@njit(nogil=True, cache=True, _nrt=False)
def _mark_sheaf_objects(s, state):
    # set the debug state of every object in every sheaf (pcs slots and barns)
    ncpus = s[U_MH_NR_CPUS]
    cpu = _0
    while cpu < ncpus:
        pcs = this_pcs(s, cpu)
        for slot in (_PCS_MAIN, _PCS_SPARE, _PCS_RCU_FREE):
            sheaf = s[pcs + slot]
            if sheaf != _0:
                i = _0
                while i < s[sheaf + _SHEAF_SIZE]:
                    s[_red_slot(s, s[sheaf + _SHEAF_OBJECTS + i])] = state
                    i += _1
        cpu += _1
    node = _0
    while node < s[_SH_NR_NODES]:
        barn = s[s[H_NODE_BASE] + node * _NODEW + _N_BARN]
        e = s[barn + _BARN_FULL]
        while e != barn + _BARN_FULL:
            i = _0
            while i < s[e + _SHEAF_SIZE]:
                s[_red_slot(s, s[e + _SHEAF_OBJECTS + i])] = state
                i += _1
            e = s[e]
        node += _1


@njit(nogil=True, cache=True, _nrt=False)
def validate_cache(s, op):
    # the whole cache of either form (SH_FORM); True when consistent
    epoch = s[H_EPOCH] + _1
    s[H_EPOCH] = epoch
    if not validate_sheaves(s, op, epoch):
        return False
    if s[_SH_FORM] == _FORM_V618:
        # v6.18: the sheaves' objects are allocated objects to the cpu-slab layer
        _mark_sheaf_objects(s, _ACTIVE)
        ok = validate_slab_cache(s, op)
        _mark_sheaf_objects(s, _INACTIVE)
        return ok
    return validate_slabs(s, op, epoch)


# The entry points with checks (check=True caches): pointers validated before, the whole
# cache after every call; after the first violation the model stops. Same arguments and
# results as the plain ones; the form comes from ``be``.


@njit(inline="always", nogil=True)
def _alloc_checked(be, s, cpu):
    # kmem_cache_alloc + alloc_debug_processing + validate
    cpu = np.uint64(cpu)
    if s[H_ERR] != _0:
        return _0
    x = kmem_cache_alloc_export(KC_DEFAULT_SHEAVES, be, s, cpu, _0)
    if x != _0:
        alloc_debug_processing(s, cpu, x, _OP1)
    validate_cache(s, _OP1)
    if s[H_ERR] != _0:
        return _0
    return x


@njit(inline="always", nogil=True)
def _alloc_node_checked(be, s, cpu, node):
    # kmem_cache_alloc_node + alloc_debug_processing + validate
    cpu = np.uint64(cpu)
    if s[H_ERR] != _0:
        return _0
    x = kmem_cache_alloc_node_export(KC_DEFAULT_SHEAVES, be, s, cpu, _0, np.uint64(node))
    if x != _0:
        alloc_debug_processing(s, cpu, x, _OP1)
    validate_cache(s, _OP1)
    if s[H_ERR] != _0:
        return _0
    return x


@njit(inline="always", nogil=True)
def _free_checked(be, s, cpu, x):
    # free_debug_processing + kmem_cache_free + validate
    cpu = np.uint64(cpu)
    x = np.uint64(x)
    if s[H_ERR] != _0:
        return
    if not free_debug_processing(s, cpu, x, _OP2):
        return
    kmem_cache_free_export(KC_DEFAULT_SHEAVES, be, s, cpu, x)
    validate_cache(s, _OP2)


@njit(inline="always", nogil=True)
def _alloc_bulk_checked(be, s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk (or the fallback loop) + alloc_debug_processing + validate
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if s[H_ERR] != _0:
        return _0
    if variant == BULK_FALLBACK:
        got = my__kmem_cache_alloc_bulk(KC_DEFAULT_SHEAVES, be, s, cpu, _0, size, p)
    else:
        got = kmem_cache_alloc_bulk_export(KC_DEFAULT_SHEAVES, be, s, cpu, _0, size, p)
    i = _0
    while i < got:
        if not alloc_debug_processing(s, cpu, p[i], _OP3):
            return _0
        i += _1
    if not validate_cache(s, _OP3):
        return _0
    return got


@njit(inline="always", nogil=True)
def _free_bulk_checked(be, s, cpu, size, p, variant):
    # free_debug_processing per object + kmem_cache_free_bulk + validate
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    if size == _0 or s[H_ERR] != _0:
        return
    i = _0
    while i < size:
        if not free_debug_processing(s, cpu, p[i], _OP4):
            return
        i += _1
    if variant == BULK_FALLBACK:
        my__kmem_cache_free_bulk(KC_DEFAULT_SHEAVES, be, s, cpu, size, p)
    else:
        kfree = variant == BULK_KFREE
        kmem_cache_free_bulk_export(KC_DEFAULT_SHEAVES, be, s, cpu, size, p, kfree)
    validate_cache(s, _OP4)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_checked(s, cpu):
    # v7.0 kmem_cache_alloc, checked
    return _alloc_checked(BE_V70, s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_node_checked(s, cpu, node):
    # v7.0 kmem_cache_alloc_node, checked
    return _alloc_node_checked(BE_V70, s, cpu, node)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_checked(s, cpu, x):
    # v7.0 kmem_cache_free, checked
    _free_checked(BE_V70, s, cpu, x)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk_checked(s, cpu, size, p, variant):
    # v7.0 kmem_cache_alloc_bulk, checked
    return _alloc_bulk_checked(BE_V70, s, cpu, size, p, variant)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_checked(s, cpu, size, p, variant):
    # v7.0 kmem_cache_free_bulk, checked
    _free_bulk_checked(BE_V70, s, cpu, size, p, variant)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_checked_618(s, cpu):
    # v6.18 kmem_cache_alloc, checked
    return _alloc_checked(BE_V618, s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_checked_618(s, cpu, x):
    # v6.18 kmem_cache_free, checked
    _free_checked(BE_V618, s, cpu, x)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk_checked_618(s, cpu, size, p, variant):
    # v6.18 kmem_cache_alloc_bulk, checked
    return _alloc_bulk_checked(BE_V618, s, cpu, size, p, variant)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_checked_618(s, cpu, size, p, variant):
    # v6.18 kmem_cache_free_bulk, checked
    _free_bulk_checked(BE_V618, s, cpu, size, p, variant)
