"""SLUB_DEBUG-like check mode for the SLAB model: checked entry points and validation.

A cache created with ``check=True`` has one debug slot per possible object position
(handed-out state, seen-in-this-validation epoch). The ``*_checked`` twins of the four
entry points validate the pointers they are given (foreign pointer, double free),
run the operation, then check every invariant of the cache: each object in exactly one
place (a per-CPU / shared / alien array cache, its slab's free index list, or handed
out), slab list membership against ``page->active``, ``free_objects``, OBJFREELIST
``page->freelist``, slab counts. The first violation is recorded in the kmem_cache
header and the model stops (allocations return NULL, frees do nothing);
``SlabCache.raise_if_error()`` turns it into a one-line ModelError.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.intrinsics import load_u8
from skbbench.model import slab_layout as L
from skbbench.model.machine import U_MH_ZONE
from skbbench.model.mm_types import U_PAGE_SHIFT, U_PG_AUX, U_PG_FLAGS, U_PG_FREELIST, U_PG_PRIVATE
from skbbench.model.page_alloc_layout import (
    PCP_COUNT,
    PCP_WORDS,
    Z_ERR,
    Z_MANAGED,
    Z_NR_CPUS,
    Z_NR_FREE_PAGES,
    Z_PCP_BASE,
)
from skbbench.model.slab import (
    get_node,
    index_to_obj,
    kmem_cache_alloc,
    kmem_cache_alloc_bulk,
    kmem_cache_free,
    kmem_cache_free_bulk,
    lru_to_page,
    page_rec,
    virt_to_head_page,
)

U = np.uint64
_0, _1, _2 = U(0), U(1), U(2)

# the operation codes of the checked entry points as non-literal words: a literal int
# argument makes Numba compile a separate specialization of the callee per value
_OP1, _OP2, _OP3, _OP4 = np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4)
_7 = U(7)
_ACTIVE = U(1)
_PG_SLAB_CACHE = U(1 | (0xFFFFFF << 8))
_K_ERR, _K_ERR_OBJ, _K_ERR_CPU, _K_ERR_AUX, _K_ERR_OP = (
    U(L.K_ERR),
    U(L.K_ERR_OBJ),
    U(L.K_ERR_CPU),
    U(L.K_ERR_AUX),
    U(L.K_ERR_OP),
)
_K_DBG_BASE, _K_EPOCH, _K_SIZE, _K_NUM = U(L.K_DBG_BASE), U(L.K_EPOCH), U(L.K_SIZE), U(L.K_NUM)
_K_ARENA_START, _K_ARENA_END = U(L.K_ARENA_START), U(L.K_ARENA_END)
_K_CACHE_ID, _K_CFLAGS, _K_NR_NODES = U(L.K_CACHE_ID), U(L.K_CFLAGS), U(L.K_NR_NODES)
_K_NR_CPUS, _K_CPU_BASE, _K_AC_STRIDE = U(L.K_NR_CPUS), U(L.K_CPU_BASE), U(L.K_AC_STRIDE)
_K_GFPORDER = U(L.K_GFPORDER)
_K_SHARED_MACHINE = U(L.K_SHARED_MACHINE)
_AVAIL, _LIMIT, _ENTRY, _ALIEN_AC = U(L.AC_AVAIL), U(L.AC_LIMIT), U(L.AC_ENTRY), U(L.ALIEN_AC)
_N_SHARED, _N_ALIEN, _N_FREE_OBJECTS = U(L.N_SHARED), U(L.N_ALIEN), U(L.N_FREE_OBJECTS)
_N_TOTAL_SLABS, _N_FREE_SLABS = U(L.N_TOTAL_SLABS), U(L.N_FREE_SLABS)
_LISTS = (U(L.N_SLABS_PARTIAL), U(L.N_SLABS_FULL), U(L.N_SLABS_FREE))
_OBJFREELIST = U(L.CFLGS_OBJFREELIST_SLAB)
# the page allocator's zone (model.page_alloc)
_Z_NR_FREE_PAGES, _Z_MANAGED, _Z_PCP_BASE = U(Z_NR_FREE_PAGES), U(Z_MANAGED), U(Z_PCP_BASE)
_Z_NR_CPUS, _Z_ERR, _PCP_WORDS, _PCP_COUNT = U(Z_NR_CPUS), U(Z_ERR), U(PCP_WORDS), U(PCP_COUNT)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def _set_err(s, code, obj, cpu, aux, op):
    # slab_error / the BUG() of a DEBUG kernel: record the first violation only
    if s[_K_ERR] == _0:
        s[_K_ERR] = U(code)
        s[_K_ERR_OBJ] = U(obj)
        s[_K_ERR_CPU] = U(cpu)
        s[_K_ERR_AUX] = U(aux)
        s[_K_ERR_OP] = U(op)


@njit(nogil=True, cache=True, _nrt=False)
def check_valid_pointer(s, x):
    # verify_objfreelist/ kfree_debugcheck: x is an object of a slab page of this cache
    if x < s[_K_ARENA_START] or x >= s[_K_ARENA_END] or (x & _7) != _0:
        return False
    rec = page_rec(s, virt_to_head_page(s, x))
    if (s[rec + U_PG_FLAGS] & _PG_SLAB_CACHE) != (_1 | (s[_K_CACHE_ID] << U(8))):
        return False
    s_mem = s[rec + U_PG_PRIVATE]
    if x < s_mem:
        return False
    off = x - s_mem
    size = s[_K_SIZE]
    return off % size == _0 and off // size < s[_K_NUM]


@njit(nogil=True, cache=True, _nrt=False)
def _slot(s, x):
    # word of the debug state of object x: (x - arena start) / size is unique per object
    return s[_K_DBG_BASE] + ((x - s[_K_ARENA_START]) // s[_K_SIZE]) * _2


@njit(nogil=True, cache=True, _nrt=False)
def alloc_debug_processing(s, cpu, x, op):
    # cache_alloc_debugcheck_after: the object handed out is a free object of this cache
    if not check_valid_pointer(s, x):
        _set_err(s, L.ERR_INVARIANT, x, cpu, 1, op)
        return False
    r = _slot(s, x)
    if s[r] == _ACTIVE:
        _set_err(s, L.ERR_HANDED_TWICE, x, cpu, 0, op)
        return False
    s[r] = _ACTIVE
    return True


@njit(nogil=True, cache=True, _nrt=False)
def free_debug_processing(s, cpu, x, op):
    # cache_free_debugcheck: a valid object pointer that is handed out (no double free)
    if not check_valid_pointer(s, x):
        _set_err(s, L.ERR_FOREIGN, x, cpu, 0, op)
        return False
    r = _slot(s, x)
    if s[r] != _ACTIVE:
        _set_err(s, L.ERR_DOUBLE_FREE, x, cpu, 0, op)
        return False
    s[r] = _0
    return True


@njit(nogil=True, cache=True, _nrt=False)
def _see(s, x, epoch, op):
    # one free place holds x: it must be a valid, not handed-out object seen only once
    if not check_valid_pointer(s, x):
        _set_err(s, L.ERR_INVARIANT, x, 0, 1, op)
        return False
    r = _slot(s, x)
    if s[r] == _ACTIVE:
        _set_err(s, L.ERR_INVARIANT, x, 0, 3, op)
        return False
    if s[r + _1] == epoch:
        _set_err(s, L.ERR_INVARIANT, x, 0, 2, op)
        return False
    s[r + _1] = epoch
    return True


@njit(nogil=True, cache=True, _nrt=False)
def _check_ac(s, ac, epoch, op):
    # every entry of one array_cache
    avail = s[ac + _AVAIL]
    if avail > s[ac + _LIMIT]:
        _set_err(s, L.ERR_INVARIANT, ac, 0, 8, op)
        return False
    i = _0
    while i < avail:
        if not _see(s, s[ac + _ENTRY + i], epoch, op):
            return False
        i += _1
    return True


@njit(nogil=True, cache=True, _nrt=False)
def _check_slab(s, pfn, rec, want, epoch, op):
    # one slab on list ``want`` (0 partial, 1 full, 2 free): active, freelist, free slots
    num = s[_K_NUM]
    active = s[rec + U_PG_AUX]
    ok = active < num and active > _0
    if want == 1:
        ok = active == num
    elif want == 2:
        ok = active == _0
    if not ok:
        _set_err(s, L.ERR_INVARIANT, s[rec + U_PG_PRIVATE], 0, 5, op)
        return False
    freelist = s[rec + U_PG_FREELIST]
    if s[_K_CFLAGS] & _OBJFREELIST:
        if active == num:
            ok = freelist == _0
        else:  # the index array lives in the object the last free slot names
            ok = freelist == index_to_obj(s, rec, load_u8(s, freelist + num - _1))
    else:
        slab_end = (pfn + (_1 << s[_K_GFPORDER])) << U_PAGE_SHIFT
        ok = freelist == slab_end - num  # the last num * sizeof(freelist_idx_t) bytes
    if not ok:
        _set_err(s, L.ERR_INVARIANT, s[rec + U_PG_PRIVATE], 0, 7, op)
        return False
    i = active
    while i < num:
        idx = load_u8(s, freelist + i)
        if idx >= num:
            _set_err(s, L.ERR_INVARIANT, s[rec + U_PG_PRIVATE], 0, 11, op)
            return False
        if not _see(s, index_to_obj(s, rec, idx), epoch, op):
            return False
        i += _1
    return True


@njit(nogil=True, cache=True, _nrt=False)
def _check_lost(s, rec, epoch, op):
    # every object of a slab is handed out or was seen in a free place
    i = _0
    while i < s[_K_NUM]:
        x = index_to_obj(s, rec, i)
        r = _slot(s, x)
        if s[r] != _ACTIVE and s[r + _1] != epoch:
            _set_err(s, L.ERR_INVARIANT, x, 0, 4, op)
            return False
        i += _1
    return True


@njit(nogil=True, cache=True, _nrt=False)
def validate_slab_cache(s, op):
    # every invariant of the cache; True when consistent (first violation recorded)
    epoch = s[_K_EPOCH] + _1
    s[_K_EPOCH] = epoch
    cpu = _0
    while cpu < s[_K_NR_CPUS]:
        if not _check_ac(s, s[_K_CPU_BASE] + cpu * s[_K_AC_STRIDE], epoch, op):
            return False
        cpu += _1
    nr_nodes = s[_K_NR_NODES]
    total = _0
    node = _0
    while node < nr_nodes:
        n = get_node(s, node)
        if s[n + _N_SHARED] != _0 and not _check_ac(s, s[n + _N_SHARED], epoch, op):
            return False
        alien = s[n + _N_ALIEN]
        if alien != _0:
            i = _0
            while i < nr_nodes:
                alc = s[alien + i]
                if alc != _0 and not _check_ac(s, alc + _ALIEN_AC, epoch, op):
                    return False
                i += _1
        node += _1
    node = _0
    while node < nr_nodes:
        n = get_node(s, node)
        free_objects = _0
        slabs = _0
        free_slabs = _0
        for want in range(3):
            head = n + _LISTS[want]
            e = s[head]
            prev = head
            while e != head:
                if s[e + _1] != prev or slabs > s[s[U_MH_ZONE] + _Z_MANAGED]:
                    _set_err(s, L.ERR_INVARIANT, e, 0, 10, op)
                    return False
                pfn = lru_to_page(s, e)
                rec = page_rec(s, pfn)
                if (pfn << U_PAGE_SHIFT) < s[_K_ARENA_START] or (pfn << U_PAGE_SHIFT) >= s[
                    _K_ARENA_END
                ]:
                    _set_err(s, L.ERR_INVARIANT, e, 0, 10, op)
                    return False
                if not _check_slab(s, pfn, rec, want, epoch, op):
                    return False
                free_objects += s[_K_NUM] - s[rec + U_PG_AUX]
                slabs += _1
                if want == 2:
                    free_slabs += _1
                prev = e
                e = s[e]
        if free_objects != s[n + _N_FREE_OBJECTS]:
            _set_err(s, L.ERR_INVARIANT, free_objects, 0, 6, op)
            return False
        if slabs != s[n + _N_TOTAL_SLABS] or free_slabs != s[n + _N_FREE_SLABS]:
            _set_err(s, L.ERR_INVARIANT, slabs, 0, 9, op)
            return False
        for want in range(3):
            head = n + _LISTS[want]
            e = s[head]
            while e != head:
                if not _check_lost(s, page_rec(s, lru_to_page(s, e)), epoch, op):
                    return False
                e = s[e]
        total += slabs
        node += _1
    # every arena page is in a slab, free in the buddy lists, or on a per-CPU page list
    # (only on a machine of its own: on a shared one other users hold pages too)
    if s[_K_SHARED_MACHINE] != _0:
        return True
    z = s[U_MH_ZONE]
    pages = total << s[_K_GFPORDER]
    cpu = _0
    while cpu < s[z + _Z_NR_CPUS]:
        pages += s[s[z + _Z_PCP_BASE] + cpu * _PCP_WORDS + _PCP_COUNT]
        cpu += _1
    if pages + s[z + _Z_NR_FREE_PAGES] != s[z + _Z_MANAGED]:
        _set_err(s, L.ERR_INVARIANT, total, 0, 9, op)
        return False
    if s[z + _Z_ERR] != _0:  # the page allocator found a bad page (its own message)
        return False
    return True


# --------------------------------------------------------------------------------------
# The checked twins of the entry points (same arguments and results)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_checked(s, cpu):
    # kmem_cache_alloc + cache_alloc_debugcheck_after + validation
    cpu = U(cpu)
    if s[_K_ERR] != _0:
        return _0
    x = kmem_cache_alloc(s, cpu)
    if x != _0:
        alloc_debug_processing(s, cpu, x, _OP1)
    validate_slab_cache(s, _OP1)
    if s[_K_ERR] != _0:
        return _0
    return x


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_checked(s, cpu, x):
    # cache_free_debugcheck + kmem_cache_free + validation
    cpu = U(cpu)
    x = U(x)
    if s[_K_ERR] != _0 or not free_debug_processing(s, cpu, x, _OP2):
        return
    kmem_cache_free(s, cpu, x)
    validate_slab_cache(s, _OP2)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk_checked(s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk + cache_alloc_debugcheck_after_bulk + validation
    cpu = U(cpu)
    size = U(size)
    if s[_K_ERR] != _0:
        return _0
    got = kmem_cache_alloc_bulk(s, cpu, size, p, variant)
    i = _0
    while i < got:
        if not alloc_debug_processing(s, cpu, p[i], _OP3):
            return _0
        i += _1
    if not validate_slab_cache(s, _OP3):
        return _0
    return got


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_checked(s, cpu, size, p, variant):
    # cache_free_debugcheck per object + kmem_cache_free_bulk + validation
    cpu = U(cpu)
    size = U(size)
    if s[_K_ERR] != _0:
        return
    i = _0
    while i < size:
        if not free_debug_processing(s, cpu, p[i], _OP4):
            return
        i += _1
    kmem_cache_free_bulk(s, cpu, size, p, variant)
    validate_slab_cache(s, _OP4)
