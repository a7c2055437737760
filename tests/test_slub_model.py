"""The SLUB model: geometry (calculate_order), random operation sequences against a
reference set of live objects, counters, and the SLUB_DEBUG-like checks."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbbench.errors import ModelError, ModelParameterError
from skbbench.model.slub_create import (
    calculate_order,
    calculate_size,
    kmem_cache_create,
    order_objects,
    set_cpu_partial,
    set_min_partial,
)
from skbbench.model.slub_layout import STAT_ITEMS

# --------------------------------------------------------------------------------------
# Geometry: the worked example of docs/model.md (skbuff_head_cache, size 256)


@pytest.mark.parametrize(
    "nr_cpus, order, objects",
    [
        (1, 0, 16),
        (2, 0, 16),
        (4, 0, 16),
        (7, 0, 16),
        (8, 1, 32),
        (16, 1, 32),
        (64, 1, 32),
        (127, 1, 32),
        (128, 2, 64),
        (256, 2, 64),
        (1024, 2, 64),
    ],
)
def test_order_and_objects_per_slab_of_the_worked_example(nr_cpus, order, objects):
    assert calculate_size(232) == 256  # sizeof(struct sk_buff) with SLAB_HWCACHE_ALIGN
    assert calculate_order(256, nr_cpus) == order
    assert order_objects(order, 256) == objects
    cache = kmem_cache_create(object_size=256, nr_cpus=nr_cpus, profile="zero", max_slabs=1)
    assert (cache.order, cache.objects) == (order, objects)
    assert cache.min_partial == 5 and cache.cpu_partial == 13


def test_min_partial_and_cpu_partial_defaults():
    assert set_min_partial(256) == 5  # ilog2(256)/2 = 4, clamped to MIN_PARTIAL
    assert set_min_partial(1 << 24) == 10  # clamped to MAX_PARTIAL
    assert [set_cpu_partial(s) for s in (8, 255, 256, 1024, 4096)] == [30, 30, 13, 6, 2]
    assert calculate_size(8) == 8 and calculate_size(24) == 32 and calculate_size(100) == 128


@pytest.mark.parametrize("size", [0, 4, 7, 32769, 10**6])
def test_bad_object_sizes_are_model_parameter_errors(size):
    with pytest.raises(ModelParameterError, match="object size"):
        kmem_cache_create(object_size=size, profile="zero", max_slabs=1)


def test_unknown_profile_is_a_model_parameter_error():
    with pytest.raises(ModelParameterError, match="cost profile 'fast'"):
        kmem_cache_create(profile="fast", max_slabs=1)


# --------------------------------------------------------------------------------------
# Random sequences against a reference


VARIANTS = ("fallback", "before", "after", "kfree_bulk")

op_strategy = st.one_of(
    st.tuples(st.just("alloc"), st.integers(0, 3)),
    st.tuples(st.just("free"), st.integers(0, 3), st.integers(0, 10**6)),
    st.tuples(
        st.just("alloc_bulk"), st.integers(0, 3), st.integers(1, 70), st.sampled_from(VARIANTS)
    ),
    st.tuples(
        st.just("free_bulk"),
        st.integers(0, 3),
        st.integers(1, 70),
        st.sampled_from(VARIANTS),
        st.integers(0, 10**6),
    ),
    st.tuples(st.just("flush")),
)


def _check_counters(cache, singles_alloc, singles_free, freed_total):
    stats, events = cache.stats(), cache.events()
    # every slab_alloc_node ends in exactly one of the two
    assert stats["ALLOC_FASTPATH"] + stats["ALLOC_SLOWPATH"] == singles_alloc
    # every single-object slab_free is counted once (bulk groups add to these)
    assert stats["FREE_FASTPATH"] + stats["FREE_SLOWPATH"] >= singles_free
    hist = cache.slab_free_histogram()
    assert sum(hist.values()) == stats["FREE_SLOWPATH"]  # one histogram entry per call
    assert sum(k * v for k, v in hist.items()) <= freed_total
    assert stats["CMPXCHG_DOUBLE_FAIL"] == 0 and stats["CMPXCHG_DOUBLE_CPU_FAIL"] == 0
    assert stats["ALLOC_SLAB"] == events["page_alloc"]
    assert stats["FREE_SLAB"] == events["page_free"]
    assert events["page_alloc"] - events["page_free"] == cache.nr_slabs()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(op_strategy, min_size=1, max_size=60),
    geometry=st.sampled_from([(256, 8), (256, 1), (1024, 4), (64, 2)]),
)
def test_random_sequences_keep_every_object_exactly_once(ops, geometry):
    object_size, nr_cpus = geometry
    # room for every object the sequence can hold (60 x 70), so nothing fails for OOM
    cache = kmem_cache_create(
        object_size=object_size, nr_cpus=nr_cpus, profile="zero", check=True, max_slabs=300
    )
    ncpu = cache.nr_cpus
    live: list[int] = []
    singles_alloc = singles_free = freed_total = 0
    for op in ops:
        kind = op[0]
        if kind == "alloc":
            obj = cache.alloc(op[1] % ncpu)
            singles_alloc += 1
            assert obj and obj not in live, "NULL or handed out twice"
            live.append(obj)
        elif kind == "free" and live:
            obj = live.pop(op[2] % len(live))
            cache.free(op[1] % ncpu, obj)
            singles_free += 1
            freed_total += 1
        elif kind == "alloc_bulk":
            _, cpu, n, variant = op
            got = cache.alloc_bulk(cpu % ncpu, n, variant)
            assert len(got) == n
            if variant == "fallback":
                singles_alloc += n
            assert len(set(got.tolist())) == n
            assert not set(got.tolist()) & set(live), "handed out twice"
            live.extend(int(x) for x in got)
        elif kind == "free_bulk" and live:
            _, cpu, n, variant, seed = op
            rng = np.random.default_rng(seed)
            n = min(n, len(live))
            idx = sorted(rng.choice(len(live), size=n, replace=False).tolist(), reverse=True)
            objs = [live.pop(i) for i in idx]
            rng.shuffle(objs)
            cache.free_bulk(cpu % ncpu, objs, variant)
            if variant == "fallback":
                singles_free += n
            freed_total += n
        elif kind == "flush":
            cache.flush_all()
        # the model's own bookkeeping agrees with the reference after every operation
        # (and check=True validated every invariant inside each call)
        assert cache.live_objects() == len(live)
    _check_counters(cache, singles_alloc, singles_free, freed_total)
    if live:
        cache.free_bulk(0, live, "after")
    cache.destroy()  # flush + "objects remaining" check: everything came back
    assert cache.nr_slabs() == 0


def test_single_op_counters_and_remote_frees():
    cache = kmem_cache_create(object_size=256, nr_cpus=8, profile="zero", check=True, max_slabs=16)
    objs = [cache.alloc(0) for _ in range(40)]  # > 32 objects per slab: two slabs
    st0 = cache.stats(0)
    assert st0["ALLOC_FASTPATH"] + st0["ALLOC_SLOWPATH"] == 40
    assert st0["ALLOC_SLAB"] == 2 and st0["ALLOC_SLOWPATH"] == 2
    for obj in objs:
        cache.free(1, obj)  # remote: CPU 1 never owned these slabs
    st1 = cache.stats(1)
    assert st1["FREE_FASTPATH"] == 0 and st1["FREE_SLOWPATH"] == 40
    # the full first slab got frozen onto CPU 1's partial list by its first free
    assert st1["CPU_PARTIAL_FREE"] >= 1
    assert cache.slab_free_histogram() == {1: 40}
    assert cache.live_objects() == 0
    cache.destroy()


def test_stat_names_are_the_kernels():
    assert len(STAT_ITEMS) == 26
    assert STAT_ITEMS[0] == "ALLOC_FASTPATH" and STAT_ITEMS[-1] == "CPU_PARTIAL_DRAIN"


# --------------------------------------------------------------------------------------
# SLUB_DEBUG-like checks


def test_double_free_is_caught_with_one_line():
    cache = kmem_cache_create(profile="zero", check=True, max_slabs=4, name="t")
    obj = cache.alloc(0)
    cache.free(0, obj)
    with pytest.raises(ModelError) as exc:
        cache.free(0, obj)
    msg = str(exc.value)
    assert "double free" in msg and f"0x{obj:x}" in msg and "\n" not in msg
    # the model stopped: further allocations return NULL instead of corrupting state
    assert cache.error() is not None


def test_double_free_inside_one_bulk_array_is_caught():
    cache = kmem_cache_create(profile="zero", check=True, max_slabs=4)
    objs = cache.alloc_bulk(0, 4, "after")
    with pytest.raises(ModelError, match="double free"):
        cache.free_bulk(0, [objs[0], objs[1], objs[0]], "after")


@pytest.mark.parametrize("bad", [8, 3, "misaligned", "other_cache"])
def test_foreign_pointer_is_caught(bad):
    cache = kmem_cache_create(profile="zero", check=True, max_slabs=4)
    obj = cache.alloc(0)
    if bad == "misaligned":
        bad = obj + 8
    elif bad == "other_cache":
        other = kmem_cache_create(profile="zero", max_slabs=64)
        bad = int(other.s[0] * 0) + int(cache.s.size) * 8 + 4096  # past the arena
    with pytest.raises(ModelError, match="invalid object pointer"):
        cache.free(0, bad)


def test_corrupted_freelist_is_caught_by_validation():
    cache = kmem_cache_create(profile="zero", check=True, max_slabs=4)
    a = cache.alloc(0)
    b = cache.alloc(0)
    cache.free(0, a)
    cache.s[a >> 3] = b  # use-after-free: overwrite a's free pointer with a live object
    with pytest.raises(ModelError, match="allocated object is on a freelist"):
        cache.validate()


def test_a_mixed_workload_exercises_every_slub_path_under_validation():
    """Every state transition the model has is taken at least once, with all invariants
    validated after every operation (check=True) and nothing lost at the end."""
    rng = np.random.default_rng(1)
    total = dict.fromkeys(STAT_ITEMS, 0)
    for object_size, nr_cpus in [(256, 8), (1024, 4)]:
        cache = kmem_cache_create(object_size, nr_cpus, profile="zero", check=True, max_slabs=200)
        live: list[int] = []
        for _ in range(250):
            r = rng.random()
            cpu = int(rng.integers(0, 4))
            variant = VARIANTS[int(rng.integers(0, 4))]
            if r < 0.3:
                live += cache.alloc_bulk(cpu, int(rng.integers(1, 70)), variant).tolist()
            elif r < 0.45:
                live.append(cache.alloc(cpu))
            elif r < 0.55 and live:
                cache.free(cpu, live.pop(int(rng.integers(0, len(live)))))
            elif r < 0.9 and live:
                n = min(len(live), int(rng.integers(1, 70)))
                idx = sorted(rng.choice(len(live), n, replace=False).tolist(), reverse=True)
                cache.free_bulk(cpu, [live.pop(i) for i in idx], variant)
            elif r < 0.92:
                cache.flush_all()
            assert cache.live_objects() == len(live)
        for k, v in cache.stats().items():
            total[k] += v
        cache.free_bulk(0, live, "before")
        cache.destroy()
    never = {
        "ALLOC_NODE_MISMATCH",
        "ORDER_FALLBACK",
        "CMPXCHG_DOUBLE_CPU_FAIL",
        "CMPXCHG_DOUBLE_FAIL",
    }  # one node, one order, one thread
    assert {k for k, v in total.items() if v == 0} == never


# --------------------------------------------------------------------------------------
# SLUB on the machine's page allocator


def _slab_record(cache, pfn):
    from skbbench.model.mm_types import PG_COUNTERS, PG_FLAGS

    r = cache.machine.record(pfn)
    return int(cache.s[r + PG_COUNTERS]), int(cache.s[r + PG_FLAGS])


def test_slabs_come_from_the_page_allocator_with_refcount_one_and_its_flags():
    from skbbench.model.mm_types import PG_HEAD, PG_SLAB, SLAB_CACHE_SHIFT
    from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator

    cache = kmem_cache_create(object_size=256, nr_cpus=8, profile="zero", check=True, max_slabs=8)
    pa = PageAllocator(cache.machine)
    free_before = pa.nr_free_pages()
    objs = [cache.alloc(0) for _ in range(3 * cache.objects)]
    assert all(objs)
    pages = cache.slab_pages()
    assert len(pages) == 3 == cache.nr_slabs()
    assert pa.nr_free_pages() == free_before - 3 * (1 << cache.order)
    for pfn in pages:
        counters, flags = _slab_record(cache, pfn)
        assert counters >> 32 == 1  # the allocator's reference, kept by every SLUB update
        assert flags & PG_SLAB and flags & PG_HEAD  # PG_head from prep_compound_page kept
        assert flags >> SLAB_CACHE_SHIFT == 0x5AB
    check_page_allocator(cache.machine)
    cache.validate()
    for obj in objs:
        cache.free(1, obj)
    cache.destroy()
    assert cache.nr_slabs() == 0 and cache.slab_pages() == []
    stats = check_page_allocator(cache.machine)
    assert stats["allocated"] == 0  # every slab page went back to the buddy lists
    assert pa.stats()["pgalloc"] == pa.stats()["pgfree"] == cache.events()["page_alloc"] * 2


def test_order_fallback_to_s_min_when_no_order_1_block_is_left():
    from skbbench.model.page_alloc_create import new_machine
    from skbbench.model.page_alloc_view import PageAllocator

    # pcp batch/high 1: freed order-0 pages go straight back to the buddy lists
    machine = new_machine(8, 8, profile="zero", pcp_batch=1, pcp_high=1, arena_align_order=3)
    cache = kmem_cache_create(object_size=256, check=True, machine=machine)
    assert cache.order == 1
    pa = PageAllocator(cache.machine)
    # fragment the zone: take every page, give back every other one (no order-1 buddy pair)
    pages = []
    while True:
        pfn = pa.alloc_pages(0, 0)
        if not pfn:
            break
        pages.append(pfn)
    assert len(pages) == 8
    for pfn in pages[::2]:
        pa.free_pages(0, pfn, 0)
    objs = [cache.alloc(0) for _ in range(16)]  # one order-0 slab of 16 objects
    assert all(objs)
    assert cache.stats()["ORDER_FALLBACK"] == 1
    (slab,) = cache.slab_pages()
    counters, _ = _slab_record(cache, slab)
    assert (counters >> 16) & 0x7FFF == 16 and counters >> 32 == 1
    cache.validate()
    assert cache.live_objects() == 16
    for obj in objs:
        cache.free(0, obj)
    cache.destroy()
    for pfn in pages[1::2]:
        pa.free_pages(0, pfn, 0)
    pa.drain()
    assert PageAllocator(cache.machine).nr_free_pages() == cache.machine.arena_pfns


def test_a_cache_in_a_given_machine_uses_its_cpus_costs_and_meta_area():
    from skbbench.model.page_alloc_create import new_machine
    from skbbench.model.page_alloc_view import check_page_allocator

    machine = new_machine(64, 2, profile="zero")
    before = machine.meta_left()
    cache = kmem_cache_create(object_size=256, check=True, machine=machine)
    assert cache.nr_cpus == 2 and cache.order == 0 and cache.s is machine.s
    assert machine.meta_left() < before
    with pytest.raises(ModelParameterError, match="cpus 4"):
        kmem_cache_create(object_size=256, nr_cpus=4, machine=new_machine(8, 2, profile="zero"))
    with pytest.raises(ModelParameterError, match="already has a slab allocator"):
        kmem_cache_create(object_size=256, machine=machine)
    objs = [cache.alloc(i % 2) for i in range(100)]
    for i, obj in enumerate(objs):
        cache.free((i + 1) % 2, obj)
    cache.validate()
    cache.destroy()
    check_page_allocator(machine)


def test_validator_counts_slab_pages_against_nr_slabs():
    from skbbench.model.slub_layout import H_NODE_BASE, N_NR_SLABS

    cache = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", check=True, max_slabs=4)
    cache.alloc(0)
    cache.s[int(cache.s[H_NODE_BASE]) + N_NR_SLABS] += 1
    with pytest.raises(ModelError, match="slab pages found do not match nr_slabs"):
        cache.validate()
