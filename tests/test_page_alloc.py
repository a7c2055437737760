"""The v4.6 page allocator model: boot layout, hand-worked buddy split/merge, pcp refill
and drain, hot/cold ends, the v5.13 bulk API, refcount rules, compound pages, model
errors, and random multi-CPU sequences with the conservation check after every step."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbbench.errors import ModelError, UsageError
from skbbench.model.machine import MH_ZONE, create_machine
from skbbench.model.mm_types import GFP_COLD, GFP_COMP, MAX_ORDER, PG_COMPOUND_HEAD
from skbbench.model.page_alloc import (
    alloc_pages,
    put_page,
)
from skbbench.model.page_alloc_create import (
    new_machine,
    page_alloc_create,
    pageset_high_batch,
    zone_batchsize,
)
from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator


def make(nr_pages=1024, nr_cpus=2, **kw):
    m = new_machine(nr_pages, nr_cpus, profile="zero", **kw)
    return m, PageAllocator(m)


def free_orders(pa):
    return {o: pa.nr_free(o) for o in range(MAX_ORDER) if pa.nr_free(o)}


# --------------------------------------------------------------------------------------
# Boot and parameters


def boot_blocks(start, end):
    """__free_pages_memory's block choice, written independently."""
    out = []
    while start < end:
        order = MAX_ORDER - 1
        while order and start % (1 << order):
            order -= 1
        while start + (1 << order) > end:
            order -= 1
        out.append((start, order))
        start += 1 << order
    return out


@pytest.mark.parametrize("nr_pages, align", [(1024, 10), (1000, 10), (333, 0), (1, 0), (3000, 3)])
def test_boot_frees_the_arena_in_largest_aligned_blocks(nr_pages, align):
    m, pa = make(nr_pages, arena_align_order=align)
    blocks = boot_blocks(m.arena_start_pfn, m.arena_end_pfn)
    expect = {}
    for pfn, order in blocks:
        expect[order] = expect.get(order, 0) + 1
        assert pfn in pa.free_list(order)
    assert free_orders(pa) == expect
    assert pa.nr_free_pages() == nr_pages
    counts = check_page_allocator(m)
    assert counts == {"buddy": nr_pages, "pcp": 0, "allocated": 0, "allocations": 0}
    assert all(v == 0 for v in pa.stats().values())


def test_zone_batchsize_is_the_kernels():
    assert zone_batchsize(1 << 20) == 31  # 4 GiB zone
    assert zone_batchsize(128 * 1024) == 31  # 512 MiB: the cap is reached
    assert zone_batchsize(64 * 1024) == 15  # 256 MiB: 64 / 4 = 16 -> 24 -> 16 - 1
    assert zone_batchsize(16 * 1024) == 3  # 16 / 4 = 4 -> 6 -> 4 - 1
    assert zone_batchsize(1024) == 0  # tiny zone: 1/4 -> 1 -> 1 -> 0
    assert pageset_high_batch(31) == (186, 31)
    assert pageset_high_batch(0) == (0, 1)
    _, pa = make()
    assert (pa.batch, pa.high) == (31, 186)


def test_bad_parameters_are_usage_errors():
    with pytest.raises(UsageError, match="nr_pages"):
        new_machine(0, 1, profile="zero")
    with pytest.raises(UsageError, match="cpus"):
        new_machine(16, 0, profile="zero")
    with pytest.raises(UsageError, match="high"):
        make(64, pcp_batch=8, pcp_high=4)
    _, pa = make(64)
    with pytest.raises(UsageError, match="order 11"):
        pa.alloc_pages(0, MAX_ORDER)
    with pytest.raises(UsageError, match="cpu 2"):
        pa.alloc_pages(2)
    with pytest.raises(UsageError, match="pfn"):
        pa.put_page(0, 1)
    m = create_machine(16, 1, 4096)
    assert page_alloc_create(m) == int(m.s[MH_ZONE]) != 0
    with pytest.raises(UsageError, match="already"):
        page_alloc_create(m)


def test_order_at_or_above_max_order_returns_null_in_the_model():
    m, pa = make(64)
    assert alloc_pages(m.s, 0, 0, MAX_ORDER) == 0
    assert pa.stats()["alloc_fail"] == 1


# --------------------------------------------------------------------------------------
# Hand-worked buddy sequences (16-page zone = one order-4 block)


def test_split_then_merge_back_to_one_block():
    m, pa = make(16, 1, arena_align_order=4)
    b = m.arena_start_pfn
    assert free_orders(pa) == {4: 1}
    x = pa.alloc_pages(0, 2)  # 16 -> 8 (b+8, order 3) + 4 (b+4, order 2) + ours
    assert x == b
    assert free_orders(pa) == {2: 1, 3: 1}
    assert pa.free_list(2) == [b + 4] and pa.free_list(3) == [b + 8]
    y = pa.alloc_pages(0, 1)  # from b+4: b+6 goes back as order 1
    assert y == b + 4 and pa.free_list(1) == [b + 6]
    assert pa.stats()["buddy_split"] == 3
    check_page_allocator(m, held=[(x, 2), (y, 1)])
    pa.free_pages(0, x, 2)  # buddy b+4 is not free: no merge
    assert free_orders(pa) == {1: 1, 2: 1, 3: 1}
    pa.free_pages(0, y, 1)  # merges with b+6, then b, then b+8
    assert free_orders(pa) == {4: 1} and pa.free_list(4) == [b]
    st_ = pa.stats()
    assert st_["buddy_merge"] == 3 and st_["pgfree"] == 6 and st_["free_one_page"] == 2
    check_page_allocator(m)


def test_block_whose_higher_buddy_is_free_goes_to_the_list_tail():
    m, pa = make(32, 1, arena_align_order=5)
    b = m.arena_start_pfn
    a = pa.alloc_pages(0, 2)  # 32 -> b+16 (4), b+8 (3), b+4 (2)
    c = pa.alloc_pages(0, 2)  # b+4
    g = pa.alloc_pages(0, 3)  # b+8, exact fit
    h = pa.alloc_pages(0, 2)  # b+16 split: b+24 (3), b+20 (2)
    assert (a, c, g, h) == (b, b + 4, b + 8, b + 16)
    assert pa.free_list(2) == [b + 20] and pa.free_list(3) == [b + 24]
    pa.free_pages(0, g, 3)  # buddy b busy, higher buddy b+16 (4) not free: list head
    assert pa.free_list(3) == [b + 8, b + 24]
    pa.free_pages(0, c, 2)  # buddy b busy, but b+8 is free at order 3: list tail
    assert pa.free_list(2) == [b + 20, b + 4]
    assert pa.alloc_pages(0, 2) == b + 20  # the head is handed out first
    for p, o in ((b + 20, 2), (a, 2), (h, 2)):
        pa.free_pages(0, p, o)
    assert free_orders(pa) == {5: 1}
    check_page_allocator(m)


def test_no_merge_across_the_zone_boundary():
    m, pa = make(24, 1, arena_align_order=3)  # start aligned to 8 only: blocks 8+16 or 16+8
    blocks = boot_blocks(m.arena_start_pfn, m.arena_end_pfn)
    assert sum(1 << o for _, o in blocks) == 24
    pages = [pa.alloc_pages(0, 3) for _ in range(3)]
    assert sorted(pages) == [m.arena_start_pfn + 8 * i for i in range(3)]
    for p in pages:
        pa.free_pages(0, p, 3)
    check_page_allocator(m)
    assert pa.nr_free_pages() == 24
    assert sum(pa.nr_free(o) << o for o in range(MAX_ORDER)) == 24


# --------------------------------------------------------------------------------------
# Per-CPU lists


def test_first_order0_alloc_refills_31_pages_in_physical_order():
    m, pa = make(1024, 2)
    b = m.arena_start_pfn
    p = pa.alloc_pages(0)
    assert p == b
    assert pa.pcp_count(0) == 30 and pa.pcp_list(0) == list(range(b + 1, b + 31))
    assert pa.pcp_count(1) == 0
    st0 = pa.stats(0)
    assert st0["rmqueue_bulk"] == 1 and st0["rmqueue_bulk_pages"] == 31
    assert st0["pcp_hit"] == 0 and st0["pcp_alloc"] == 1 and st0["zone_lock"] == 1
    assert pa.nr_free_pages() == 1024 - 31
    q = pa.alloc_pages(0)
    assert q == b + 1 and pa.stats(0)["pcp_hit"] == 1 and pa.stats(0)["zone_lock"] == 1
    check_page_allocator(m)


def test_refills_and_drains_follow_batch_and_high():
    m, pa = make(2048, 1)
    pages = [pa.alloc_pages(0) for _ in range(200)]
    refills = -(-200 // 31)  # 7 refills of 31
    st_ = pa.stats()
    assert st_["rmqueue_bulk"] == refills and st_["rmqueue_bulk_pages"] == 31 * refills
    count = 31 * refills - 200
    assert pa.pcp_count(0) == count
    drains = 0
    for p in pages:
        pa.free_pages(0, p)
        count += 1
        if count >= 186:
            count -= 31
            drains += 1
    assert pa.pcp_count(0) == count == 155 and drains == 2
    st_ = pa.stats()
    assert st_["free_pcppages_bulk"] == 2 and st_["free_pcppages_bulk_pages"] == 62
    assert st_["pcp_free"] == 200 and st_["pgfree"] == 200 and st_["pgalloc"] == 200
    assert st_["irq_save_restore"] == 400
    assert pa.nr_free_pages() == 2048 - 155
    check_page_allocator(m)
    pa.drain()
    assert pa.pcp_count(0) == 0 and pa.nr_free_pages() == 2048
    assert free_orders(pa) == {10: 2}
    check_page_allocator(m)


def test_drain_takes_the_cold_tail_first():
    m, pa = make(1024, 1, pcp_batch=2, pcp_high=4)
    pages = [pa.alloc_pages(0) for _ in range(4)]
    for p in pages[:3]:
        pa.free_pages(0, p)
    assert pa.pcp_list(0)[:3] == [pages[2], pages[1], pages[0]]
    tail_before = pa.pcp_list(0)[-2:]
    pa.free_pages(0, pages[3])  # count reaches high 4 -> 2 from the tail go back
    assert not set(tail_before) & set(pa.pcp_list(0))
    assert pa.pcp_count(0) == 2 and pa.pcp_list(0) == [pages[3], pages[2]]
    check_page_allocator(m)


def test_hot_and_cold_ends():
    m, pa = make(1024, 1)
    a, b, c = (pa.alloc_pages(0) for _ in range(3))
    pa.free_pages(0, a)  # hot: head
    pa.free_hot_cold_page(0, b, cold=True)  # cold: tail
    lst = pa.pcp_list(0)
    assert lst[0] == a and lst[-1] == b
    assert pa.alloc_pages(0) == a
    assert pa.alloc_pages(0, gfp=GFP_COLD) == b
    pa.free_hot_cold_page(0, c, cold=False)
    assert pa.pcp_list(0)[0] == c
    check_page_allocator(m)


def test_cold_refill_puts_the_batch_at_the_tail_in_reverse():
    m, pa = make(1024, 1)
    b = m.arena_start_pfn
    p = pa.alloc_pages(0, gfp=GFP_COLD)
    assert p == b  # the first page sits at the tail and is taken cold
    assert pa.pcp_list(0) == list(range(b + 30, b, -1))
    check_page_allocator(m)


def test_remote_free_lands_on_the_freeing_cpus_list():
    m, pa = make(1024, 2)
    p = pa.alloc_pages(0)
    pa.put_page(1, p)
    assert pa.pcp_list(1) == [p] and p not in pa.pcp_list(0)
    assert pa.stats(1)["pgfree"] == 1 and pa.stats(0)["pgfree"] == 0
    check_page_allocator(m)


def test_order0_alloc_fails_when_the_zone_is_below_its_watermark():
    # __zone_watermark_ok runs before the pcp list is looked at: with every page on a
    # pcp list NR_FREE_PAGES is 0 and even a pcp hit fails (the kernel's rule).
    m, pa = make(32, 2, arena_align_order=5)
    p = pa.alloc_pages(0)  # cpu 0 takes the 31 + 1 pages
    assert pa.nr_free_pages() == 1 and pa.pcp_count(0) == 30
    q = pa.alloc_pages(1)  # cpu 1 gets the last buddy page
    assert q != 0 and pa.nr_free_pages() == 0
    assert pa.alloc_pages(0) == 0
    assert pa.stats(0)["alloc_fail"] == 1
    for x in (p, q):
        pa.free_pages(0, x)
    check_page_allocator(m)


# --------------------------------------------------------------------------------------
# alloc_pages_bulk (v5.13 semantics)


def test_bulk_array_fills_only_null_slots():
    m, pa = make(1024, 1)
    arr = np.zeros(16, dtype=np.uint64)
    keep = pa.alloc_pages(0)
    arr[5] = keep
    got = pa.alloc_bulk_array(0, arr)
    assert got == 16 and arr[5] == keep and np.all(arr != 0)
    assert len(set(arr.tolist())) == 16
    st_ = pa.stats()
    assert st_["alloc_bulk"] == 1 and st_["alloc_bulk_pages"] == 15
    assert st_["alloc_bulk_fallback"] == 0 and st_["irq_save_restore"] == 2
    assert pa.alloc_bulk_array(0, arr) == 16  # already full: nothing happens
    assert pa.stats()["alloc_bulk"] == 1
    check_page_allocator(m)


def test_bulk_array_counts_only_the_leading_prefix_before_its_loop():
    m, pa = make(1024, 1)
    arr = np.zeros(4, dtype=np.uint64)
    arr[0], arr[1], arr[3] = (pa.alloc_pages(0) for _ in range(3))
    # two leading populated slots, then one NULL, then a populated slot: nr - prefix = 2,
    # so the pcp loop runs (not the single-page fallback) and skips arr[3]
    assert pa.alloc_bulk_array(0, arr) == 4
    assert pa.stats()["alloc_bulk_fallback"] == 0 and pa.stats()["alloc_bulk_pages"] == 1


def test_bulk_of_one_page_uses_the_single_page_allocator():
    m, pa = make(1024, 1)
    arr = np.zeros(1, dtype=np.uint64)
    assert pa.alloc_bulk_array(0, arr) == 1 and arr[0] != 0
    st_ = pa.stats()
    assert st_["alloc_bulk_fallback"] == 1 and st_["alloc_bulk_pages"] == 0
    assert st_["pcp_alloc"] == 1 and st_["pgalloc"] == 1
    assert pa.alloc_bulk_list(0, 1) != [] and pa.stats()["alloc_bulk_fallback"] == 2


def test_bulk_list_pushes_pages_at_the_head():
    m, pa = make(1024, 1)
    b = m.arena_start_pfn
    pages = pa.alloc_bulk_list(0, 8)
    assert pages == list(range(b + 7, b - 1, -1))  # pcp head order, each pushed on top
    check_page_allocator(m)
    for p in pages:
        pa.free_pages(0, p)
    check_page_allocator(m)


def test_bulk_takes_what_the_pcp_path_gives_and_falls_back_when_nothing():
    m, pa = make(64, 1, arena_align_order=6, pcp_batch=4, pcp_high=8)
    arr = np.zeros(100, dtype=np.uint64)
    # watermark: NR_FREE_PAGES 64 < 0 + 100 + 1, so the fallback gives one page
    assert pa.alloc_bulk_array(0, arr) == 1 and pa.stats()["alloc_bulk_fallback"] == 1
    arr2 = np.zeros(40, dtype=np.uint64)
    got = pa.alloc_bulk_array(0, arr2)
    assert got == 40 and pa.stats()["alloc_bulk_pages"] == 40
    check_page_allocator(m)


# --------------------------------------------------------------------------------------
# Refcounts and compound pages


def test_refcount_rules():
    m, pa = make(1024, 1)
    p = pa.alloc_pages(0)
    assert pa.page_ref_count(p) == 1
    pa.get_page(p)
    pa.page_ref_inc(p)
    assert pa.page_ref_count(p) == 3
    pa.put_page(0, p)
    assert pa.page_ref_count(p) == 2 and p not in pa.pcp_list(0)
    pa.free_pages(0, p)  # __free_pages also only drops a reference
    assert pa.page_ref_count(p) == 1 and p not in pa.pcp_list(0)
    pa.put_page(0, p)
    assert pa.page_ref_count(p) == 0 and pa.pcp_list(0)[0] == p
    check_page_allocator(m)


def test_page_ref_sub_and_test():
    from skbbench.model.page_alloc import page_ref_sub_and_test

    m, pa = make(1024, 1)
    p = pa.alloc_pages(0)
    for _ in range(4):
        pa.page_ref_inc(p)
    assert not page_ref_sub_and_test(m.s, p, 3) and pa.page_ref_count(p) == 2
    assert page_ref_sub_and_test(m.s, p, 2) and pa.page_ref_count(p) == 0
    assert not page_ref_sub_and_test(m.s, p, 1)
    assert pa.page_ref_count(p) == 0  # undone
    with pytest.raises(ModelError, match="refcount underflow"):
        pa.raise_if_error()


def test_double_free_is_a_refcount_underflow():
    m, pa = make(1024, 1)
    p = pa.alloc_pages(0)
    pa.put_page(0, p)
    with pytest.raises(ModelError, match=f"pfn {p} .*refcount underflow"):
        pa.put_page(0, p)
    assert pa.page_ref_count(p) == 0


def test_get_page_of_a_free_page_is_an_error():
    m, pa = make(1024, 1)
    p = pa.alloc_pages(0)
    pa.put_page(0, p)
    with pytest.raises(ModelError, match="get_page of a page with refcount 0"):
        pa.get_page(p)


def test_compound_page_tails_point_at_the_head_and_put_page_acts_on_it():
    m, pa = make(1024, 2)
    h = pa.alloc_pages(0, 3, GFP_COMP)
    for i in range(1, 8):
        assert int(m.s[m.record(h + i) + PG_COMPOUND_HEAD]) == (h << 1) | 1
        assert pa.page_ref_count(h + i) == 0 and pa.page_count(h + i) == 1
    assert int(m.s[m.record(h) + PG_COMPOUND_HEAD]) == 3 << 1
    pa.get_page(h + 5)  # get_page of a tail raises the head's count
    assert pa.page_ref_count(h) == 2
    pa.put_page(1, h + 7)
    assert pa.page_ref_count(h) == 1
    check_page_allocator(m)
    pa.put_page(1, h + 2)  # last reference: free_compound_page -> __free_pages_ok(order 3)
    assert all(int(m.s[m.record(h + i) + PG_COMPOUND_HEAD]) == 0 for i in range(8))
    st_ = pa.stats(1)
    assert st_["free_one_page"] == 1 and st_["pgfree"] == 8 and st_["pcp_free"] == 0
    assert pa.stats()["compound_prep"] == 1
    assert pa.nr_free_pages() == 1024
    check_page_allocator(m)


def test_freeing_a_compound_page_with_another_order_is_an_error():
    m, pa = make(1024, 1)
    h = pa.alloc_pages(0, 2, GFP_COMP)
    with pytest.raises(ModelError, match="compound order 2"):
        pa.free_pages(0, h, 1)


def test_non_compound_high_order_block_needs_declaring_to_the_check():
    m, pa = make(1024, 1)
    h = pa.alloc_pages(0, 2)
    assert pa.page_ref_count(h) == 1 and pa.page_count(h + 1) == 0
    with pytest.raises(ModelError, match=f"pfn {h + 1}: lost"):
        check_page_allocator(m)
    assert check_page_allocator(m, held=[(h, 2)])["allocated"] == 4
    pa.free_pages(0, h, 2)
    check_page_allocator(m)


def test_njit_free_of_a_pfn_outside_the_zone_is_recorded():
    m, pa = make(64, 1, arena_align_order=6)
    put_page(m.s, 0, m.arena_end_pfn + 3)
    with pytest.raises(ModelError, match="outside the zone"):
        pa.raise_if_error()


def test_the_check_catches_corruption():
    m, pa = make(1024, 2)
    p = pa.alloc_pages(0)
    q = pa.pcp_list(0)[0]
    m.s[m.record(q) + 1] = 1 << 32  # a pcp page with a refcount
    with pytest.raises(ModelError, match=f"pfn {q}: on cpu 0's pcp list with nonzero"):
        check_page_allocator(m)
    m.s[m.record(q) + 1] = 0
    z = int(m.s[MH_ZONE])
    m.s[z + 56] += 1  # NR_FREE_PAGES off by one
    with pytest.raises(ModelError, match="NR_FREE_PAGES"):
        check_page_allocator(m)
    m.s[z + 56] -= 1
    m.s[m.record(p) + 1] = 0  # an allocated page loses its reference
    with pytest.raises(ModelError, match=f"pfn {p}: lost"):
        check_page_allocator(m)


# --------------------------------------------------------------------------------------
# Random sequences on several simulated CPUs


class Ref:
    """What the test holds: pfn -> [order, compound, references]."""

    def __init__(self):
        self.held = {}

    def noncompound(self):
        return [(p, o) for p, (o, comp, _) in self.held.items() if o and not comp]


OPS = st.one_of(
    st.tuples(
        st.just("alloc"),
        st.integers(0, 2),
        st.sampled_from([0, 0, 0, 1, 2, 3, 5]),
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(st.just("free"), st.integers(0, 2), st.integers(0, 10**6), st.booleans()),
    st.tuples(st.just("ref"), st.integers(0, 2), st.integers(0, 10**6)),
    st.tuples(st.just("bulk"), st.integers(0, 2), st.integers(1, 70), st.booleans()),
    st.tuples(st.just("drain"), st.integers(0, 2)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(OPS, min_size=1, max_size=40),
    small_pcp=st.booleans(),
    nr_pages=st.sampled_from([96, 256]),
)
def test_random_sequences_keep_every_page_accounted(ops, small_pcp, nr_pages):
    kw = {"pcp_batch": 3, "pcp_high": 7} if small_pcp else {}
    m, pa = make(nr_pages, 3, arena_align_order=0, **kw)
    ref = Ref()
    for op in ops:
        kind, cpu = op[0], op[1]
        if kind == "alloc":
            _, _, order, cold, comp = op
            gfp = (GFP_COLD if cold else 0) | (GFP_COMP if comp else 0)
            p = pa.alloc_pages(cpu, order, gfp)
            if p:
                assert p not in ref.held
                ref.held[p] = [order, comp and order > 0, 1]
        elif kind == "free" and ref.held:
            pfn = sorted(ref.held)[op[2] % len(ref.held)]
            order, comp, refs = ref.held[pfn]
            if comp and op[3]:
                pa.put_page(cpu, pfn + (op[2] % (1 << order)))  # any tail works
            else:
                pa.free_pages(cpu, pfn, order)
            if refs == 1:
                del ref.held[pfn]
            else:
                ref.held[pfn][2] -= 1
        elif kind == "ref" and ref.held:
            pfn = sorted(ref.held)[op[2] % len(ref.held)]
            pa.get_page(pfn)
            ref.held[pfn][2] += 1
        elif kind == "bulk":
            if op[3]:
                pages = pa.alloc_bulk_list(cpu, op[2])
            else:
                arr = np.zeros(op[2], dtype=np.uint64)
                got = pa.alloc_bulk_array(cpu, arr)
                pages = [int(x) for x in arr if x]
                assert got == len(pages)
            for p in pages:
                assert p not in ref.held
                ref.held[p] = [0, False, 1]
        elif kind == "drain":
            pa.drain(cpu)
        counts = check_page_allocator(m, held=ref.noncompound())
        assert counts["allocated"] == sum(1 << o for o, _, _ in ref.held.values())
        assert counts["buddy"] + counts["pcp"] + counts["allocated"] == nr_pages
        for p, (_, _, refs) in ref.held.items():
            assert pa.page_ref_count(p) == refs
    for pfn, (order, _, refs) in list(ref.held.items()):
        for _ in range(refs):
            pa.free_pages(0, pfn, order)
    pa.drain()
    assert pa.nr_free_pages() == nr_pages
    assert check_page_allocator(m)["buddy"] == nr_pages
    assert free_orders(pa) == {
        o: n for o, n in _count_orders(boot_blocks(m.arena_start_pfn, m.arena_end_pfn)).items()
    }


def _count_orders(blocks):
    out = {}
    for _, o in blocks:
        out[o] = out.get(o, 0) + 1
    return out


def test_what_page_frag_needs():
    """v4.6 __alloc_page_frag / __free_page_frag on an order-3 compound page: one
    page_ref_add of size - 1, fragments freed by put_page_testzero on the head page,
    page_ref_sub_and_test(pagecnt_bias) to find the page unused, set_page_count to reuse."""
    from skbbench.model.mm_types import PAGE_SHIFT
    from skbbench.model.page_alloc import (
        __free_page_frag,
        compound_order,
        page_is_pfmemalloc,
        page_ref_add,
        page_ref_sub_and_test,
        set_page_count,
        virt_to_head_page,
    )

    m, pa = make(1024, 1)
    s = m.s
    size = 32768  # PAGE_FRAG_CACHE_MAX_SIZE
    p = pa.alloc_pages(0, 3, GFP_COMP)
    assert compound_order(s, p) == 3 and compound_order(s, p + 1) == 0
    assert not page_is_pfmemalloc(s, p)
    page_ref_add(s, p, size - 1)
    bias = size
    assert pa.page_ref_count(p) == size
    frags = []
    for k in range(5):  # carved from the end downwards, one bias unit each
        frags.append((p << PAGE_SHIFT) + size - 2048 * (k + 1))
        bias -= 1
    assert virt_to_head_page(s, frags[-1] + 100) == p
    for addr in frags:  # each frag's skb is freed: an atomic dec on the head page
        __free_page_frag(s, 0, addr)
    assert pa.page_ref_count(p) == size - 5
    assert page_ref_sub_and_test(s, p, bias)  # every fragment was freed: reuse in place
    set_page_count(s, p, size)
    assert pa.page_ref_count(p) == size
    assert page_ref_sub_and_test(s, p, size - 1) is False  # teardown leaves one
    __free_page_frag(s, 0, (p << PAGE_SHIFT) + 7)  # the last one frees order 3
    assert pa.stats()["free_one_page"] == 1 and pa.stats()["pgfree"] == 8
    pa.raise_if_error()
    check_page_allocator(m)
    q = pa.alloc_pages(0)  # an order-0 frag page is freed by __free_pages_ok too
    __free_page_frag(s, 0, q << PAGE_SHIFT)
    assert pa.stats()["free_one_page"] == 2 and q not in pa.pcp_list(0)
    check_page_allocator(m)
