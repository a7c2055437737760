"""The hot kernels of the page allocator, ptr_ring, page_pool and RX page reuse models
contain no NRT reference counting."""

import numpy as np
import pytest
from numba import njit

from skbbench.model import page_alloc as pa
from skbbench.model import page_pool as pp
from skbbench.model import ptr_ring as pr
from skbbench.model import rx_page_reuse as rxr
from skbbench.model.page_alloc_create import new_machine
from skbbench.model.page_alloc_view import PageAllocator
from tests.asmcheck import nrt_calls


@njit(nogil=True, cache=True, _nrt=False)
def _refcount_user(s, cpu, pfn):
    # a caller that inlines the small refcount helpers
    pa.get_page(s, pfn)
    pa.page_ref_inc(s, pfn)
    n = pa.page_ref_count(s, pfn) + pa.page_count(s, pfn)
    if pa.page_ref_sub_and_test(s, pfn, 2):
        n += 1
    pa.put_page(s, cpu, pfn)
    return n


@njit(nogil=True, cache=True, _nrt=False)
def _ring_user(a, n, bh):
    # a caller that inlines every ptr_ring operation
    total = np.uint64(0)
    out = a[:0]
    for i in range(n):
        v = np.uint64(i + 1)
        pr.ptr_ring_produce(a, 0, v)
        pr.ptr_ring_produce_bh(a, 0, v, bh)
        pr.__ptr_ring_produce(a, 0, v)
        total += pr.ptr_ring_consume(a, 0) + pr.ptr_ring_consume_bh(a, 0, bh)
        total += pr.__ptr_ring_consume(a, 0)
        if pr.ptr_ring_full(a, 0) or pr.ptr_ring_empty(a, 0) or pr.__ptr_ring_empty(a, 0):
            total += np.uint64(1)
        total += pr.ptr_ring_consume_batched(a, 0, out, 0, 0)
    return total


@njit(nogil=True, cache=True, _nrt=False)
def _rx_user(s, cpu, rx, n):
    # Eric's rule inlined into a driver loop
    for _ in range(n):
        rx[rxr.RX_SLOTS] = rxr.rx_refcount_reuse(s, cpu, rx, rx[rxr.RX_SLOTS], 0)


def _exercise():
    m = new_machine(512, 2, profile="zero")
    s = m.s
    p = pa.alloc_pages(s, 0, 0, 0)
    pa.__free_pages(s, 0, p, 0)
    p = pa.alloc_pages(s, 0, 0, 0)
    pa.put_page(s, 1, p)
    p = pa.alloc_pages(s, 0, 0, 0)
    _refcount_user(s, 0, p)
    p = pa.alloc_pages(s, 0, 0, 0)
    assert pa.page_ref_sub_and_test(s, p, 1)
    pa.free_hot_cold_page(s, 0, p, True)
    arr = np.zeros(8, dtype=np.uint64)
    pa.alloc_pages_bulk_array(s, 0, 0, 8, arr)
    pa.alloc_pages_bulk_array_at(s, 0, 0, 8, np.zeros(16, dtype=np.uint64), 8)
    pa.alloc_pages_bulk_list(s, 0, 0, 8, np.zeros(1, dtype=np.uint64))
    pa.drain_pages(s, 0)
    for version in ("v4.18", "modern"):
        pool = pp.page_pool_create(m, version, pool_size=64)
        q = pp.page_pool_alloc_pages(s, pool.base, 0, 0, True)
        pp.page_pool_put_page(s, pool.base, 0, q, False, True)
        q = pp.page_pool_alloc_pages(s, pool.base, 0, 0, True)
        pp.page_pool_recycle_direct(s, pool.base, 0, q, True)
        pp.page_pool_scrub(s, pool.base, 0)
    a = pr.ptr_ring_alloc(64)
    _ring_user(a, 10, np.uint64(0))
    for f in (pr.produce, pr.produce_unlocked):
        f(a, 0, 5)
    for f in (pr.consume, pr.consume_unlocked, pr.empty, pr.full):
        f(a, 0)
    pr.consume_batched(a, 0, np.zeros(4, dtype=np.uint64), 4)
    rx = rxr.rx_ring_alloc(8)
    _rx_user(s, 0, rx, 3)
    rxr.rx_refcount_reuse_slot(s, 0, rx, 1, 0)
    rxr.ixgbe_alloc_rx_buffers(s, 0, rx, 7)
    rxr.ixgbe_fetch_rx_buffer(s, 0, rx, 1500)
    PageAllocator(m).raise_if_error()


KERNELS = [
    pa.alloc_pages,
    pa.__free_pages,
    pa.put_page,
    pa.free_hot_cold_page,
    pa.alloc_pages_bulk_array,
    pa.alloc_pages_bulk_list,
    pa.drain_pages,
    _refcount_user,
    pp.page_pool_alloc_pages,
    pp.page_pool_put_page,
    pp.page_pool_scrub,
    pp.__page_pool_alloc_pages_slow,
    _ring_user,
    _rx_user,
    rxr.ixgbe_alloc_rx_buffers,
    rxr.ixgbe_fetch_rx_buffer,
]


@pytest.fixture(scope="module")
def exercised():
    _exercise()


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.py_func.__name__)
def test_no_nrt_in_page_kernels(exercised, kernel):
    assert nrt_calls(kernel) == []
