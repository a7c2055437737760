"""page_pool, both versions: the v4.18 quirks, the modern alloc cache / refill / bulk slow
path / NAPI-local recycling / ring-full release, counters per path, the
bench_page_pool_simple flows, size validation, and teardown returning every page."""

import pytest

from skbbench.errors import UsageError
from skbbench.model.machine import create_machine
from skbbench.model.mm_types import PG_AUX, PG_FREELIST
from skbbench.model.page_alloc_create import new_machine
from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator
from skbbench.model.page_pool import (
    PP_SIGNATURE,
    page_pool_create,
)

VERSIONS = ("v4.18", "modern")


def make(version, nr_pages=2048, nr_cpus=2, **kw):
    m = new_machine(nr_pages, nr_cpus, profile="zero")
    return m, PageAllocator(m), page_pool_create(m, version, **kw)


def fill_ring(pp, n, cpu=0):
    """pp_fill_ptr_ring: allocate n pages, return them all with allow_direct=false."""
    pages = [pp.alloc(cpu) for _ in range(n)]
    assert all(pages) and len(set(pages)) == n
    for p in pages:
        pp.put(cpu, p, allow_direct=False)
    return pages


def teardown_all_free(m, pa, pp, held=()):
    for p in held:
        pp.put(0, p)
    res = pp.destroy()
    pa.drain()
    counts = check_page_allocator(m)
    assert counts["buddy"] == m.arena_pfns and counts["allocated"] == 0
    return res


# --------------------------------------------------------------------------------------
# v4.18


def test_v418_ring_empty_means_slow_path_even_with_a_full_cache():
    m, pa, pp = make("v4.18")
    ring_pages = fill_ring(pp, 64)
    assert pp.ring() == ring_pages
    a = pp.alloc(0)  # refill moves all 64 into the cache, the ring drains: NULL -> slow
    assert a not in ring_pages and pp.alloc_cache() == ring_pages and pp.ring() == []
    b = pp.alloc(0)  # ring empty: slow path again, the cache is not even consulted
    assert b not in ring_pages and len(pp.alloc_cache()) == 64
    st = pp.stats()["alloc"]
    assert st["slow"] == 64 + 2 and st["fast"] == 0 and st["refill"] == 0
    assert st["empty"] == 64 + 1
    teardown_all_free(m, pa, pp, held=[a, b])


def test_v418_refill_returns_the_65th_page():
    m, pa, pp = make("v4.18")
    ring_pages = fill_ring(pp, 100)
    p = pp.alloc(0)
    assert p == ring_pages[64] and pp.alloc_cache() == ring_pages[:64]
    assert pp.ring() == ring_pages[65:]
    q = pp.alloc(0)  # ring not empty: fast path pops the cache top
    assert q == ring_pages[63]
    st = pp.stats()["alloc"]
    assert st["refill"] == 1 and st["fast"] == 1
    teardown_all_free(m, pa, pp, held=[p, q])


def test_v418_outside_softirq_consumes_one_page_from_the_locked_ring():
    m, pa, pp = make("v4.18")
    ring_pages = fill_ring(pp, 10)
    p = pp.alloc(0, in_softirq=False)
    assert p == ring_pages[0] and pp.alloc_cache() == [] and pp.ring() == ring_pages[1:]
    teardown_all_free(m, pa, pp, held=[p])


def test_v418_put_paths():
    m, pa, pp = make("v4.18", pool_size=32)
    pages = [pp.alloc(0) for _ in range(40)]
    pp.put(0, pages[0], allow_direct=True, in_softirq=True)  # -> alloc cache
    pp.put(0, pages[1], allow_direct=True, in_softirq=False)  # no softirq: -> ring (bh)
    assert pp.alloc_cache() == [pages[0]] and pp.ring() == [pages[1]]
    for p in pages[2:33]:
        pp.put(1, p)
    assert len(pp.ring()) == 32
    pp.put(1, pages[33])  # ring full: back to the page allocator
    assert pa.page_ref_count(pages[33]) == 0
    pa.get_page(pages[34])  # elevated refcount: the page leaves the pool
    pp.put(1, pages[34])
    assert pa.page_ref_count(pages[34]) == 1
    rec = pp.stats()["recycle"]
    assert rec == {"cached": 1, "cache_full": 0, "ring": 32, "ring_full": 1, "released_refcnt": 1}
    pa.put_page(0, pages[34])
    res = teardown_all_free(m, pa, pp, held=pages[35:])
    assert res["inflight"] is None


# --------------------------------------------------------------------------------------
# modern (v6.19)


def test_modern_slow_path_bulk_refills_the_cache():
    m, pa, pp = make("modern")
    p = pp.alloc(0)
    cache = pp.alloc_cache()
    assert len(cache) == 63 and p not in cache
    assert pp.hold_cnt() == 64 and pp.inflight() == 64
    st = pp.stats()["alloc"]
    assert st["empty"] == 1 and st["slow"] == 1
    assert pa.stats()["alloc_bulk"] == 1 and pa.stats()["alloc_bulk_pages"] == 64
    for x in cache + [p]:
        r = m.record(x)
        assert int(m.s[r + PG_FREELIST]) == PP_SIGNATURE and int(m.s[r + PG_AUX]) == pp.base
    assert pp.alloc(0) == cache[-1] and pp.stats()["alloc"]["fast"] == 1
    res = teardown_all_free(m, pa, pp, held=[p, cache[-1]])
    assert res == {"returned": 64, "inflight": 0}
    assert int(m.s[m.record(p) + PG_FREELIST]) == 0  # pp info cleared on release


def test_modern_refill_takes_64_from_the_ring_and_returns_the_last():
    m, pa, pp = make("modern")
    first = [pp.alloc(0) for _ in range(64)]  # one slow bulk, 63 fast
    extra = [pp.alloc(0) for _ in range(36)]  # a second bulk of 64: 36 taken
    pages = first + extra
    for x in pages:
        pp.put(0, x)  # not napi-local: all to the ring
    leftover = pp.alloc_cache()
    assert len(leftover) == 28 and pp.ring() == pages
    held = [pp.alloc(0) for _ in range(28)]  # drains the cache first
    assert held == leftover[::-1]
    p = pp.alloc(0)  # refill: 64 from the ring into the cache, the 64th returned
    assert p == pages[63] and pp.alloc_cache() == pages[:63] and pp.ring() == pages[64:]
    assert pp.stats()["alloc"]["refill"] == 1
    teardown_all_free(m, pa, pp, held=held + [p])


def test_modern_short_ring_refill():
    m, pa, pp = make("modern")
    pages = [pp.alloc(0) for _ in range(64)]
    for x in pages[:10]:
        pp.put(0, x)
    p = pp.alloc(0)
    assert p == pages[9] and pp.alloc_cache() == pages[:9] and pp.ring() == []
    teardown_all_free(m, pa, pp, held=pages[10:] + [p])


def test_modern_napi_local_direct_recycling():
    m, pa, pp = make("modern", napi_cpu=0)
    a, b, c = (pp.alloc(0) for _ in range(3))
    base = len(pp.alloc_cache())
    pp.put(0, a)  # softirq on the NAPI cpu: allow_direct auto-enabled -> cache
    pp.put(1, b)  # another cpu: ring
    pp.put(0, c, in_softirq=False)  # not softirq: ring (spin_lock_bh)
    assert len(pp.alloc_cache()) == base + 1 and pp.alloc_cache()[-1] == a
    assert pp.ring() == [b, c]
    rec = pp.stats()["recycle"]
    assert rec["cached"] == 1 and rec["ring"] == 2
    teardown_all_free(m, pa, pp)


def test_modern_recycle_direct_when_the_cache_is_full_goes_to_the_ring():
    m, pa, pp = make("modern")
    pages = [pp.alloc(0) for _ in range(129)]  # two bulks used up, a third leaves 63
    assert len(pp.alloc_cache()) == 63 and pp.stats()["alloc"]["slow"] == 3
    for x in pages[:65]:
        pp.recycle_direct(0, x)
    assert len(pp.alloc_cache()) == 128 and pp.stats()["recycle"]["cache_full"] == 0
    pp.recycle_direct(0, pages[65])
    rec = pp.stats()["recycle"]
    assert rec["cache_full"] == 1 and rec["ring"] == 1 and pp.ring() == [pages[65]]
    assert rec["cached"] == 65
    teardown_all_free(m, pa, pp, held=pages[66:])


def test_modern_ring_full_releases_to_the_page_allocator():
    m, pa, pp = make("modern", pool_size=32)
    pages = [pp.alloc(0) for _ in range(64)]
    for x in pages[:33]:
        pp.put(1, x)
    assert len(pp.ring()) == 32 and pa.page_ref_count(pages[32]) == 0
    assert pp.stats()["recycle"]["ring_full"] == 1 and pp.release_cnt() == 1
    teardown_all_free(m, pa, pp, held=pages[33:])
    assert pp.inflight() == 0


def test_modern_elevated_refcount_is_released():
    m, pa, pp = make("modern")
    p = pp.alloc(0)
    pa.get_page(p)
    pp.put(0, p)
    assert pa.page_ref_count(p) == 1 and pp.stats()["recycle"]["released_refcnt"] == 1
    assert int(m.s[m.record(p) + PG_FREELIST]) == 0 and pp.inflight() == 63
    pa.put_page(0, p)
    teardown_all_free(m, pa, pp)


@pytest.mark.parametrize("version", VERSIONS)
def test_high_order_pools_use_compound_pages(version):
    m, pa, pp = make(version, order=2)
    p = pp.alloc(0)
    assert pa.page_count(p + 3) == 1
    key = "slow_high_order"
    assert pp.stats()["alloc"][key] == 1 and pp.alloc_cache() == []
    pp.put(0, p)
    assert pp.ring() == [p]
    teardown_all_free(m, pa, pp)


# --------------------------------------------------------------------------------------
# bench_page_pool_simple flows (counters per element)

N = 640


@pytest.mark.parametrize("version", VERSIONS)
def test_tasklet01_fast_path_is_cache_pop_and_push(version):
    m, pa, pp = make(version)
    fill_ring(pp, 64)
    before = pa.stats()["pgalloc"]
    for _ in range(N):
        pp.recycle_direct(0, pp.alloc(0, in_softirq=True), in_softirq=True)
    st, rec = pp.stats()["alloc"], pp.stats()["recycle"]
    if version == "modern":
        assert st["refill"] == 1 and st["fast"] == 63 + N - 1
        assert rec["cached"] == N and pa.stats()["pgalloc"] == before
    else:
        # the 64-page refill drains the ring (NULL: slow path); with the ring empty every
        # alloc is slow until the cache overflows (65th) and one page reaches the ring;
        # from then on the fast path runs
        assert st["slow"] == 64 + 65 and st["fast"] == N - 65
        assert rec["cached"] == N - 1 and rec["cache_full"] == 1 and rec["ring"] == 64 + 1
    teardown_all_free(m, pa, pp)


@pytest.mark.parametrize("version", VERSIONS)
def test_ptr_ring_flow_refills_every_64(version):
    m, pa, pp = make(version)
    fill_ring(pp, 64)
    for _ in range(N):
        pp.put(0, pp.alloc(0, in_softirq=True), allow_direct=False, in_softirq=True)
    st, rec = pp.stats()["alloc"], pp.stats()["recycle"]
    assert rec["ring"] == 64 + N
    if version == "modern":
        assert st["refill"] == N // 64 and st["fast"] == 63 + N - N // 64
    else:  # v4.18: refill returns the 65th page, so the ring must hold more than 64
        assert st["slow"] >= 64
    teardown_all_free(m, pa, pp)


@pytest.mark.parametrize("version", VERSIONS)
def test_page_allocator_flow_releases_every_page(version):
    m, pa, pp = make(version)
    fill_ring(pp, 64)
    pgfree = pa.stats()["pgfree"]
    for _ in range(N):
        p = pp.alloc(0, in_softirq=True)
        pa.get_page(p)  # >= 6.5 form: refcount 2 is not recyclable
        pp.put(0, p, allow_direct=False)
        pa.put_page(0, p)
    st, rec = pp.stats()["alloc"], pp.stats()["recycle"]
    assert rec["released_refcnt"] == N and pa.stats()["pgfree"] - pgfree == N
    if version == "modern":  # 64 from the ring, then a bulk of 64 every 64
        assert st["refill"] == 1 and st["slow"] == 1 + (N - 64) // 64
    else:  # the refill parks the 64 ring pages in the cache for good: all slow
        assert st["slow"] == 64 + N and len(pp.alloc_cache()) == 64
    teardown_all_free(m, pa, pp)


# --------------------------------------------------------------------------------------
# Sizes and bad input


def test_pool_sizes():
    m = new_machine(256, 2, profile="zero", meta_words=200_000)
    assert page_pool_create(m, "v4.18").ring_size == 1024
    assert page_pool_create(m, "v4.18", pool_size=32768).ring_size == 32768
    assert page_pool_create(m, "modern", pool_size=20000).ring_size == 16384
    with pytest.raises(UsageError, match="-E2BIG"):
        page_pool_create(m, "v4.18", pool_size=32769)
    with pytest.raises(UsageError, match="-E2BIG"):
        page_pool_create(m, "modern", pool_size=40000)


def test_bad_pool_parameters():
    m = new_machine(256, 2, profile="zero")
    with pytest.raises(UsageError, match="what-if"):
        page_pool_create(m, "modern", alloc_cache_size=256)
    with pytest.raises(UsageError, match="version"):
        page_pool_create(m, "v5.0")
    with pytest.raises(UsageError, match="napi_cpu"):
        page_pool_create(m, "modern", napi_cpu=2)
    with pytest.raises(UsageError, match="order"):
        page_pool_create(m, "modern", order=11)
    with pytest.raises(UsageError, match="refill"):
        page_pool_create(m, "modern", alloc_cache_size=16, alloc_cache_refill=32, what_if=True)
    with pytest.raises(UsageError, match="no page allocator"):
        page_pool_create(create_machine(16, 1, 4096), "modern")


def test_what_if_alloc_cache_size():
    m, pa, pp = make("modern", alloc_cache_size=32, alloc_cache_refill=16, what_if=True)
    p = pp.alloc(0)
    assert len(pp.alloc_cache()) == 15 and pa.stats()["alloc_bulk_pages"] == 16
    pages = [pp.alloc(0) for _ in range(40)]
    for x in pages:
        pp.recycle_direct(0, x)
    assert len(pp.alloc_cache()) == 32 and pp.stats()["recycle"]["cache_full"] > 0
    teardown_all_free(m, pa, pp, held=[p])
