"""qmempool: the quick queue-based memory pool in front of a kmem_cache (RFC Dec 2014):
per-CPU SPSC localq, one MPMC sharedq in bulks of 16, the SLUB model behind them, with
the original's quirks. Layout, exported vs inline entry points: docs/model.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from llvmlite import ir
from numba import cfunc, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from skbbench.errors import ModelError, ModelParameterError
from skbbench.harness.calls import call_out_of_line
from skbbench.harness.memory import aligned_words
from skbbench.harness.spin import busy_wait
from skbbench.model import sheaves as sheaves_model
from skbbench.model import sheaves_debug, slab_debug
from skbbench.model import slab as slab_model
from skbbench.model.alf_queue import (
    alf_mc_dequeue,
    alf_mp_enqueue,
    alf_queue_count,
    alf_sc_dequeue,
    alf_sp_enqueue,
    queue_contents,
)
from skbbench.model.alf_queue_layout import RING, alf_size_problem
from skbbench.model.machine import U_MH_COST_BH
from skbbench.model.sheaves_create import SheavesCache
from skbbench.model.sheaves_layout import MAGIC as SHEAVES_MAGIC
from skbbench.model.sheaves_layout import SH_MAGIC, SH_MAGIC_VALUE
from skbbench.model.slab_create import SlabCache
from skbbench.model.slab_layout import K_DBG_BASE, K_MAGIC, SLAB_MAGIC
from skbbench.model.slub import kmem_cache_alloc, kmem_cache_free
from skbbench.model.slub_create import SlubCache
from skbbench.model.slub_debug import kmem_cache_alloc_checked, kmem_cache_free_checked
from skbbench.model.slub_layout import H_CHECK

_K_MAGIC = np.uint64(K_MAGIC)
_K_CHECK = np.uint64(K_DBG_BASE)  # a check=True SLAB cache has a debug region
_SLAB_MAGIC = np.uint64(SLAB_MAGIC)
_SHEAVES_MAGIC = np.uint64(SHEAVES_MAGIC)  # a v7.0 sheaves cache
_SH_MAGIC = np.uint64(SH_MAGIC)  # a v6.18 form's SLUB cache with its sheaf layer set up
_SH_MAGIC_VALUE = np.uint64(SH_MAGIC_VALUE)

QMEMPOOL_BULK = 16
QMEMPOOL_REFILL_MULTIPLIER = 2

# pool header words
PH_NR_CPUS = 0
PH_LOCALQ_SZ = 1
PH_SHAREDQ_SZ = 2
PH_PREALLOC = 3
PH_SHAREDQ = 4  # offset of sharedq
PH_LOCALQ = 5  # offset of localq[0]
PH_LOCALQ_STRIDE = 6
PH_PERCPU = 7  # offset of percpu[0]
PH_BUG = 8  # first BUG_ON hit (BUG_* code), 0 = none
PH_BUG_CPU = 9
HEADER_WORDS = 16

# per-CPU record (PERCPU_WORDS words, own cache lines)
PC_IN_SOFTIRQ = 0  # in_serving_softirq() of this CPU: 0 = process context
PC_STATS = 1  # ST_* counters follow
PC_ELEMS = 16  # void *elems[QMEMPOOL_BULK] scratch (the kernel's on-stack array)
PERCPU_WORDS = 32

# slow-path statistics (the fast paths count nothing, as in the original)
ST_SHAREDQ_ALLOC = 0  # alloc served by a bulk dequeue from sharedq
ST_SHAREDQ_EMPTY = 1  # alloc found sharedq empty (-> slab refill)
ST_SLAB_REFILL = 2  # __qmempool_alloc_from_slab calls
ST_KMEM_ALLOC = 3  # kmem_cache_alloc calls
ST_FREE_SHAREDQ = 4  # localq full -> 16 flushed to sharedq
ST_FREE_SLAB = 5  # sharedq full -> __qmempool_free_to_slab
ST_KMEM_FREE = 6  # kmem_cache_free calls
ST_MP_ENQ = 7  # alf_mp_enqueue calls on sharedq
ST_MC_DEQ = 8  # alf_mc_dequeue calls on sharedq
ST_BH = 9  # local_bh_disable/enable pairs charged
ST_LEAKED = 10  # objects leaked by the refill error path (off-by-one)
ST_SLAB_NULL = 11  # kmem_cache_alloc returned NULL
NR_STATS = 12
STAT_NAMES = (
    "alloc_from_sharedq",
    "sharedq_empty",
    "slab_refill",
    "kmem_cache_alloc",
    "free_to_sharedq",
    "free_to_slab",
    "kmem_cache_free",
    "sharedq_mp_enqueue",
    "sharedq_mc_dequeue",
    "bh_disable_enable",
    "leaked",
    "slab_null",
)

BUG_LOCALQ_REFILL = 1  # alf_sp_enqueue into the empty localq failed
BUG_SHAREDQ_REFILL = 2  # sharedq had no room for a slab refill
BUG_LOCALQ_FLUSH = 3  # free: alf_sc_dequeue from the full localq returned 0
BUG_NAMES = {
    BUG_LOCALQ_REFILL: "__qmempool_alloc_from_sharedq: BUG: localq enqueue failed",
    BUG_SHAREDQ_REFILL: "__qmempool_alloc_from_slab: BUG_ON(num == 0): sharedq had no room",
    BUG_LOCALQ_FLUSH: "__qmempool_free_to_sharedq: BUG_ON(num_deq == 0)",
}

_0 = np.uint64(0)
_1 = np.uint64(1)
_BULK = np.uint64(QMEMPOOL_BULK)
_U32 = np.uint64(0xFFFFFFFF)


# --- helpers ---------------------------------------------------------------------------------


@njit(inline="always", nogil=True)
def _sharedq(pool):
    a = pool[PH_SHAREDQ]
    return pool[np.uintp(a) : np.uintp(a + np.uint64(RING) + pool[PH_SHAREDQ_SZ])]


@njit(inline="always", nogil=True)
def _localq(pool, cpu):
    stride = pool[PH_LOCALQ_STRIDE]
    a = pool[PH_LOCALQ] + np.uint64(cpu) * stride
    return pool[np.uintp(a) : np.uintp(a + stride)]


@njit(inline="always", nogil=True)
def _percpu(pool, cpu):
    return pool[PH_PERCPU] + np.uint64(cpu) * np.uint64(PERCPU_WORDS)


@njit(inline="always", nogil=True)
def _elems(pool, cpu):
    a = _percpu(pool, cpu) + np.uint64(PC_ELEMS)
    return pool[np.uintp(a) : np.uintp(a + _BULK)]


@njit(inline="always", nogil=True)
def _stat(pool, cpu, item, n):
    i = np.uintp(_percpu(pool, cpu) + np.uint64(PC_STATS + item))
    pool[i] += np.uint64(n)


@njit(inline="always", nogil=True)
def _bug(pool, cpu, code):
    if pool[PH_BUG] == _0:
        pool[PH_BUG] = np.uint64(code)
        pool[PH_BUG_CPU] = np.uint64(cpu)


@njit(nogil=True, cache=True, _nrt=False)
def _slab_kmem_alloc(s, cpu):
    # kmem_cache_alloc of a SLAB cache (an out-of-line call: only slab refills reach it)
    if s[_K_CHECK] != _0:
        return slab_debug.kmem_cache_alloc_checked(s, cpu)
    return slab_model.kmem_cache_alloc(s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def _slab_kmem_free(s, cpu, obj):
    # kmem_cache_free of a SLAB cache
    if s[_K_CHECK] != _0:
        slab_debug.kmem_cache_free_checked(s, cpu, obj)
    else:
        slab_model.kmem_cache_free(s, cpu, obj)


@njit(nogil=True, cache=True, _nrt=False)
def _sheaves_kmem_alloc(s, cpu):
    # kmem_cache_alloc of a sheaves cache (v7.0, or v6.18's form: its header says which)
    v618 = s[_SH_MAGIC] == _SH_MAGIC_VALUE and s[_K_MAGIC] != _SHEAVES_MAGIC
    if s[H_CHECK] != _0:
        if v618:
            return sheaves_debug.kmem_cache_alloc_checked_618(s, cpu)
        return sheaves_debug.kmem_cache_alloc_checked(s, cpu)
    if v618:
        return sheaves_model.kmem_cache_alloc_618(s, cpu)
    return sheaves_model.kmem_cache_alloc(s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def _sheaves_kmem_free(s, cpu, obj):
    # kmem_cache_free of a sheaves cache
    v618 = s[_SH_MAGIC] == _SH_MAGIC_VALUE and s[_K_MAGIC] != _SHEAVES_MAGIC
    if s[H_CHECK] != _0:
        if v618:
            sheaves_debug.kmem_cache_free_checked_618(s, cpu, obj)
        else:
            sheaves_debug.kmem_cache_free_checked(s, cpu, obj)
    elif v618:
        sheaves_model.kmem_cache_free_618(s, cpu, obj)
    else:
        sheaves_model.kmem_cache_free(s, cpu, obj)


@njit(inline="always", nogil=True)
def _kmem_alloc(s, cpu):
    # kmem_cache_alloc(pool->kmem_cache, gfp_mask): the cache is SLUB's, SLAB's or one
    # with sheaves (its header says which); the checked entry on check=True caches
    cpu = np.uint64(cpu)
    if s[_K_MAGIC] == _SLAB_MAGIC:
        return _slab_kmem_alloc(s, cpu)
    if s[_K_MAGIC] == _SHEAVES_MAGIC or s[_SH_MAGIC] == _SH_MAGIC_VALUE:
        return _sheaves_kmem_alloc(s, cpu)
    if s[H_CHECK] != _0:
        return kmem_cache_alloc_checked(s, cpu)
    return kmem_cache_alloc(s, cpu)


@njit(inline="always", nogil=True)
def _kmem_free(s, cpu, obj):
    # kmem_cache_free(pool->kmem_cache, elem)
    cpu = np.uint64(cpu)
    obj = np.uint64(obj)
    if s[_K_MAGIC] == _SLAB_MAGIC:
        _slab_kmem_free(s, cpu, obj)
    elif s[_K_MAGIC] == _SHEAVES_MAGIC or s[_SH_MAGIC] == _SH_MAGIC_VALUE:
        _sheaves_kmem_free(s, cpu, obj)
    elif s[H_CHECK] != _0:
        kmem_cache_free_checked(s, cpu, obj)
    else:
        kmem_cache_free(s, cpu, obj)


# --- alloc -------------------------------------------------------------------------------------


@njit(nogil=True, cache=True, _nrt=False)
def __qmempool_alloc_from_slab(pool, s, cpu):
    # __qmempool_alloc_from_slab: 1 object to return + 2 x 16 into sharedq, localq untouched
    _stat(pool, cpu, ST_SLAB_REFILL, 1)
    elem = _kmem_alloc(s, cpu)
    _stat(pool, cpu, ST_KMEM_ALLOC, 1)
    if elem == _0:  # slab depleted, no reason to call below allocs
        _stat(pool, cpu, ST_SLAB_NULL, 1)
        return _0
    sharedq = _sharedq(pool)
    elems = _elems(pool, cpu)
    for _i in range(QMEMPOOL_REFILL_MULTIPLIER):
        for j in range(QMEMPOOL_BULK):
            obj = _kmem_alloc(s, cpu)
            _stat(pool, cpu, ST_KMEM_ALLOC, 1)
            elems[np.uintp(j)] = obj
            if obj == _0:
                # "ARGH - slab returned NULL": enqueue j-1 (u32), leaking elems[j-1]
                _stat(pool, cpu, ST_SLAB_NULL, 1)
                n = (np.uint64(j) - _1) & _U32
                _stat(pool, cpu, ST_MP_ENQ, 1)
                num = alf_mp_enqueue(sharedq, elems, 0, n)
                if num == _0:
                    _bug(pool, cpu, BUG_SHAREDQ_REFILL)
                if j > 0:
                    _stat(pool, cpu, ST_LEAKED, 1)
                return elem
        _stat(pool, cpu, ST_MP_ENQ, 1)
        num = alf_mp_enqueue(sharedq, elems, 0, _BULK)
        if num == _0:  # BUG_ON(num == 0): sharedq should have room
            _bug(pool, cpu, BUG_SHAREDQ_REFILL)
    return elem


@njit(nogil=True, cache=True, _nrt=False)
def __qmempool_alloc_from_sharedq(pool, s, cpu):
    # __qmempool_alloc_from_sharedq (mm/qmempool.c, exported: main_qmempool_alloc's real
    # call): one MC dequeue of up to 16; the rest into the empty localq
    localq = _localq(pool, cpu)
    elems = _elems(pool, cpu)
    _stat(pool, cpu, ST_MC_DEQ, 1)
    num = alf_mc_dequeue(_sharedq(pool), elems, 0, _BULK)
    if num > _0:
        _stat(pool, cpu, ST_SHAREDQ_ALLOC, 1)
        elem = elems[0]
        if num > _1:
            if alf_sp_enqueue(localq, elems, 1, num - _1) == _0:
                _bug(pool, cpu, BUG_LOCALQ_REFILL)
        return elem
    _stat(pool, cpu, ST_SHAREDQ_EMPTY, 1)
    return __qmempool_alloc_from_slab(pool, s, cpu)


@njit(inline="always", nogil=True)
def main_qmempool_alloc(pool, s, cpu):
    # main_qmempool_alloc: localq (SPSC) first, then sharedq, then the slab
    localq = _localq(pool, cpu)
    elems = _elems(pool, cpu)
    if alf_sc_dequeue(localq, elems, 0, 1) == _1:
        return elems[0]
    return call_out_of_line(__qmempool_alloc_from_sharedq, pool, s, np.uint64(cpu))


# --- free --------------------------------------------------------------------------------------


@njit(nogil=True, cache=True, _nrt=False)
def __qmempool_free_to_slab(pool, s, cpu, num):
    # __qmempool_free_to_slab: free the num in elems, then drain 2 x 16 from sharedq
    _stat(pool, cpu, ST_FREE_SLAB, 1)
    elems = _elems(pool, cpu)
    sharedq = _sharedq(pool)
    for i in range(num):
        _kmem_free(s, cpu, elems[np.uintp(i)])
    _stat(pool, cpu, ST_KMEM_FREE, num)
    for _j in range(QMEMPOOL_REFILL_MULTIPLIER):
        _stat(pool, cpu, ST_MC_DEQ, 1)
        n = alf_mc_dequeue(sharedq, elems, 0, _BULK)
        for i in range(n):
            _kmem_free(s, cpu, elems[np.uintp(i)])
        _stat(pool, cpu, ST_KMEM_FREE, n)


@njit(nogil=True, cache=True, _nrt=False)
def __qmempool_free_to_sharedq(pool, s, cpu, elem):
    # __qmempool_free_to_sharedq (mm/qmempool.c, exported: main_qmempool_free's real
    # call): elem + 15 from localq, one all-or-nothing MP enqueue
    localq = _localq(pool, cpu)
    elems = _elems(pool, cpu)
    elems[0] = elem
    num_deq = alf_sc_dequeue(localq, elems, 1, _BULK - _1)
    if num_deq == _0:
        _bug(pool, cpu, BUG_LOCALQ_FLUSH)
    num = num_deq + _1
    _stat(pool, cpu, ST_MP_ENQ, 1)
    if alf_mp_enqueue(_sharedq(pool), elems, 0, num) == num:
        _stat(pool, cpu, ST_FREE_SHAREDQ, 1)
        return
    __qmempool_free_to_slab(pool, s, cpu, num)


@njit(inline="always", nogil=True)
def main_qmempool_free(pool, s, cpu, elem):
    # main_qmempool_free: localq first; when full flush 16 to sharedq (or the slab)
    localq = _localq(pool, cpu)
    elems = _elems(pool, cpu)
    elems[0] = np.uint64(elem)
    if alf_sp_enqueue(localq, elems, 0, 1) == _1:
        return
    call_out_of_line(__qmempool_free_to_sharedq, pool, s, np.uint64(cpu), np.uint64(elem))


# --- context protection and the API variants -------------------------------------------------


@njit(inline="always", nogil=True)
def __qmempool_preempt_disable(pool, cpu):
    # __qmempool_preempt_disable: if (!in_serving_softirq()) local_bh_disable()
    return pool[np.uintp(_percpu(pool, cpu))] == _0


@njit(inline="always", nogil=True)
def __qmempool_preempt_enable(pool, s, cpu):
    # __qmempool_preempt_enable: if (!in_serving_softirq()) local_bh_enable()
    if pool[np.uintp(_percpu(pool, cpu))] == _0:
        # local_bh_disable + local_bh_enable: kernel-only cost, charged at the enable
        _stat(pool, cpu, ST_BH, 1)
        busy_wait(np.int64(s[U_MH_COST_BH]))


@njit(inline="always", nogil=True)
def __qmempool_alloc(pool, s, cpu):
    # __qmempool_alloc: BH-protected (inline)
    __qmempool_preempt_disable(pool, cpu)
    elem = main_qmempool_alloc(pool, s, cpu)
    __qmempool_preempt_enable(pool, s, cpu)
    return elem


@njit(inline="always", nogil=True)
def __qmempool_free(pool, s, cpu, elem):
    # __qmempool_free: BH-protected (inline)
    __qmempool_preempt_disable(pool, cpu)
    main_qmempool_free(pool, s, cpu, elem)
    __qmempool_preempt_enable(pool, s, cpu)


@njit(inline="always", nogil=True)
def __qmempool_alloc_softirq(pool, s, cpu):
    # __qmempool_alloc_softirq: caller is in softirq, no protection
    return main_qmempool_alloc(pool, s, cpu)


@njit(inline="always", nogil=True)
def __qmempool_free_softirq(pool, s, cpu, elem):
    # __qmempool_free_softirq: caller is in softirq, no protection
    main_qmempool_free(pool, s, cpu, elem)


# --- exported symbols: real out-of-line calls --------------------------------------------------


@intrinsic
def _u64_view(typingctx, addr):
    """A uint64[:] over raw memory at ``addr`` (no meminfo: nothing to reference-count).
    The length is nominal (2**40): the model indexes without bounds checks."""
    if not isinstance(addr, types.Integer):
        return None
    arrty = types.Array(types.uint64, 1, "C")
    sig = arrty(addr)

    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        ary = context.make_array(arrty)(context, builder)
        data = builder.inttoptr(args[0], context.get_data_type(types.uint64).as_pointer())
        context.populate_array(
            ary,
            data=data,
            shape=cgutils.pack_array(builder, [ir.Constant(i64, 1 << 40)]),
            strides=cgutils.pack_array(builder, [ir.Constant(i64, 8)]),
            itemsize=ir.Constant(i64, 8),
            meminfo=None,
        )
        return ary._getvalue()

    return sig, codegen


@intrinsic
def call_qmempool_alloc(typingctx, fn, pool_addr, s_addr, cpu):
    """Call an exported alloc symbol: ``void *fn(pool, cache, cpu)`` via its address."""
    if not all(isinstance(t, types.Integer) for t in (fn, pool_addr, s_addr, cpu)):
        return None
    sig = types.uint64(fn, pool_addr, s_addr, cpu)

    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        fnty = ir.FunctionType(i64, [i64, i64, i64])
        target = builder.inttoptr(args[0], fnty.as_pointer())
        vals = [
            context.cast(builder, v, t, types.uint64)
            for v, t in zip(args[1:], signature.args[1:], strict=True)
        ]
        return builder.call(target, vals)

    return sig, codegen


@intrinsic
def call_qmempool_free(typingctx, fn, pool_addr, s_addr, cpu, elem):
    """Call an exported free symbol: ``void fn(pool, cache, cpu, elem)`` via its address."""
    if not all(isinstance(t, types.Integer) for t in (fn, pool_addr, s_addr, cpu, elem)):
        return None
    sig = types.void(fn, pool_addr, s_addr, cpu, elem)

    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        fnty = ir.FunctionType(ir.VoidType(), [i64, i64, i64, i64])
        target = builder.inttoptr(args[0], fnty.as_pointer())
        vals = [
            context.cast(builder, v, t, types.uint64)
            for v, t in zip(args[1:], signature.args[1:], strict=True)
        ]
        builder.call(target, vals)
        return context.get_dummy_value()

    return sig, codegen


_ALLOC_SIG = types.uint64(types.uint64, types.uint64, types.uint64)
_FREE_SIG = types.void(types.uint64, types.uint64, types.uint64, types.uint64)


def qmempool_alloc(pool_addr, s_addr, cpu):
    # qmempool_alloc (EXPORT_SYMBOL): __qmempool_alloc
    return __qmempool_alloc(_u64_view(pool_addr), _u64_view(s_addr), cpu)


def qmempool_free(pool_addr, s_addr, cpu, elem):
    # qmempool_free (EXPORT_SYMBOL): __qmempool_free
    __qmempool_free(_u64_view(pool_addr), _u64_view(s_addr), cpu, elem)


def qmempool_alloc_softirq(pool_addr, s_addr, cpu):
    # qmempool_alloc_softirq (EXPORT_SYMBOL): __qmempool_alloc_softirq
    return __qmempool_alloc_softirq(_u64_view(pool_addr), _u64_view(s_addr), cpu)


def qmempool_free_softirq(pool_addr, s_addr, cpu, elem):
    # qmempool_free_softirq (EXPORT_SYMBOL): calls __qmempool_free, the BH-protected one
    # (quirk of the original, kept)
    __qmempool_free(_u64_view(pool_addr), _u64_view(s_addr), cpu, elem)


@dataclass(frozen=True)
class Exported:
    """Addresses of the exported symbols (valid in this process)."""

    alloc: int
    free: int
    alloc_softirq: int
    free_softirq: int


_SYMBOLS: list[Any] = []  # the compiled symbols: their addresses live as long as they do


def exported() -> Exported:
    """The exported symbols' addresses, compiled (or loaded from the cache) on first use:
    each carries the pool's and the slab allocator's paths, too much to compile at import."""
    if not _SYMBOLS:
        _SYMBOLS.extend(
            cfunc(sig, cache=True, _nrt=False)(fn)
            for fn, sig in (
                (qmempool_alloc, _ALLOC_SIG),
                (qmempool_free, _FREE_SIG),
                (qmempool_alloc_softirq, _ALLOC_SIG),
                (qmempool_free_softirq, _FREE_SIG),
            )
        )
    return Exported(*(sym.address for sym in _SYMBOLS))


# --- create / destroy ------------------------------------------------------------------------


@njit(nogil=True, cache=True, _nrt=False)
def _prealloc(pool, s, cpu, n, buf):
    # qmempool_create: kmem_cache_alloc + alf_mp_enqueue(sharedq, &elem, 1), one at a time
    sharedq = _sharedq(pool)
    for i in range(n):
        elem = _kmem_alloc(s, cpu)
        if elem == _0:
            return i
        buf[0] = elem
        if alf_mp_enqueue(sharedq, buf, 0, 1) != _1:
            _kmem_free(s, cpu, elem)
            return i
    return n


@njit(nogil=True, cache=True, _nrt=False)
def _drain(pool, s, cpu, q, buf):
    # qmempool_destroy: alf_mc_dequeue(q, &elem, 1) + kmem_cache_free until empty
    n = 0
    while alf_mc_dequeue(q, buf, 0, 1) == _1:
        _kmem_free(s, cpu, buf[0])
        n += 1
    return n


def _is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


@dataclass
class QMemPool:
    """One qmempool: the ``pool`` array and the SLUB cache behind it."""

    pool: np.ndarray
    cache: SlubCache | SlabCache | SheavesCache
    localq_sz: int
    sharedq_sz: int
    prealloc: int
    nr_cpus: int
    warnings: tuple[str, ...] = ()

    @property
    def s(self) -> np.ndarray:
        return self.cache.s

    def sharedq(self) -> np.ndarray:
        a = int(self.pool[PH_SHAREDQ])
        return self.pool[a : a + RING + self.sharedq_sz]

    def localq(self, cpu: int) -> np.ndarray:
        stride = int(self.pool[PH_LOCALQ_STRIDE])
        a = int(self.pool[PH_LOCALQ]) + cpu * stride
        return self.pool[a : a + stride]

    def qstats(self, cpu: int) -> tuple[int, int]:
        """(localq count, sharedq count) -- print_qstats."""
        return int(alf_queue_count(self.localq(cpu))), int(alf_queue_count(self.sharedq()))

    def set_in_softirq(self, cpu: int, value: bool) -> None:
        self.pool[int(self.pool[PH_PERCPU]) + cpu * PERCPU_WORDS + PC_IN_SOFTIRQ] = int(value)

    def stats(self, cpu: int | None = None) -> dict[str, int]:
        base = int(self.pool[PH_PERCPU])
        cpus = range(self.nr_cpus) if cpu is None else [cpu]
        out = dict.fromkeys(STAT_NAMES, 0)
        for c in cpus:
            a = base + c * PERCPU_WORDS + PC_STATS
            for i, name in enumerate(STAT_NAMES):
                out[name] += int(self.pool[a + i])
        return out

    def reset_stats(self) -> None:
        base = int(self.pool[PH_PERCPU])
        for c in range(self.nr_cpus):
            a = base + c * PERCPU_WORDS + PC_STATS
            self.pool[a : a + NR_STATS] = 0

    def contents(self) -> list[int]:
        """Every element held by the pool (all localqs, then sharedq); quiescent pool."""
        out: list[int] = []
        for c in range(self.nr_cpus):
            out += queue_contents(self.localq(c))
        return out + queue_contents(self.sharedq())

    def error(self) -> str | None:
        code = int(self.pool[PH_BUG])
        if code == 0:
            return None
        return f"qmempool: {BUG_NAMES.get(code, 'BUG')} on cpu {int(self.pool[PH_BUG_CPU])}"

    def raise_if_error(self) -> None:
        msg = self.error() or self.cache.error()
        if msg:
            raise ModelError(msg)

    def alloc(self, cpu: int = 0, softirq: bool = False) -> int:
        fn = _py_alloc_softirq if softirq else _py_alloc
        obj = int(fn(self.pool, self.s, cpu))
        self.raise_if_error()
        return obj

    def free(self, cpu: int, obj: int, softirq: bool = False) -> None:
        fn = _py_free_softirq if softirq else _py_free
        fn(self.pool, self.s, cpu, np.uint64(obj))
        self.raise_if_error()

    def destroy(self) -> int:
        """qmempool_destroy: drain every localq and sharedq back to the slab (on CPU 0).
        Returns the number of elements freed."""
        buf = np.zeros(1, dtype=np.uint64)
        n = 0
        for c in range(self.nr_cpus):
            n += int(_drain(self.pool, self.s, 0, self.localq(c), buf))
        n += int(_drain(self.pool, self.s, 0, self.sharedq(), buf))
        self.raise_if_error()
        return n

    def params(self) -> dict[str, Any]:
        return {
            "localq_sz": self.localq_sz,
            "sharedq_sz": self.sharedq_sz,
            "prealloc": self.prealloc,
            "nr_cpus": self.nr_cpus,
        }


@njit(nogil=True, cache=True, _nrt=False)
def _py_alloc(pool, s, cpu):
    return __qmempool_alloc(pool, s, np.uint64(cpu))


@njit(nogil=True, cache=True, _nrt=False)
def _py_alloc_softirq(pool, s, cpu):
    return __qmempool_alloc_softirq(pool, s, np.uint64(cpu))


@njit(nogil=True, cache=True, _nrt=False)
def _py_free(pool, s, cpu, elem):
    __qmempool_free(pool, s, np.uint64(cpu), elem)


@njit(nogil=True, cache=True, _nrt=False)
def _py_free_softirq(pool, s, cpu, elem):
    __qmempool_free_softirq(pool, s, np.uint64(cpu), elem)


def check_sizes(localq_sz: int, sharedq_sz: int, prealloc: int) -> list[str]:
    """qmempool_create's checks, in the original's order; returns warnings."""
    if localq_sz < QMEMPOOL_BULK:
        raise ModelParameterError(f"qmempool: localq size({localq_sz}) too small for bulking")
    if sharedq_sz < QMEMPOOL_BULK * QMEMPOOL_REFILL_MULTIPLIER:
        raise ModelParameterError(f"qmempool: sharedq size({sharedq_sz}) too small for bulk refill")
    if not _is_pow2(localq_sz) or not _is_pow2(sharedq_sz):
        raise ModelParameterError(
            f"qmempool: queue sizes ({localq_sz}/{sharedq_sz}) must be power-of-2"
        )
    for size in (localq_sz, sharedq_sz):
        problem = alf_size_problem(size)
        if problem:
            raise ModelParameterError(f"qmempool: queue size {size} {problem}")
    if prealloc < 0 or prealloc > sharedq_sz:
        raise ModelParameterError(
            f"qmempool: prealloc({prealloc}) too big for sharedq size({sharedq_sz})"
        )
    if prealloc % QMEMPOOL_BULK != 0:
        return [f"qmempool: prealloc({prealloc}) should be div by {QMEMPOOL_BULK} (bulk size)"]
    return []


def qmempool_create(
    localq_sz: int,
    sharedq_sz: int,
    prealloc: int,
    kmem: SlubCache | SlabCache | SheavesCache | None,
    nr_cpus: int | None = None,
    cpu: int = 0,
) -> QMemPool:
    # qmempool_create: checks, sharedq + prealloc (one MP enqueue each), localq per CPU
    warnings = check_sizes(localq_sz, sharedq_sz, prealloc)
    if kmem is None:
        raise ModelParameterError("qmempool: kmem_cache is NULL")
    n = kmem.nr_cpus if nr_cpus is None else nr_cpus
    if not 1 <= n <= kmem.nr_cpus:
        raise ModelParameterError(f"qmempool: {n} CPUs but the kmem_cache has {kmem.nr_cpus}")
    sharedq_off = HEADER_WORDS
    stride = RING + localq_sz  # multiple of 8 words: every queue starts on a cache line
    localq_off = sharedq_off + RING + sharedq_sz
    percpu_off = localq_off + n * stride
    pool = aligned_words(percpu_off + n * PERCPU_WORDS)
    pool[PH_NR_CPUS] = n
    pool[PH_LOCALQ_SZ] = localq_sz
    pool[PH_SHAREDQ_SZ] = sharedq_sz
    pool[PH_PREALLOC] = prealloc
    pool[PH_SHAREDQ] = sharedq_off
    pool[PH_LOCALQ] = localq_off
    pool[PH_LOCALQ_STRIDE] = stride
    pool[PH_PERCPU] = percpu_off
    for a, size in [(sharedq_off, sharedq_sz)] + [
        (localq_off + c * stride, localq_sz) for c in range(n)
    ]:
        pool[a + 0] = size  # alf_queue_alloc: size, mask
        pool[a + 1] = size - 1
    mp = QMemPool(
        pool=pool,
        cache=kmem,
        localq_sz=localq_sz,
        sharedq_sz=sharedq_sz,
        prealloc=prealloc,
        nr_cpus=n,
        warnings=tuple(warnings),
    )
    if prealloc:
        got = int(_prealloc(pool, kmem.s, cpu, prealloc, np.zeros(1, dtype=np.uint64)))
        mp.raise_if_error()
        if got != prealloc:
            mp.destroy()
            raise ModelParameterError(f"qmempool: prealloc({prealloc}) failed after {got} elements")
    return mp
