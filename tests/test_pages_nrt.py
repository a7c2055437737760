"""The page allocator's hot kernels contain no NRT reference counting."""

import numpy as np
import pytest
from numba import njit

from skbbench.model import page_alloc as pa
from skbbench.model.page_alloc import new_machine
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


def _exercise():
    m = new_machine(256, 2, profile="zero")
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
    PageAllocator(m).raise_if_error()


KERNELS = [
    pa.alloc_pages,
    pa.__free_pages,
    pa.put_page,
    pa.free_hot_cold_page,
    pa.alloc_pages_bulk_array,
    pa.alloc_pages_bulk_array_at,
    pa.alloc_pages_bulk_list,
    pa.drain_pages,
    _refcount_user,
]


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.py_func.__name__)
def test_no_nrt_in_page_allocator_kernels(kernel):
    _exercise()
    assert nrt_calls(kernel) == []
