"""SLUB_DEBUG-like checking for the SLUB model (caches created with check=True).

The checked entry points validate the pointers they are given (foreign pointer, double
free) and then every invariant of the cache; the first violation is recorded in the
header and the model stops (allocations return NULL, frees do nothing), to be raised as
a ModelError by the Python side.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.model.slub import (
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
    _PG_COUNTERS,
    _PG_FLAGS,
    _PG_NEXT,
    _PG_PAGES,
    _PG_PREV,
    _PG_SLAB,
    ERR_DOUBLE_FREE,
    ERR_FOREIGN,
    ERR_HANDED_TWICE,
    ERR_INVARIANT,
    H_ARENA_END,
    H_ARENA_START,
    H_CACHE_ID,
    H_EPOCH,
    H_ERR,
    H_ERR_AUX,
    H_ERR_CPU,
    H_ERR_OBJ,
    H_ERR_OP,
    H_MARK_BASE,
    H_MAX_SLABS,
    H_NR_CPUS,
    H_OBJECTS,
    H_PA_BASE,
    H_RED_BASE,
    H_SIZE,
    H_SLAB_SHIFT,
    RED_ACTIVE,
    RED_INACTIVE,
    _0,
    _1,
    _2,
    _3,
    _8,
)

# --------------------------------------------------------------------------------------
# SLUB_DEBUG-like checking (check=True only)


@njit(nogil=True, cache=True, _nrt=False)
def _set_err(s, code, obj, cpu, aux, op):
    # slab_err / object_err: record the first violation (the model stops there)
    if s[H_ERR] == _0:
        s[H_ERR] = np.uint64(code)
        s[H_ERR_OBJ] = np.uint64(obj)
        s[H_ERR_CPU] = np.uint64(cpu)
        s[H_ERR_AUX] = np.uint64(aux)
        s[H_ERR_OP] = np.uint64(op)


@njit(nogil=True, cache=True, _nrt=False)
def check_valid_pointer(s, x):
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
def _red_slot(s, x):
    # word index of the debug state of object x (2 words per object: state, seen)
    start = x - s[H_ARENA_START]
    k = start >> s[H_SLAB_SHIFT]
    idx = (start - (k << s[H_SLAB_SHIFT])) // s[H_SIZE]
    return s[H_RED_BASE] + (k * s[H_OBJECTS] + idx) * _2


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


@njit(nogil=True, cache=True, _nrt=False)
def _slab_index(s, page):
    # slab frame number of a head pfn (only for pfns inside the arena)
    return ((page << _PAGE_SHIFT) - s[H_ARENA_START]) >> s[H_SLAB_SHIFT]


@njit(nogil=True, cache=True, _nrt=False)
def _is_slab(s, page):
    # PageSlab(page) for a head pfn inside the arena
    addr = page << _PAGE_SHIFT
    if addr < s[H_ARENA_START] or addr >= s[H_ARENA_END]:
        return False
    if ((addr - s[H_ARENA_START]) >> s[H_SLAB_SHIFT]) << s[H_SLAB_SHIFT] != addr - s[H_ARENA_START]:
        return False
    return (s[_pg(s, page) + _PG_FLAGS] & _PG_SLAB) != _0


@njit(nogil=True, cache=True, _nrt=False)
def _walk_freelist(s, cpu, page, obj, epoch, op, limit):
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
def validate_slab_cache(s, op):
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


# The same four entry points with SLUB_DEBUG-like checks (check=True caches): pointers are
# validated before, the whole cache after every call; after the first violation the
# model stops (allocations return NULL, frees do nothing). Same arguments and results.


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_checked(s, cpu):
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
def kmem_cache_free_checked(s, cpu, x):
    # kmem_cache_free + free_debug_processing + validate_slab_cache
    cpu = np.uint64(cpu)
    x = np.uint64(x)
    if s[H_ERR] != _0:
        return
    if not free_debug_processing(s, cpu, x, 2):
        return
    slab_free(s, cpu, virt_to_head_page(s, x), x, _0, _1)
    validate_slab_cache(s, 2)
