"""SLUB_DEBUG-like checking for the SLUB model (caches created with check=True).

The checked entry points validate the pointers they are given (foreign pointer, double
free) and then every invariant of the cache; the first violation is recorded in the
header and the model stops (allocations return NULL, frees do nothing), to be raised as
a ModelError by the Python side.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.model.machine import MH_ARENA_PFNS, MH_ARENA_START_PFN, U_MH_NR_CPUS
from skbbench.model.slub import (
    KC_DEFAULT,
    _cpu,
    _frozen,
    _inuse,
    _node,
    _objects,
    _pg,
    get_freepointer,
    slab_alloc_node,
    slab_free,
    virt_to_head_page,
)
from skbbench.model.slub_layout import (
    _C_FREELIST,
    _C_PAGE,
    _C_PARTIAL,
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
    _PG_PAGES,
    _PG_PREV,
    _PG_SLAB,
    _SLAB_CACHE_MASK,
    _SLAB_CACHE_SHIFT,
    ERR_DOUBLE_FREE,
    ERR_FOREIGN,
    ERR_HANDED_TWICE,
    ERR_INVARIANT,
    H_CACHE_ID,
    H_EPOCH,
    H_ERR,
    H_ERR_AUX,
    H_ERR_CPU,
    H_ERR_OBJ,
    H_ERR_OP,
    H_MARK_BASE,
    H_MIN_OBJECTS,
    H_MIN_ORDER,
    H_OBJECTS,
    H_ORDER,
    H_RED_BASE,
    H_SIZE,
    RED_ACTIVE,
    RED_INACTIVE,
    _0,
    _1,
    _2,
    _3,
)

# --------------------------------------------------------------------------------------
# SLUB_DEBUG-like checking (check=True only)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def _set_err(s, code, obj, cpu, aux, op):
    # slab_err / object_err: record the first violation (the model stops there)
    if s[H_ERR] == _0:
        s[H_ERR] = np.uint64(code)
        s[H_ERR_OBJ] = np.uint64(obj)
        s[H_ERR_CPU] = np.uint64(cpu)
        s[H_ERR_AUX] = np.uint64(aux)
        s[H_ERR_OP] = np.uint64(op)


_ARENA_START_PFN = np.uint64(MH_ARENA_START_PFN)

# the operation codes of the checked entry points as non-literal words: a literal int
# argument makes Numba compile a separate specialization of the callee per value
_OP1, _OP2, _OP3, _OP4 = np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4)
_ARENA_PFNS = np.uint64(MH_ARENA_PFNS)
_7 = np.uint64(7)


@njit(inline="always", nogil=True)
def _arena_start(s):
    # byte address of the first arena page (where the page allocator hands out pages)
    return s[_ARENA_START_PFN] << _PAGE_SHIFT


@njit(inline="always", nogil=True)
def _arena_end(s):
    # byte address one past the last arena page
    return (s[_ARENA_START_PFN] + s[_ARENA_PFNS]) << _PAGE_SHIFT


@njit(inline="always", nogil=True)
def _slab_objects(s, page):
    # oo_objects of the slab's order (s->oo, or s->min after ORDER_FALLBACK); 0: not ours
    pg = _pg(s, page)
    order = _0
    if s[pg + _PG_FLAGS] & _PG_HEAD:
        order = s[pg + _PG_CH] >> _1  # compound_order(page)
    if order == s[H_ORDER]:
        return s[H_OBJECTS]
    if order == s[H_MIN_ORDER]:
        return s[H_MIN_OBJECTS]
    return _0


@njit(nogil=True, cache=True, _nrt=False)
def _is_slab(s, page):
    # PageSlab(page) && page->slab_cache == s, for a head pfn inside the arena
    if page < s[_ARENA_START_PFN] or page >= s[_ARENA_START_PFN] + s[_ARENA_PFNS]:
        return False
    pg = _pg(s, page)
    if s[pg + _PG_CH] & _1:  # a tail page
        return False
    flags = s[pg + _PG_FLAGS]
    if (flags & _PG_SLAB) == _0:
        return False
    return ((flags >> _SLAB_CACHE_SHIFT) & _SLAB_CACHE_MASK) == s[H_CACHE_ID]


@njit(nogil=True, cache=True, _nrt=False)
def check_valid_pointer(s, x):
    # check_valid_pointer: x is an object boundary inside a slab page of this cache
    if x < _arena_start(s) or x >= _arena_end(s) or (x & _7) != _0:
        return False
    page = virt_to_head_page(s, x)
    if not _is_slab(s, page):
        return False
    off = x - (page << _PAGE_SHIFT)
    size = s[H_SIZE]
    return off % size == _0 and off // size < _objects(s[_pg(s, page) + _PG_COUNTERS])


@njit(nogil=True, cache=True, _nrt=False)
def _red_slot(s, x):
    # word index of the debug state of object x (2 words per object slot: state, seen);
    # slots are (x - arena start) / size, distinct for distinct objects of any slabs
    return s[H_RED_BASE] + ((x - _arena_start(s)) // s[H_SIZE]) * _2


@njit(nogil=True, cache=True, _nrt=False)
def alloc_debug_processing(s, cpu, x, op):
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
def free_debug_processing(s, cpu, x, op):
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


@njit(inline="always", nogil=True)
def _slab_index(s, page):
    # mark word of a head pfn: one per arena page
    return page - s[_ARENA_START_PFN]


@njit(nogil=True, cache=True, _nrt=False)
def _walk_freelist(s, cpu, page, obj, epoch, op, limit):
    # on_freelist: walk a freelist of slab ``page``, marking each object seen this epoch
    start = page << _PAGE_SHIFT
    size = s[H_SIZE]
    objects = _objects(s[_pg(s, page) + _PG_COUNTERS])
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
def validate_slab_cache(s, op):
    # validate_slab_cache (SLUB_DEBUG validate): every invariant of the whole cache.
    # Returns True when consistent; the first violation is recorded in the header.
    epoch = s[H_EPOCH] + _1
    s[H_EPOCH] = epoch
    mark = s[H_MARK_BASE]
    first = s[_ARENA_START_PFN]
    last = first + s[_ARENA_PFNS]
    ncpus = s[U_MH_NR_CPUS]
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
    nr = _0
    page = first
    while page < last:
        if not _is_slab(s, page):
            page += _1
            continue
        nr += _1
        pg = _pg(s, page)
        counters = s[pg + _PG_COUNTERS]
        objects = _slab_objects(s, page)
        if objects == _0 or _objects(counters) != objects:
            _set_err(s, ERR_INVARIANT, page << _PAGE_SHIFT, _0, 3, op)
            return False
        tag = s[mark + _slab_index(s, page)]
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
        page += _1
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
    page = first
    while page < last:
        if not _is_slab(s, page):
            page += _1
            continue
        objects = _objects(s[_pg(s, page) + _PG_COUNTERS])
        obj = page << _PAGE_SHIFT
        page += _1
        i = _0
        while i < objects:
            r = _red_slot(s, obj)
            if s[r] != np.uint64(RED_ACTIVE) and s[r + _1] != epoch:
                _set_err(s, ERR_INVARIANT, obj, _0, 8, op)
                return False
            obj += size
            i += _1
    # SLUB_DEBUG's validate_slab_node: slabs found == the node's nr_slabs (the page
    # allocator's own conservation check runs on the Python side: check_page_allocator)
    if nr != s[n + _N_NR_SLABS]:
        _set_err(s, ERR_INVARIANT, nr, _0, 16, op)
        return False
    return True


# The same four entry points with SLUB_DEBUG-like checks (check=True caches): pointers are
# validated before, the whole cache after every call; after the first violation the
# model stops (allocations return NULL, frees do nothing). Same arguments and results.


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_checked(s, cpu):
    # kmem_cache_alloc + alloc_debug_processing + validate_slab_cache
    cpu = np.uint64(cpu)
    if s[H_ERR] != _0:
        return _0
    x = slab_alloc_node(KC_DEFAULT, s, cpu, _0)
    if x != _0:
        alloc_debug_processing(s, cpu, x, _OP1)
    validate_slab_cache(s, _OP1)
    if s[H_ERR] != _0:
        return _0
    return x


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_checked(s, cpu, x):
    # kmem_cache_free + free_debug_processing + validate_slab_cache
    cpu = np.uint64(cpu)
    x = np.uint64(x)
    if s[H_ERR] != _0:
        return
    if not free_debug_processing(s, cpu, x, _OP2):
        return
    slab_free(KC_DEFAULT, s, cpu, virt_to_head_page(s, x), x, _0, _1)
    validate_slab_cache(s, _OP2)
