"""Driver RX page reuse: Eric Dumazet's page_count == 1 rule and ixgbe v4.6's half-page
flip, hand-worked and under random skb lifetimes with the conservation check."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbbench.errors import UsageError
from skbbench.model.mm_types import PG_FLAGS, PG_PFMEMALLOC
from skbbench.model.page_alloc_create import new_machine
from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator
from skbbench.model.rx_page_reuse import (
    RX_NEXT_TO_ALLOC,
    RX_NEXT_TO_CLEAN,
    RX_SLOTS,
    ixgbe_alloc_rx_buffers,
    ixgbe_fetch_rx_buffer,
    rx_refcount_reuse_slot,
    rx_ring_alloc,
    rx_ring_pages,
    rx_stats,
)


def make(nr_pages=1024):
    m = new_machine(nr_pages, 2, profile="zero")
    return m, PageAllocator(m)


def slot(rx, i):
    return int(rx[RX_SLOTS + 2 * i]), int(rx[RX_SLOTS + 2 * i + 1])


# --------------------------------------------------------------------------------------
# page_count == 1


def test_router_case_reuses_the_page_with_one_atomic_per_frame():
    m, pa = make()
    rx = rx_ring_alloc(4)
    p = int(rx_refcount_reuse_slot(m.s, 0, rx, 0, 0))  # empty slot: allocate
    assert p and pa.page_ref_count(p) == 2  # the driver's + the next frame's
    for _ in range(5):
        pa.put_page(1, p)  # the frame's skb is consumed (TX completion, other CPU)
        assert int(rx_refcount_reuse_slot(m.s, 0, rx, 0, 0)) == p
        assert pa.page_ref_count(p) == 2
    assert rx_stats(rx) == {
        "reused": 5,
        "replaced": 0,
        "reserved": 0,
        "copied": 0,
        "page_alloc": 1,
        "alloc_failed": 0,
    }
    assert pa.stats()["pgalloc"] == 1


def test_host_case_leaves_the_page_to_the_stack_and_allocates_a_cold_one():
    m, pa = make()
    rx = rx_ring_alloc(4)
    p = int(rx_refcount_reuse_slot(m.s, 0, rx, 0, 0))
    pa.free_pages(0, pa.alloc_pages(0))  # puts a known page at the pcp head...
    cold = pa.pcp_list(0)[-1]  # ...and the cold tail is what a __GFP_COLD alloc takes
    q = int(rx_refcount_reuse_slot(m.s, 0, rx, 0, 0))  # the socket still holds p
    assert q == cold and q != p
    assert pa.page_ref_count(p) == 1 and pa.page_ref_count(q) == 2
    assert rx_stats(rx)["replaced"] == 1 and rx_stats(rx)["page_alloc"] == 2
    check_page_allocator(m)
    pa.put_page(1, p)  # the application finally reads the data: p is freed
    assert pa.page_ref_count(p) == 0 and p in pa.pcp_list(1)
    check_page_allocator(m)


# --------------------------------------------------------------------------------------
# ixgbe half-page flip


def test_ixgbe_flip_reuses_the_other_half():
    m, pa = make()
    rx = rx_ring_alloc(8)
    assert ixgbe_alloc_rx_buffers(m.s, 0, rx, 7) == 7  # ixgbe_desc_unused: count - 1
    p, off = slot(rx, 0)
    assert off == 0 and int(rx[RX_NEXT_TO_ALLOC]) == 7
    got = int(ixgbe_fetch_rx_buffer(m.s, 0, rx, 1500))
    assert got == p and pa.page_ref_count(p) == 2  # skb's + driver's new one
    assert slot(rx, 7) == (p, 2048) and slot(rx, 0)[0] == 0
    assert int(rx[RX_NEXT_TO_ALLOC]) == 0 and int(rx[RX_NEXT_TO_CLEAN]) == 1
    assert rx_stats(rx)["reused"] == 1
    pa.put_page(0, p)  # the skb is freed before the driver comes back to slot 7
    for _ in range(6):
        frag = int(ixgbe_fetch_rx_buffer(m.s, 0, rx, 1500))
        pa.put_page(0, frag)
    got = int(ixgbe_fetch_rx_buffer(m.s, 0, rx, 1500))  # slot 7: the second half of p
    assert got == p and pa.page_ref_count(p) == 2 and rx_stats(rx)["reused"] == 8


def test_ixgbe_page_still_held_is_not_reused():
    m, pa = make()
    rx = rx_ring_alloc(4)
    ixgbe_alloc_rx_buffers(m.s, 0, rx, 3)
    p = int(ixgbe_fetch_rx_buffer(m.s, 0, rx, 1500))  # skb A holds p, p flipped to slot 3
    ixgbe_fetch_rx_buffer(m.s, 0, rx, 100)  # slots 1, 2: small frames, copied
    ixgbe_fetch_rx_buffer(m.s, 0, rx, 100)
    got = int(ixgbe_fetch_rx_buffer(m.s, 0, rx, 1500))  # slot 3: p, but A still holds it
    assert got == p and pa.page_ref_count(p) == 2  # A's and B's references
    assert rx_stats(rx)["replaced"] == 1 and slot(rx, 3)[0] == 0
    assert ixgbe_alloc_rx_buffers(m.s, 0, rx, 4) == 4  # slot 3 gets a new page
    assert slot(rx, 3)[0] not in (0, p)
    for _ in range(2):
        pa.put_page(0, p)
    assert pa.page_ref_count(p) == 0


def test_ixgbe_small_frames_are_copied_and_the_buffer_reused_as_is():
    m, pa = make()
    rx = rx_ring_alloc(4)
    ixgbe_alloc_rx_buffers(m.s, 0, rx, 3)
    p, _ = slot(rx, 0)
    assert int(ixgbe_fetch_rx_buffer(m.s, 0, rx, 256)) == 0
    assert slot(rx, 3) == (p, 0) and pa.page_ref_count(p) == 1
    assert rx_stats(rx)["copied"] == 1 and rx_stats(rx)["reused"] == 0


def test_ixgbe_pfmemalloc_pages_are_not_reused():
    m, pa = make()
    rx = rx_ring_alloc(4)
    ixgbe_alloc_rx_buffers(m.s, 0, rx, 3)
    p, _ = slot(rx, 0)
    q, _ = slot(rx, 1)
    for x in (p, q):
        m.s[m.record(x) + PG_FLAGS] |= PG_PFMEMALLOC
    assert int(ixgbe_fetch_rx_buffer(m.s, 0, rx, 1500)) == p  # frag, not reused
    assert pa.page_ref_count(p) == 1 and slot(rx, 0)[0] == 0
    assert int(ixgbe_fetch_rx_buffer(m.s, 0, rx, 64)) == 0  # copied, page freed
    assert pa.page_ref_count(q) == 0 and rx_stats(rx)["reserved"] == 2
    m.s[m.record(p) + PG_FLAGS] = 0
    pa.put_page(0, p)


def test_bad_ring_sizes():
    with pytest.raises(UsageError, match="rx ring size"):
        rx_ring_alloc(0)
    with pytest.raises(UsageError, match="truesize"):
        rx_ring_alloc(8, truesize=8192)


@settings(max_examples=30, deadline=None)
@given(
    frames=st.lists(
        st.tuples(st.sampled_from([64, 300, 1500]), st.integers(0, 12)), min_size=1, max_size=80
    ),
    ixgbe=st.booleans(),
)
def test_random_frame_lifetimes_keep_pages_accounted(frames, ixgbe):
    """Each frame's skb lives for `delay` later frames, then is freed on CPU 1."""
    m, pa = make(512)
    count = 8
    rx = rx_ring_alloc(count)
    held = []  # (release at frame index, pfn)
    if ixgbe:
        ixgbe_alloc_rx_buffers(m.s, 0, rx, count - 1)
    cleaned = 0
    for k, (size, delay) in enumerate(frames):
        for t, pfn in [h for h in held if h[0] <= k]:
            pa.put_page(1, pfn)
            held.remove((t, pfn))
        if ixgbe:
            pfn = int(ixgbe_fetch_rx_buffer(m.s, 0, rx, size))
            cleaned += 1
            if cleaned >= 4:
                ixgbe_alloc_rx_buffers(m.s, 0, rx, cleaned)
                cleaned = 0
        else:  # the driver comes back to slot i one ring cycle later: repost or replace,
            # then the frame lands in the page and its skb takes the reference just taken
            pfn = int(rx_refcount_reuse_slot(m.s, 0, rx, k % count, 0))
        if pfn:
            held.append((k + delay, pfn))
        counts = check_page_allocator(m)
        driver = rx_ring_pages(rx)
        assert counts["allocations"] == len(set(driver) | {p for _, p in held})
    for _, pfn in held:
        pa.put_page(1, pfn)
    for pfn in rx_ring_pages(rx):  # driver teardown: drop the driver's references
        refs = pa.page_ref_count(pfn)
        for _ in range(refs):
            pa.put_page(0, pfn)
    pa.drain()
    assert check_page_allocator(m)["buddy"] == 512
