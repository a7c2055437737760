"""The timed kernels of slab_bulk_test01-03's shared scenarios (``kmem fastpath reuse``,
the bulk alloc+free loop with the merged cache's other users), one inlined body each,
compiled per allocator model and checking mode by thin cached wrappers passing constants
(skbbench.bench.kmem), and per SLUB Kconfig flavor ``kc`` (its type): the timed flavor
without counters, the replay flavor with them (skbbench.bench.replay).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.bench.kmem import (
    SHEAVES,
    SHEAVES_618,
    SLAB,
    SLUB,
    kmem_alloc,
    kmem_alloc_bulk,
    kmem_free,
    kmem_free_bulk,
)
from skbbench.harness.flavor import flavor_has
from skbbench.harness.intrinsics import barrier
from skbbench.harness.window import time_bench_start, time_bench_stop

_0 = np.uint64(0)
OTHER_USERS = 1 << 48  # a flavor bit of the bench, not a Kconfig: --setup merged traffic


@njit(inline="always", nogil=True)
def _fastpath_reuse(allocator, check, kc, s, cpu, loops, window):
    # kmem fastpath reuse: alloc + barrier + free of the same object
    cnt = 0
    time_bench_start(window)
    for _ in range(loops):
        obj = kmem_alloc(allocator, check, kc, s, cpu)
        if obj == _0:
            break
        barrier()
        kmem_free(allocator, check, kc, s, cpu, obj)
        cnt += 1
    time_bench_stop(window, cnt)
    return cnt


@njit(inline="always", nogil=True)
def _other_users(allocator, check, kc, s, cpu, it, sched, ev, held):
    # --setup merged traffic: other users' events scheduled after bench iteration ``it``
    # (sched: pairs iteration, code; code 0 = an allocation on this CPU in interrupt
    # context, c > 0 = a free of the oldest such object on CPU c - 1); held: a FIFO
    # ring [head, tail, slots...] of their live objects
    n = sched.shape[0] // 2
    size = np.uint64(held.shape[0] - 2)
    while ev < n and sched[2 * ev] == it:
        code = sched[2 * ev + 1]
        if code == _0:
            obj = kmem_alloc(allocator, check, kc, s, cpu)
            held[2 + held[1] % size] = obj
            held[1] += np.uint64(1)
        elif held[0] != held[1]:
            obj = held[2 + held[0] % size]
            held[0] += np.uint64(1)
            if obj != _0:
                kmem_free(allocator, check, kc, s, code - np.uint64(1), obj)
        ev += 1
    return ev


@njit(inline="always", nogil=True)
def _bulk_quick_reuse(
    allocator, check, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
):
    # kmem bulk_quick_reuse / bulk_fallback / kmem_cache_(free+alloc)_bulk: alloc ``bulk``
    # objects into p, barrier, free them; ``variant`` picks the bulk implementation;
    # other users' scheduled events in between (compiled in only with OTHER_USERS)
    cnt = 0
    ev = 0
    time_bench_start(window)
    for it in range(iterations):
        if kmem_alloc_bulk(allocator, check, kc, s, cpu, bulk, p, variant) == _0:
            break
        barrier()
        kmem_free_bulk(allocator, check, kc, s, cpu, bulk, p, variant)
        cnt += bulk
        if flavor_has(kc, OTHER_USERS):
            ev = _other_users(allocator, check, kc, s, cpu, np.uint64(it), sched, ev, held)
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse(kc, s, cpu, loops, window):
    return _fastpath_reuse(SLUB, False, kc, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_checked(kc, s, cpu, loops, window):
    return _fastpath_reuse(SLUB, True, kc, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_slab(kc, s, cpu, loops, window):
    return _fastpath_reuse(SLAB, False, kc, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_slab_checked(kc, s, cpu, loops, window):
    return _fastpath_reuse(SLAB, True, kc, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse(kc, s, cpu, iterations, bulk, p, variant, window, sched, held):
    return _bulk_quick_reuse(
        SLUB, False, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
    )


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_checked(kc, s, cpu, iterations, bulk, p, variant, window, sched, held):
    return _bulk_quick_reuse(
        SLUB, True, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
    )


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_slab(kc, s, cpu, iterations, bulk, p, variant, window, sched, held):
    return _bulk_quick_reuse(
        SLAB, False, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
    )


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_slab_checked(kc, s, cpu, iterations, bulk, p, variant, window, sched, held):
    return _bulk_quick_reuse(
        SLAB, True, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
    )


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_sheaves(kc, s, cpu, loops, window):
    return _fastpath_reuse(SHEAVES, False, kc, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_sheaves_checked(kc, s, cpu, loops, window):
    return _fastpath_reuse(SHEAVES, True, kc, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_sheaves_618(kc, s, cpu, loops, window):
    return _fastpath_reuse(SHEAVES_618, False, kc, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_sheaves_618_checked(kc, s, cpu, loops, window):
    return _fastpath_reuse(SHEAVES_618, True, kc, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_sheaves(kc, s, cpu, iterations, bulk, p, variant, window, sched, held):
    return _bulk_quick_reuse(
        SHEAVES, False, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
    )


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_sheaves_checked(kc, s, cpu, iterations, bulk, p, variant, window, sched, held):
    return _bulk_quick_reuse(
        SHEAVES, True, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
    )


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_sheaves_618(kc, s, cpu, iterations, bulk, p, variant, window, sched, held):
    return _bulk_quick_reuse(
        SHEAVES_618, False, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
    )


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_sheaves_618_checked(
    kc, s, cpu, iterations, bulk, p, variant, window, sched, held
):
    return _bulk_quick_reuse(
        SHEAVES_618, True, kc, s, cpu, iterations, bulk, p, variant, window, sched, held
    )


# (allocator, check) -> kernel
FASTPATH_KERNELS = {
    ("slub", False): fastpath_reuse,
    ("slub", True): fastpath_reuse_checked,
    ("slab", False): fastpath_reuse_slab,
    ("slab", True): fastpath_reuse_slab_checked,
    ("sheaves", False): fastpath_reuse_sheaves,
    ("sheaves", True): fastpath_reuse_sheaves_checked,
    ("sheaves-6.18", False): fastpath_reuse_sheaves_618,
    ("sheaves-6.18", True): fastpath_reuse_sheaves_618_checked,
}
BULK_KERNELS = {
    ("slub", False): bulk_quick_reuse,
    ("slub", True): bulk_quick_reuse_checked,
    ("slab", False): bulk_quick_reuse_slab,
    ("slab", True): bulk_quick_reuse_slab_checked,
    ("sheaves", False): bulk_quick_reuse_sheaves,
    ("sheaves", True): bulk_quick_reuse_sheaves_checked,
    ("sheaves-6.18", False): bulk_quick_reuse_sheaves_618,
    ("sheaves-6.18", True): bulk_quick_reuse_sheaves_618_checked,
}
