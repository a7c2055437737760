"""Cross-CPU stress on 2 pinned threads: an RX CPU allocates pages (from a page_pool, or
straight from the page allocator), writes a sequence number into each page and hands it
over a ptr_ring to a second CPU, which checks the number and returns the page
(page_pool_put_page, or put_page: a remote free). A per-page ownership word, switched
with cmpxchg, catches a page handed out while someone holds it; the sequence numbers
catch anything lost, duplicated or reordered; after teardown every page must be back in
the buddy lists. The modern pool moves 10^6 pages always (a few seconds); the v4.18 pool
and the bare page allocator move 40,000 (10^6 in the ``slow`` runs)."""

import threading

import numpy as np
import pytest
from numba import njit

from skbbench.harness.cpus import pin_current_thread
from skbbench.harness.intrinsics import atomic_load64, atomic_store64, cmpxchg64, cpu_relax
from skbbench.model.page_alloc import (
    alloc_pages,
    put_page,
)
from skbbench.model.page_alloc_create import new_machine
from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator
from skbbench.model.page_pool import page_pool_alloc_pages, page_pool_create, page_pool_put_page
from skbbench.model.ptr_ring import __ptr_ring_produce, ptr_ring_alloc, ptr_ring_consume

# shared[] words
ABORT, DONE_RX, DONE_RET, ERR_OWN_RX, ERR_OWN_RET, ERR_SEQ, OOM, FULL, EMPTY, GOT = range(10)
IDLE_LIMIT = 200_000_000  # spins without progress before a worker gives up

_0 = np.uint64(0)
_1 = np.uint64(1)
_2 = np.uint64(2)
_3 = np.uint64(3)
_9 = np.uint64(9)


@njit(nogil=True, cache=True, _nrt=False)
def rx_worker(s, pool, xr, own, n, shared, use_pool):
    """CPU 0 (softirq, the pool's NAPI CPU): allocate, stamp, hand over."""
    seq = _0
    idle = 0
    n = np.uint64(n)
    while seq < n:
        if atomic_load64(shared, ABORT) != _0:
            break
        if use_pool:
            p = page_pool_alloc_pages(s, pool, _0, _0, True)
        else:
            p = alloc_pages(s, _0, _0, _0)
        if p == _0:
            shared[OOM] += _1
            idle += 1
            if idle > IDLE_LIMIT:
                atomic_store64(shared, ABORT, _1)
            cpu_relax()
            continue
        if cmpxchg64(own, p, _0, _1) != _0:  # handed out while someone holds it
            shared[ERR_OWN_RX] += _1
        s[p << _9] = seq + _1  # "DMA" the packet: a sequence number in the page itself
        atomic_store64(own, p, _2)
        while not __ptr_ring_produce(xr, 0, p):
            shared[FULL] += _1
            idle += 1
            if idle > IDLE_LIMIT or atomic_load64(shared, ABORT) != _0:
                atomic_store64(shared, ABORT, _1)
                break
            cpu_relax()
        idle = 0
        seq += _1
    atomic_store64(shared, DONE_RX, seq)


@njit(nogil=True, cache=True, _nrt=False)
def return_worker(s, pool, xr, own, n, shared, use_pool):
    """CPU 1: consume, check, return the page (to the pool's ring, or a remote free)."""
    expect = _1
    got = _0
    idle = 0
    n = np.uint64(n)
    while got < n:
        p = ptr_ring_consume(xr, 0)
        if p == _0:
            shared[EMPTY] += _1
            idle += 1
            if idle > IDLE_LIMIT or atomic_load64(shared, ABORT) != _0:
                atomic_store64(shared, ABORT, _1)
                break
            cpu_relax()
            continue
        idle = 0
        if cmpxchg64(own, p, _2, _3) != _2:
            shared[ERR_OWN_RET] += _1
        if s[p << _9] != expect:
            shared[ERR_SEQ] += _1
        expect += _1
        atomic_store64(own, p, _0)
        if use_pool:
            page_pool_put_page(s, pool, _1, p, False, True)
        else:
            put_page(s, _1, p)
        got += _1
    atomic_store64(shared, GOT, got)
    atomic_store64(shared, DONE_RET, _1)


def run_stress(mode, n, cpus, nr_pages=4096):
    m = new_machine(nr_pages, 2, profile="zero")
    pa = PageAllocator(m)
    pool = page_pool_create(m, mode, napi_cpu=0) if mode != "page_alloc" else None
    base = pool.base if pool else 0
    xr = ptr_ring_alloc(1024)
    own = np.zeros(int(m.s[50]), dtype=np.uint64)  # one word per pfn of the machine
    shared = np.zeros(16, dtype=np.uint64)
    use_pool = pool is not None
    # compile outside the threads
    rx_worker(m.s, base, xr, own, 0, shared, use_pool)
    return_worker(m.s, base, xr, own, 0, shared, use_pool)
    shared[:] = 0
    errors = []

    def body(fn, cpu):
        try:
            pin_current_thread(cpu)
            fn(m.s, base, xr, own, n, shared, use_pool)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
            shared[ABORT] = 1

    threads = [
        threading.Thread(target=body, args=(rx_worker, cpus[0])),
        threading.Thread(target=body, args=(return_worker, cpus[1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert shared[ABORT] == 0, f"a worker stalled: {shared.tolist()}"
    assert int(shared[DONE_RX]) == n and int(shared[GOT]) == n
    assert shared[ERR_OWN_RX] == 0 and shared[ERR_OWN_RET] == 0, shared.tolist()
    assert shared[ERR_SEQ] == 0, shared.tolist()
    assert not np.any(own), "a page is still marked as held"
    pa.raise_if_error()
    if pool:
        st = pool.stats()
        rec = st["recycle"]
        assert rec["ring"] + rec["ring_full"] == n and rec["cached"] == 0
        res = pool.destroy()
        if mode == "modern":
            assert res["inflight"] == 0
    pa.drain()
    counts = check_page_allocator(m)
    assert counts["buddy"] == nr_pages and counts["allocated"] == 0
    stats = pa.stats()
    assert stats["pgalloc"] == stats["pgfree"]
    return shared, pool, pa


def test_a_million_pages_through_the_ring_and_the_modern_pool(two_cpus):
    _, pool, pa = run_stress("modern", 1_000_000, two_cpus)
    rec = pool.stats()["recycle"]
    assert rec["ring"] > 0 and pool.stats()["alloc"]["refill"] > 0


@pytest.mark.parametrize("mode", ["v4.18", "page_alloc"])
def test_cross_cpu_pages(two_cpus, mode):
    shared, pool, pa = run_stress(mode, 40_000, two_cpus)
    if mode == "page_alloc":  # remote frees pile up on CPU 1 and drain to the buddy lists
        assert pa.stats(1)["free_pcppages_bulk"] > 0 and pa.stats(0)["rmqueue_bulk"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["v4.18", "page_alloc"])
def test_cross_cpu_a_million_pages(two_cpus, mode):
    run_stress(mode, 1_000_000, two_cpus)
