"""net/core/skbuff.c for the skb recycle loops: skb heads from the machine's
``skbuff_head_cache``, data buffers from the page_frag cache, and the NAPI skb cache in
its kernel variants (v4.4 none, v4.6 defer array, the 2015 RFC bulk alloc, v5.12 and
v6.19 persistent caches, v6.19 deferral of remote frees to the allocating CPU).

Every function carries the name of the kernel function it models. The slab allocator is
reached through one small layer (``head_cache_*``) whose ``allocator`` argument is a
:class:`~skbbench.harness.flavor.Flavor` with a napi_layout.ALLOC_* id: every function
above it is compiled once per allocator, with only that allocator's code in it. Explained
in docs/model.md ("The skb recycle loops").
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import overload

from skbbench.harness.flavor import is_flavor
from skbbench.harness.intrinsics import atomic_add64, atomic_load64, cmpxchg64
from skbbench.harness.spin import busy_wait
from skbbench.model import sheaves, sheaves_debug, slab, slab_debug
from skbbench.model.bulk import (
    BULK_AFTER,
    kmem_cache_alloc_bulk,
    kmem_cache_alloc_bulk_checked,
    kmem_cache_free_bulk,
    kmem_cache_free_bulk_checked,
)
from skbbench.model.machine import U_MH_COST_BH, U_MH_COST_IRQ, U_MH_COST_IRQSAVE, U_MH_VMEMMAP
from skbbench.model.mm_types import PG_PFMEMALLOC, U_PG_CH, U_PG_FLAGS, U_RECW
from skbbench.model.napi_layout import (
    ALLOC_CHECKED,
    ALLOC_SHEAVES,
    ALLOC_SHEAVES_618,
    ALLOC_SLAB,
    ERR_HEAD_OOM,
    ERR_SKB_USERS,
    NH_CACHE_BULK,
    NH_CACHE_FREE,
    NH_CACHE_SIZE,
    NH_DEFER_MAX,
    NH_ERR,
    NH_ERR_AUX,
    NH_PCPU_BASE,
    NH_PCPU_STRIDE,
    NH_REUSABLE_CHECK,
    NH_VARIANT,
    PC_DEFER_COUNT,
    PC_DEFER_LIST,
    PC_SKB_CACHE,
    PC_SKB_COUNT,
    RFC,
    SHINFO_DATAREF,
    SHINFO_MEMSET_WORDS,
    SKB_ALLOC_CPU,
    SKB_BITS,
    SKB_DATA,
    SKB_FCLONE_MASK,
    SKB_HEAD,
    SKB_HEAD_FRAG,
    SKB_LEN,
    SKB_MEMSET_WORDS,
    SKB_NEXT,
    SKB_PFMEMALLOC,
    SKB_SHINFO_SIZE,
    SKB_TAIL_WORD,
    SKB_TRUESIZE_USERS,
    ST_ALLOC_BULK_CALLS,
    ST_ALLOC_BULK_OBJECTS,
    ST_BH,
    ST_CACHE_GET,
    ST_CACHE_PUT,
    ST_DEFER_FLUSHED,
    ST_DEFER_KICK,
    ST_DEFER_NODEFER,
    ST_DEFER_QUEUED,
    ST_FREE_BULK_CALLS,
    ST_FREE_BULK_OBJECTS,
    ST_HEAD_ALLOC,
    ST_HEAD_FREE,
    ST_IRQ,
    ST_IRQSAVE,
    ST_KFREE_SKB,
    ST_NAPI_CONSUME,
    ST_NOT_REUSABLE,
    ST_REUSABLE_CHECK,
    V44,
    V46,
    V512,
    V619,
    skb_data_align,
)
from skbbench.model.page_frag import napi_stat, napi_stat_add, skb_free_frag
from skbbench.model.slub import kmem_cache_alloc, kmem_cache_free
from skbbench.model.slub_debug import kmem_cache_alloc_checked, kmem_cache_free_checked

_0 = np.uint64(0)
_1 = np.uint64(1)
_2 = np.uint64(2)
_3 = np.uint64(3)
_32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_USERS_ONE = np.uint64(1 << 32)
_MINUS_USERS_ONE = np.uint64((1 << 64) - (1 << 32))
_U64_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)
_SKB_MEMSET_WORDS = np.uint64(SKB_MEMSET_WORDS)
_SHINFO_MEMSET_WORDS = np.uint64(SHINFO_MEMSET_WORDS)
_SHINFO_DATAREF = np.uint64(SHINFO_DATAREF)
_SKB_NEXT = np.uint64(SKB_NEXT)
_SKB_LEN = np.uint64(SKB_LEN)
_SKB_BITS = np.uint64(SKB_BITS)
_SKB_ALLOC_CPU = np.uint64(SKB_ALLOC_CPU)
_SKB_TAIL = np.uint64(SKB_TAIL_WORD)
_SKB_HEAD = np.uint64(SKB_HEAD)
_SKB_DATA = np.uint64(SKB_DATA)
_SKB_TU = np.uint64(SKB_TRUESIZE_USERS)
_HEAD_FRAG = np.uint64(SKB_HEAD_FRAG)
_PFMEMALLOC_BIT = np.uint64(SKB_PFMEMALLOC)
_FCLONE_MASK = np.uint64(SKB_FCLONE_MASK)
_PG_PFMEMALLOC = np.uint64(PG_PFMEMALLOC)
_PC_SKB_COUNT = np.uint64(PC_SKB_COUNT)
_PC_SKB_CACHE = np.uint64(PC_SKB_CACHE)
_PC_DEFER_LIST = np.uint64(PC_DEFER_LIST)
_PC_DEFER_COUNT = np.uint64(PC_DEFER_COUNT)
_NH_PCPU_BASE = np.uint64(NH_PCPU_BASE)
_NH_PCPU_STRIDE = np.uint64(NH_PCPU_STRIDE)
_NH_VARIANT = np.uint64(NH_VARIANT)
_NH_CACHE_SIZE = np.uint64(NH_CACHE_SIZE)
_NH_CACHE_BULK = np.uint64(NH_CACHE_BULK)
_NH_CACHE_FREE = np.uint64(NH_CACHE_FREE)
_NH_REUSABLE = np.uint64(NH_REUSABLE_CHECK)
_NH_DEFER_MAX = np.uint64(NH_DEFER_MAX)
_NH_ERR = np.uint64(NH_ERR)
_NH_ERR_AUX = np.uint64(NH_ERR_AUX)
_V44 = np.uint64(V44)
_V46 = np.uint64(V46)
_RFC = np.uint64(RFC)
_V512 = np.uint64(V512)
_V619 = np.uint64(V619)
_E_HEAD_OOM = np.uint64(ERR_HEAD_OOM)
_E_SKB_USERS = np.uint64(ERR_SKB_USERS)
_SHINFO_ALIGNED = np.uint64(skb_data_align(SKB_SHINFO_SIZE))
SKB_TRUESIZE_HEAD = 256  # SKB_TRUESIZE's SKB_DATA_ALIGN(sizeof(struct sk_buff)) part
_TRUESIZE_HEAD = np.uint64(SKB_TRUESIZE_HEAD)


# --------------------------------------------------------------------------------------
# Small helpers


@njit(inline="always", nogil=True)
def this_cpu_napi(s, nh, cpu):
    # this_cpu_ptr(&napi_alloc_cache) / &per_cpu(softnet_data, cpu): the per-CPU region
    return s[nh + _NH_PCPU_BASE] + cpu * s[nh + _NH_PCPU_STRIDE]


@njit(inline="always", nogil=True)
def napi_set_error(s, nh, code, aux):
    # WARN_ON/BUG_ON of the skb layer: record the first error (the Python side raises)
    if s[nh + _NH_ERR] == _0:
        s[nh + _NH_ERR] = code
        s[nh + _NH_ERR_AUX] = aux


@njit(inline="always", nogil=True)
def charge_irq(s, pc):
    # local_irq_disable + local_irq_enable: kernel-only cost, busy-wait
    napi_stat(s, pc, ST_IRQ)
    busy_wait(s[U_MH_COST_IRQ])


@njit(inline="always", nogil=True)
def charge_bh(s, pc):
    # local_bh_disable + local_bh_enable: kernel-only cost, busy-wait
    napi_stat(s, pc, ST_BH)
    busy_wait(s[U_MH_COST_BH])


@njit(inline="always", nogil=True)
def charge_irqsave(s, pc):
    # local_irq_save + local_irq_restore: kernel-only cost, busy-wait
    napi_stat(s, pc, ST_IRQSAVE)
    busy_wait(s[U_MH_COST_IRQSAVE])


# --------------------------------------------------------------------------------------
# The slab allocator layer: skbuff_head_cache. ``allocator`` is a Flavor (napi_layout ids):
# each head_cache_* call resolves, at typing time, to the one allocator's entry point, so
# a chain compiled for SLUB contains no SLAB code and vice versa (a branch on a run-time
# id would make Numba compile every allocator's chain into every caller).


def _entry(allocator, slub_fn, slab_fn, slub_checked_fn, slab_checked_fn, *sheaves_fns):
    # the entry point of the allocator flavor (typing time); None for a non-flavor.
    # sheaves_fns: v7.0, v7.0 checked, v6.18, v6.18 checked
    if not is_flavor(allocator):
        return None
    checked = bool(allocator.flags & ALLOC_CHECKED)
    if allocator.flags & ALLOC_SLAB:
        return slab_checked_fn if checked else slab_fn
    if allocator.flags & ALLOC_SHEAVES:
        return sheaves_fns[1] if checked else sheaves_fns[0]
    if allocator.flags & ALLOC_SHEAVES_618:
        return sheaves_fns[3] if checked else sheaves_fns[2]
    return slub_checked_fn if checked else slub_fn


def head_cache_alloc(s, cpu, allocator):
    """kmem_cache_alloc(skbuff_head_cache, GFP_ATOMIC) (jitted code only)."""
    raise NotImplementedError("jitted code only")


def head_cache_free(s, cpu, x, allocator):
    """kmem_cache_free(skbuff_head_cache, x) (jitted code only)."""
    raise NotImplementedError("jitted code only")


def head_cache_alloc_bulk(s, cpu, n, p, allocator):
    """kmem_cache_alloc_bulk(skbuff_head_cache, GFP_ATOMIC, n, p): n or 0 (jitted only)."""
    raise NotImplementedError("jitted code only")


def head_cache_free_bulk(s, cpu, n, p, allocator):
    """kmem_cache_free_bulk(skbuff_head_cache, n, p) (jitted code only)."""
    raise NotImplementedError("jitted code only")


# Each allocator's entry points: SLUB, SLAB, SLUB checked, SLAB checked, then sheaves
# v7.0, v7.0 checked, v6.18, v6.18 checked.
_ALLOC = (
    kmem_cache_alloc,
    slab.kmem_cache_alloc,
    kmem_cache_alloc_checked,
    slab_debug.kmem_cache_alloc_checked,
    sheaves.kmem_cache_alloc,
    sheaves_debug.kmem_cache_alloc_checked,
    sheaves.kmem_cache_alloc_618,
    sheaves_debug.kmem_cache_alloc_checked_618,
)
_FREE = (
    kmem_cache_free,
    slab.kmem_cache_free,
    kmem_cache_free_checked,
    slab_debug.kmem_cache_free_checked,
    sheaves.kmem_cache_free,
    sheaves_debug.kmem_cache_free_checked,
    sheaves.kmem_cache_free_618,
    sheaves_debug.kmem_cache_free_checked_618,
)
_ALLOC_BULK = (
    kmem_cache_alloc_bulk,
    slab.kmem_cache_alloc_bulk,
    kmem_cache_alloc_bulk_checked,
    slab_debug.kmem_cache_alloc_bulk_checked,
    sheaves.kmem_cache_alloc_bulk,
    sheaves_debug.kmem_cache_alloc_bulk_checked,
    sheaves.kmem_cache_alloc_bulk_618,
    sheaves_debug.kmem_cache_alloc_bulk_checked_618,
)
_FREE_BULK = (
    kmem_cache_free_bulk,
    slab.kmem_cache_free_bulk,
    kmem_cache_free_bulk_checked,
    slab_debug.kmem_cache_free_bulk_checked,
    sheaves.kmem_cache_free_bulk,
    sheaves_debug.kmem_cache_free_bulk_checked,
    sheaves.kmem_cache_free_bulk_618,
    sheaves_debug.kmem_cache_free_bulk_checked_618,
)
_JIT = {"nogil": True}


@overload(head_cache_alloc, jit_options=_JIT)
def _head_cache_alloc(s, cpu, allocator):
    fn = _entry(allocator, *_ALLOC)
    return None if fn is None else (lambda s, cpu, allocator: fn(s, cpu))


@overload(head_cache_free, jit_options=_JIT)
def _head_cache_free(s, cpu, x, allocator):
    fn = _entry(allocator, *_FREE)
    return None if fn is None else (lambda s, cpu, x, allocator: fn(s, cpu, x))


@overload(head_cache_alloc_bulk, jit_options=_JIT)
def _head_cache_alloc_bulk(s, cpu, n, p, allocator):
    fn = _entry(allocator, *_ALLOC_BULK)
    return None if fn is None else (lambda s, cpu, n, p, allocator: fn(s, cpu, n, p, BULK_AFTER))


@overload(head_cache_free_bulk, jit_options=_JIT)
def _head_cache_free_bulk(s, cpu, n, p, allocator):
    fn = _entry(allocator, *_FREE_BULK)
    return None if fn is None else (lambda s, cpu, n, p, allocator: fn(s, cpu, n, p, BULK_AFTER))


# --------------------------------------------------------------------------------------
# Building an skb around a data buffer


@njit(inline="always", nogil=True)
def __build_skb_around(s, cpu, skb, data, frag_size, variant):
    # __build_skb_around: memset(skb, 0, offsetof(struct sk_buff, tail)), set the data
    # pointers, users = 1, and initialise skb_shared_info at the end of the buffer
    w = skb >> _3
    i = _0
    while i < _SKB_MEMSET_WORDS:  # the memset is real memory work
        s[w + i] = _0
        i += _1
    size = frag_size - _SHINFO_ALIGNED  # size -= SKB_DATA_ALIGN(sizeof(skb_shared_info))
    s[w + _SKB_TU] = (_TRUESIZE_HEAD + frag_size) | _USERS_ONE  # truesize; users = 1
    s[w + _SKB_HEAD] = data
    s[w + _SKB_DATA] = data
    s[w + _SKB_TAIL] = size << _32  # tail = 0 (skb_reset_tail_pointer), end = size
    s[w + _SKB_BITS] = _HEAD_FRAG  # skb->head_frag = 1 (frag_size != 0)
    if variant == _V619:
        s[w + _SKB_ALLOC_CPU] = cpu  # skb->alloc_cpu = raw_smp_processor_id()
    sh = (data + size) >> _3  # skb_shinfo(skb)
    j = _0
    while j < _SHINFO_MEMSET_WORDS:  # memset(shinfo, 0, offsetof(..., dataref))
        s[sh + j] = _0
        j += _1
    s[sh + _SHINFO_DATAREF] = _1  # atomic_set(&shinfo->dataref, 1)


@njit(nogil=True, cache=True, _nrt=False)
def build_skb(s, nh, cpu, pc, data, frag_size, allocator):
    # build_skb -> __build_skb: a head from kmem_cache_alloc, then __build_skb_around
    skb = head_cache_alloc(s, cpu, allocator)
    napi_stat(s, pc, ST_HEAD_ALLOC)
    if skb == _0:
        napi_set_error(s, nh, _E_HEAD_OOM, cpu)
        return _0
    __build_skb_around(s, cpu, skb, data, frag_size, s[nh + _NH_VARIANT])
    return skb


@njit(nogil=True, cache=True, _nrt=False)
def napi_skb_cache_get(s, nh, cpu, pc, allocator):
    # napi_skb_cache_get (v5.12/v6.19): refill NAPI_SKB_CACHE_BULK heads by bulk alloc
    # when empty, then pop the most recently cached head (LIFO)
    count = s[pc + _PC_SKB_COUNT]
    if count == _0:
        bulk = s[nh + _NH_CACHE_BULK]
        base = pc + _PC_SKB_CACHE
        count = head_cache_alloc_bulk(s, cpu, bulk, s[base : base + bulk], allocator)
        napi_stat(s, pc, ST_ALLOC_BULK_CALLS)
        napi_stat_add(s, pc, ST_ALLOC_BULK_OBJECTS, count)
        if count == _0:
            return _0
    count -= _1
    s[pc + _PC_SKB_COUNT] = count
    napi_stat(s, pc, ST_CACHE_GET)
    return s[pc + _PC_SKB_CACHE + count]


@njit(nogil=True, cache=True, _nrt=False)
def napi_build_skb(s, nh, cpu, pc, data, frag_size, allocator):
    # napi_build_skb -> __napi_build_skb: a head from the NAPI cache, __build_skb_around
    skb = napi_skb_cache_get(s, nh, cpu, pc, allocator)
    if skb == _0:
        napi_set_error(s, nh, _E_HEAD_OOM, cpu)
        return _0
    __build_skb_around(s, cpu, skb, data, frag_size, s[nh + _NH_VARIANT])
    return skb


@njit(nogil=True, cache=True, _nrt=False)
def rfc_build_skb(s, nh, cpu, pc, data, frag_size, allocator):
    # the RFC's __napi_alloc_skb: head from the NAPI array, then the usual build (the
    # steps of napi_build_skb)
    return napi_build_skb(s, nh, cpu, pc, data, frag_size, allocator)


# --------------------------------------------------------------------------------------
# Freeing


@njit(inline="always", nogil=True)
def skb_unref(s, nh, skb):
    # skb_unref: users == 1 needs no atomic (smp_rmb); else atomic_dec_and_test
    w = (skb >> _3) + _SKB_TU
    users = s[w] >> _32
    if users == _1:
        return True
    if users == _0:
        napi_set_error(s, nh, _E_SKB_USERS, skb)
        return False
    old = atomic_add64(s, w, _MINUS_USERS_ONE)
    return (old >> _32) == _1


@njit(inline="always", nogil=True)
def skb_release_data(s, cpu, pc, skb):
    # skb_release_data: drop dataref (not cloned: no atomic), no page frags in the model,
    # then skb_free_head: head_frag -> skb_free_frag (put_page on the frag's head page)
    w = skb >> _3
    head = s[w + _SKB_HEAD]
    end = s[w + _SKB_TAIL] >> _32
    sh = (head + end) >> _3
    nr_frags = s[sh] & np.uint64(0xFF)  # shinfo->nr_frags: no page frags in the model
    if nr_frags == _0 and s[w + _SKB_BITS] & _HEAD_FRAG:
        skb_free_frag(s, cpu, pc, head)


@njit(inline="always", nogil=True)
def skb_release_all(s, cpu, pc, skb):
    # skb_release_all: skb_release_head_state (no dst/destructor/nfct here) + data
    skb_release_data(s, cpu, pc, skb)


@njit(nogil=True, cache=True, _nrt=False)
def kfree_skbmem(s, cpu, pc, skb, allocator):
    # kfree_skbmem: SKB_FCLONE_UNAVAILABLE -> kmem_cache_free(skbuff_head_cache, skb)
    napi_stat(s, pc, ST_HEAD_FREE)
    head_cache_free(s, cpu, skb, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def __kfree_skb(s, cpu, pc, skb, allocator):
    # __kfree_skb: skb_release_all + kfree_skbmem
    skb_release_all(s, cpu, pc, skb)
    kfree_skbmem(s, cpu, pc, skb, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def kfree_skb(s, nh, cpu, pc, skb, allocator):
    # kfree_skb / consume_skb: drop a reference; the last one frees head and data
    napi_stat(s, pc, ST_KFREE_SKB)
    if not skb_unref(s, nh, skb):
        return
    __kfree_skb(s, cpu, pc, skb, allocator)


@njit(inline="always", nogil=True)
def dev_consume_skb_any(s, nh, cpu, pc, skb, allocator):
    # dev_consume_skb_any in softirq context: consume_skb
    kfree_skb(s, nh, cpu, pc, skb, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def skb_cache_free_bulk(s, cpu, pc, n, base, allocator):
    # the skb layer's kmem_cache_free_bulk(skbuff_head_cache, n, &skb_cache[...])
    napi_stat(s, pc, ST_FREE_BULK_CALLS)
    napi_stat_add(s, pc, ST_FREE_BULK_OBJECTS, n)
    head_cache_free_bulk(s, cpu, n, s[base : base + n], allocator)


@njit(nogil=True, cache=True, _nrt=False)
def _kfree_skb_defer(s, cpu, pc, skb, allocator):
    # _kfree_skb_defer (v4.6): skb_release_all, then the 64-entry array; bulk free when
    # full (prefetchw(skb) for SLUB is a hint: nothing to model)
    skb_release_all(s, cpu, pc, skb)
    count = s[pc + _PC_SKB_COUNT]
    s[pc + _PC_SKB_CACHE + count] = skb
    count += _1
    napi_stat(s, pc, ST_CACHE_PUT)
    if count == np.uint64(64):  # NAPI_SKB_CACHE_SIZE
        skb_cache_free_bulk(s, cpu, pc, count, pc + _PC_SKB_CACHE, allocator)
        count = _0
    s[pc + _PC_SKB_COUNT] = count


@njit(inline="always", nogil=True)
def dev_page_is_reusable(s, skb):
    # dev_page_is_reusable(virt_to_head_page(skb)): local node (one node) and not
    # pfmemalloc; compound slabs make virt_to_head_page take its unlikely branch
    pfn = skb >> np.uint64(12)
    r = s[U_MH_VMEMMAP] + pfn * U_RECW
    ch = s[r + U_PG_CH]
    if ch & _1:
        r = s[U_MH_VMEMMAP] + (ch >> _1) * U_RECW
    return (s[r + U_PG_FLAGS] & _PG_PFMEMALLOC) == _0  # page_to_nid == numa_mem_id: node 0


@njit(nogil=True, cache=True, _nrt=False)
def napi_skb_cache_put(s, nh, cpu, pc, skb, allocator):
    # napi_skb_cache_put (v5.12/v6.19): push; when the cache is full, bulk free its top
    # NAPI_SKB_CACHE_HALF (v5.12) / NAPI_SKB_CACHE_FREE (v6.19) heads
    if s[nh + _NH_REUSABLE] != _0:  # the check the v5.12 post measured and dropped
        napi_stat(s, pc, ST_REUSABLE_CHECK)
        if not dev_page_is_reusable(s, skb):
            napi_stat(s, pc, ST_NOT_REUSABLE)
            kfree_skbmem(s, cpu, pc, skb, allocator)
            return
    count = s[pc + _PC_SKB_COUNT]
    s[pc + _PC_SKB_CACHE + count] = skb
    count += _1
    napi_stat(s, pc, ST_CACHE_PUT)
    size = s[nh + _NH_CACHE_SIZE]
    if count == size:
        nfree = s[nh + _NH_CACHE_FREE]
        remaining = size - nfree
        skb_cache_free_bulk(s, cpu, pc, nfree, pc + _PC_SKB_CACHE + remaining, allocator)
        count = remaining
    s[pc + _PC_SKB_COUNT] = count


@njit(nogil=True, cache=True, _nrt=False)
def __kfree_skb_flush(s, cpu, pc, allocator):
    # __kfree_skb_flush (v4.6): bulk free whatever the defer array holds
    count = s[pc + _PC_SKB_COUNT]
    if count != _0:
        skb_cache_free_bulk(s, cpu, pc, count, pc + _PC_SKB_CACHE, allocator)
        s[pc + _PC_SKB_COUNT] = _0


@njit(nogil=True, cache=True, _nrt=False)
def __kfree_skb_defer(s, nh, cpu, pc, skb, allocator):
    # __kfree_skb_defer (net_tx_action's completion queue): v4.6/RFC the defer array,
    # v5.12 and v6.19 (__napi_kfree_skb) skb_release_all + napi_skb_cache_put
    variant = s[nh + _NH_VARIANT]
    if variant == _V512 or variant == _V619:
        skb_release_all(s, cpu, pc, skb)
        napi_skb_cache_put(s, nh, cpu, pc, skb, allocator)
    else:
        _kfree_skb_defer(s, cpu, pc, skb, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def skb_attempt_defer_free(s, nh, cpu, pc, skb, allocator):
    # skb_attempt_defer_free (v6.19): queue the skb on its alloc_cpu's defer_list
    # (llist_add), kick that CPU at half of sysctl_skb_defer_max, free here when over it
    acpu = s[(skb >> _3) + _SKB_ALLOC_CPU]
    rpc = this_cpu_napi(s, nh, acpu)
    defer_count = atomic_add64(s, rpc + _PC_DEFER_COUNT, _1) + _1
    defer_max = s[nh + _NH_DEFER_MAX]
    if defer_count >= defer_max:
        # nodefer: kfree_skb_napi_cache: local_bh_disable; __napi_kfree_skb; local_bh_enable
        napi_stat(s, pc, ST_DEFER_NODEFER)
        charge_bh(s, pc)
        skb_release_all(s, cpu, pc, skb)
        napi_skb_cache_put(s, nh, cpu, pc, skb, allocator)
        return
    w = (skb >> _3) + _SKB_NEXT
    while True:  # llist_add: skb->ll_node.next = first; cmpxchg(&head->first, first, skb)
        first = atomic_load64(s, rpc + _PC_DEFER_LIST)
        s[w] = first
        if cmpxchg64(s, rpc + _PC_DEFER_LIST, first, skb) == first:
            break
    napi_stat(s, pc, ST_DEFER_QUEUED)
    if defer_count - _1 == defer_max >> _1:
        napi_stat(s, pc, ST_DEFER_KICK)  # kick_defer_list_purge: IPI (the CPU polls anyway)


@njit(nogil=True, cache=True, _nrt=False)
def napi_consume_skb(s, nh, cpu, pc, skb, budget, allocator):
    # napi_consume_skb: budget 0 (netpoll) -> dev_consume_skb_any; v6.19 defers a
    # remote skb to its alloc_cpu; else drop the reference and recycle into the cache
    if budget == _0:
        dev_consume_skb_any(s, nh, cpu, pc, skb, allocator)
        return
    variant = s[nh + _NH_VARIANT]
    if variant == _V44:  # v4.4 has no napi_consume_skb: drivers call dev_consume_skb_any
        dev_consume_skb_any(s, nh, cpu, pc, skb, allocator)
        return
    napi_stat(s, pc, ST_NAPI_CONSUME)
    w = skb >> _3
    if variant == _V619 and s[w + _SKB_ALLOC_CPU] != cpu and (s[w + _SKB_TU] >> _32) == _1:
        skb_attempt_defer_free(s, nh, cpu, pc, skb, allocator)  # after skb_release_head_state
        return
    if not skb_unref(s, nh, skb):
        return
    if s[w + _SKB_BITS] & _FCLONE_MASK:  # a clone: not for the cache
        __kfree_skb(s, cpu, pc, skb, allocator)
        return
    if variant == _V46 or variant == _RFC:  # v4.6 and the RFC: the defer array
        _kfree_skb_defer(s, cpu, pc, skb, allocator)
        return
    skb_release_all(s, cpu, pc, skb)
    napi_skb_cache_put(s, nh, cpu, pc, skb, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def skb_defer_free_flush(s, nh, cpu, pc, allocator):
    # skb_defer_free_flush (v6.19): take the whole defer_list, reset defer_count and
    # napi_consume_skb(skb, 1) each skb on its allocating CPU
    if atomic_load64(s, pc + _PC_DEFER_LIST) == _0:
        return
    skb = _0
    while True:  # llist_del_all: xchg(&head->first, NULL)
        skb = atomic_load64(s, pc + _PC_DEFER_LIST)
        if cmpxchg64(s, pc + _PC_DEFER_LIST, skb, _0) == skb:
            break
    atomic_add64(s, pc + _PC_DEFER_COUNT, _0 - atomic_load64(s, pc + _PC_DEFER_COUNT))
    while skb != _0:
        nxt = s[(skb >> _3) + _SKB_NEXT]
        napi_stat(s, pc, ST_DEFER_FLUSHED)
        napi_consume_skb(s, nh, cpu, pc, skb, _1, allocator)
        skb = nxt


@njit(inline="always", nogil=True)
def skb_put(s, skb, len_):
    # skb_put: tail += len; len += len; returns the old skb_tail_pointer (head + tail)
    w = skb >> _3
    t = s[w + _SKB_TAIL]
    s[w + _SKB_TAIL] = t + len_
    s[w + _SKB_LEN] = s[w + _SKB_LEN] + len_
    return s[w + _SKB_HEAD] + (t & _LOW32)


@njit(inline="always", nogil=True)
def skb_reserve(s, skb, len_):
    # skb_reserve: data += len; tail += len
    w = skb >> _3
    s[w + _SKB_DATA] = s[w + _SKB_DATA] + len_
    s[w + _SKB_TAIL] = s[w + _SKB_TAIL] + len_
