"""The SLAB (v4.6) model: sizing, hand-worked counter sequences, random operation
sequences across CPUs and nodes against a reference set, bulk = singles, check mode."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbbench.errors import ModelError, ModelParameterError
from skbbench.model import slab_layout as L
from skbbench.model.slab_create import kmem_cache_create

# --------------------------------------------------------------------------------------
# Sizing: __kmem_cache_create + enable_cpucache


def test_256_byte_objects_get_the_kernel_defaults():
    c = kmem_cache_create(object_size=256, nr_cpus=8, profile="zero", max_slabs=1)
    assert (c.size, c.gfporder, c.num, c.objfreelist, c.colour) == (256, 0, 16, True, 0)
    assert (c.limit, c.batchcount, c.shared) == (120, 60, 8)
    assert c.free_limits == ((1 + 8) * 60 + 16,)
    assert L.calculate_alignment(232) == 64 and L.cache_size(232, 64) == 256  # sk_buff
    one = kmem_cache_create(object_size=256, nr_cpus=1, profile="zero", max_slabs=1)
    assert one.shared == 0  # no shared array on a uniprocessor


@pytest.mark.parametrize(
    "size, limit",
    [(64, 120), (256, 120), (257, 54), (1024, 54), (1025, 24), (4096, 24), (4097, 8)],
)
def test_enable_cpucache_limits(size, limit):
    assert L.enable_cpucache_limits(size, 2) == (limit, (limit + 1) // 2, 8 if size <= 4096 else 0)


def test_slab_order_and_management_by_hand():
    # 3008-byte stride: order 0 holds 1 (1088 left, > 1/8), order 1 = slab_max_order: 2
    assert L.calculate_slab_order(3008, L.CFLGS_OBJFREELIST_SLAB) == (1, 2, 8192 - 6016)
    # 32-byte objects: 128 byte indices do not fit in a 32-byte object -> on-slab,
    # 4096 // (32 + 1) = 124 objects, 4 bytes left
    assert L.slab_management(32, 24) == (0, 0, 124, 0)
    assert L.slab_management(1024, 1024) == (L.CFLGS_OBJFREELIST_SLAB, 0, 4, 0)
    # 16-byte objects: 256 would overflow a byte index; on-slab gives 4096 // 17 = 240
    assert L.slab_management(16, 16)[2] == 240


@given(d=st.integers(16, 32768), a=st.integers(0, (1 << 16) - 1))
def test_reciprocal_divide_is_division(d, a):
    assert L.reciprocal_divide(a * 1, L.reciprocal_value(d)) == a // d


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"object_size": 4}, "object size"),
        ({"object_size": 10**6}, "object size"),
        ({"nr_nodes": 3}, "nodes 3"),
        ({"nr_cpus": 1, "nr_nodes": 2}, "nodes 2"),
        ({"limit": 10, "batchcount": 11}, "batchcount"),
        ({"profile": "fast"}, "cost profile"),
    ],
)
def test_bad_parameters_are_usage_errors(kwargs, match):
    with pytest.raises(ModelParameterError, match=match):
        kmem_cache_create(max_slabs=1, **kwargs)


def test_unknown_variant_and_cpu_are_usage_errors():
    c = kmem_cache_create(nr_cpus=2, profile="zero", max_slabs=4)
    with pytest.raises(ModelParameterError, match="bulk variant 'sideways'"):
        c.alloc_bulk(0, 4, "sideways")
    with pytest.raises(ModelParameterError, match="cpu 2"):
        c.alloc(2)


# --------------------------------------------------------------------------------------
# Hand-worked sequences


def _ac(c, cpu):
    base = int(c.s[L.K_CPU_BASE]) + cpu * int(c.s[L.K_AC_STRIDE])
    return {k: int(c.s[base + w]) for k, w in (("avail", 0), ("touched", 3))}


def _node(c, k=0):
    n = int(c.s[L.K_NODE_BASE]) + k * L.NODE_WORDS
    return {
        "free_objects": int(c.s[n + L.N_FREE_OBJECTS]),
        "slabs": int(c.s[n + L.N_TOTAL_SLABS]),
        "free_slabs": int(c.s[n + L.N_FREE_SLABS]),
        "shared_avail": int(c.s[int(c.s[n + L.N_SHARED])]) if c.s[n + L.N_SHARED] else 0,
    }


def test_first_alloc_on_an_empty_cache():
    c = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", check=True, max_slabs=8)
    c.alloc(0)
    st_ = c.stats()
    # miss, grow one slab, retry, refill BATCHREFILL_LIMIT = 16 while !touched
    assert (st_["allocmiss"], st_["allochit"], st_["grown"], st_["num_allocations"]) == (
        1,
        0,
        1,
        16,
    )
    assert _ac(c, 0) == {"avail": 15, "touched": 1}
    assert _node(c) == {"free_objects": 0, "slabs": 1, "free_slabs": 0, "shared_avail": 0}
    ev = c.events()
    assert ev["page_alloc"] == 1 and ev["refill_from_slabs"] == 1 and ev["irq_save_restore"] == 1
    for _ in range(15):
        c.alloc(0)
    assert c.stats()["allochit"] == 15 and _ac(c, 0)["avail"] == 0
    c.alloc(0)  # touched now: batch 60, but one new slab holds 16 -> 16 again
    st_ = c.stats()
    assert (st_["allocmiss"], st_["grown"], st_["num_allocations"]) == (2, 2, 32)


def test_free_of_limit_plus_one_objects_flushes_batchcount():
    c = kmem_cache_create(object_size=256, nr_cpus=1, profile="zero", check=True, max_slabs=16)
    objs = [c.alloc(0) for _ in range(128)]  # 8 refills of 16: the array is empty again
    assert _ac(c, 0)["avail"] == 0 and c.stats()["grown"] == 8
    c.reset_counters()
    for x in objs[:121]:
        c.free(0, x)
    st_, ev = c.stats(), c.events()
    assert (st_["freehit"], st_["freemiss"]) == (120, 1)
    # no shared array (1 CPU): the 60 oldest entries go to free_block
    assert ev["flush_free_block"] == 1 and ev["free_block_objects"] == 60
    assert _ac(c, 0)["avail"] == 61
    # the first 60 freed = 3 whole slabs + 12 of the 4th; free_limit 136 keeps them
    assert _node(c) == {"free_objects": 60, "slabs": 8, "free_slabs": 3, "shared_avail": 0}
    assert st_["max_freeable"] == 3 and st_["num_active"] == 128 - 60
    assert c.live_objects() == 7


def test_flush_goes_to_the_shared_array_and_refills_another_cpu():
    c = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", check=True, max_slabs=16)
    objs = [c.alloc(0) for _ in range(128)]
    for x in objs[:121]:
        c.free(1, x)  # same node: no alien path, CPU 1's array fills and flushes
    ev = c.events()
    assert ev["flush_to_shared"] == 1 and ev["flush_free_block"] == 0
    assert _node(c)["shared_avail"] == 60 and _ac(c, 1)["avail"] == 61
    c.reset_counters()
    c.alloc(0)  # CPU 0's array is empty and touched: 60 from the shared array
    assert c.events()["refill_from_shared"] == 1 and c.stats()["num_allocations"] == 0
    assert _node(c)["shared_avail"] == 0 and _ac(c, 0)["avail"] == 59


def test_drain_array_as_the_reaper_runs_it():
    c = kmem_cache_create(object_size=256, nr_cpus=1, profile="zero", check=True, max_slabs=16)
    objs = [c.alloc(0) for _ in range(64)]  # 4 full slabs, the array empty
    for x in objs:
        c.free(0, x)
    assert _ac(c, 0) == {"avail": 64, "touched": 1}
    c.reap(0, node_due=False)  # touched: only cleared
    assert _ac(c, 0) == {"avail": 64, "touched": 0}
    c.reap(0, node_due=False)  # (limit + 4) / 5 = 24 oldest entries back to their slabs
    assert _ac(c, 0)["avail"] == 40
    assert _node(c) == {"free_objects": 24, "slabs": 4, "free_slabs": 1, "shared_avail": 0}
    c.reap(0, node_due=True)  # 24 more; the node's free_touched (set by refills) cleared
    assert _ac(c, 0)["avail"] == 16 and c.stats()["reaped"] == 0
    assert _node(c) == {"free_objects": 48, "slabs": 4, "free_slabs": 3, "shared_avail": 0}
    c.reap(0, node_due=True)  # 24 > 16 left: half (8); drain_freelist((136+79)/80 = 2)
    assert _ac(c, 0)["avail"] == 8 and c.stats()["reaped"] == 2
    assert _node(c) == {"free_objects": 24, "slabs": 2, "free_slabs": 1, "shared_avail": 0}
    assert c.events()["page_free"] == 2


def test_remote_node_frees_go_through_the_alien_cache():
    c = kmem_cache_create(
        object_size=256, nr_cpus=2, nr_nodes=2, profile="zero", check=True, max_slabs=16
    )
    assert (c.node_of(0), c.node_of(1)) == (0, 1)
    objs = [c.alloc(0) for _ in range(13)]  # slabs of node 0
    for x in objs[:12]:
        c.free(1, x)  # CPU 1 is on node 1: alien[0] of node 1 (limit 12)
    st_ = c.stats()
    assert (st_["node_frees"], st_["node_overflow"], st_["freehit"]) == (12, 0, 0)
    assert _node(c, 0)["shared_avail"] == 0 and c.cached_objects() == 3 + 12
    c.free(1, objs[12])  # alien full: drained to node 0's shared array first
    st_ = c.stats()
    assert (st_["node_frees"], st_["node_overflow"]) == (13, 1)
    assert _node(c, 0)["shared_avail"] == 12
    y = c.alloc(1)  # node 1 grows its own slab
    assert c.s[c.machine.record(y >> 12) + 6] >> L.PG_NODE_SHIFT == 1
    c.free(0, y)  # and a node-0 CPU frees it remotely
    assert c.stats()["node_frees"] == 14


# --------------------------------------------------------------------------------------
# Random sequences across CPUs and nodes, against a reference set

VARIANTS = ("fallback", "before", "after", "kfree_bulk")

op_strategy = st.one_of(
    st.tuples(st.just("alloc"), st.integers(0, 7)),
    st.tuples(st.just("free"), st.integers(0, 7), st.integers(0, 10**6)),
    st.tuples(
        st.just("alloc_bulk"), st.integers(0, 7), st.integers(1, 70), st.sampled_from(VARIANTS)
    ),
    st.tuples(
        st.just("free_bulk"),
        st.integers(0, 7),
        st.integers(1, 130),
        st.sampled_from(VARIANTS),
        st.integers(0, 10**6),
    ),
    st.tuples(st.just("reap"), st.integers(0, 7), st.booleans()),
    st.tuples(st.just("drain")),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(op_strategy, min_size=1, max_size=50),
    geometry=st.sampled_from([(256, 4, 1), (256, 4, 2), (1024, 2, 2), (32, 1, 1), (3000, 3, 1)]),
)
def test_random_sequences_keep_every_object_in_exactly_one_place(ops, geometry):
    object_size, nr_cpus, nr_nodes = geometry
    c = kmem_cache_create(
        object_size=object_size,
        nr_cpus=nr_cpus,
        nr_nodes=nr_nodes,
        profile="zero",
        check=True,
        max_slabs=6000 // L.slab_management(L.cache_size(object_size, 64), object_size)[2],
    )
    live: list[int] = []
    allocs = frees = 0
    for op in ops:
        kind = op[0]
        if kind == "alloc":
            obj = c.alloc(op[1] % nr_cpus)
            assert obj and obj not in live
            live.append(obj)
            allocs += 1
        elif kind == "free" and live:
            c.free(op[1] % nr_cpus, live.pop(op[2] % len(live)))
            frees += 1
        elif kind == "alloc_bulk":
            _, cpu, n, variant = op
            got = c.alloc_bulk(cpu % nr_cpus, n, variant).tolist()
            assert len(got) == n and len(set(got)) == n and not set(got) & set(live)
            live.extend(got)
            allocs += n
        elif kind == "free_bulk" and live:
            _, cpu, n, variant, seed = op
            rng = np.random.default_rng(seed)
            n = min(n, len(live))
            idx = sorted(rng.choice(len(live), size=n, replace=False).tolist(), reverse=True)
            objs = [live.pop(i) for i in idx]
            rng.shuffle(objs)
            c.free_bulk(cpu % nr_cpus, objs, variant)
            frees += n
        elif kind == "reap":
            c.reap(op[1] % nr_cpus, op[2])
        elif kind == "drain":
            c.drain()
        # check=True validated every invariant inside each call; the model's own
        # bookkeeping agrees with the reference
        assert c.live_objects() == len(live)
    st_, ev = c.stats(), c.events()
    assert st_["allochit"] + st_["allocmiss"] == allocs  # one ____cache_alloc per object
    assert st_["freehit"] + st_["freemiss"] + st_["node_frees"] == frees
    assert st_["grown"] == ev["page_alloc"]
    assert ev["page_alloc"] - ev["page_free"] == c.nr_slabs()
    assert st_["num_active"] == len(live) + c.cached_objects()
    c.free_bulk(0, live, "after")
    c.destroy()
    assert c.nr_slabs() == 0 and c.cached_objects() == 0


def test_out_of_pages_is_all_or_nothing():
    c = kmem_cache_create(object_size=256, nr_cpus=1, profile="zero", check=True, max_slabs=2)
    held = []
    while True:  # until the page allocator has nothing left
        x = c.alloc(0)
        if not x:
            break
        held.append(x)
    assert len(held) >= 2 * c.num and c.pages.stats()["alloc_fail"] >= 1
    assert len(c.alloc_bulk(0, 3)) == 0  # nothing: all-or-nothing
    c.free_bulk(0, held[:2])
    assert len(c.alloc_bulk(0, 3)) == 0 and c.live_objects() == len(held) - 2
    got = c.alloc_bulk(0, 2)  # exactly what the array cache holds
    assert sorted(got.tolist()) == sorted(held[:2])
    c.free_bulk(0, held[2:] + got.tolist())
    c.destroy()


# --------------------------------------------------------------------------------------
# Bulk = the same work as single calls (only the IRQ charges differ)


@pytest.mark.parametrize("variant", ["fallback", "after", "kfree_bulk"])
def test_bulk_hands_out_and_takes_back_what_singles_do(variant):
    a = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", max_slabs=64)
    b = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", max_slabs=64)
    rng = np.random.default_rng(7)
    for n in (5, 70, 200, 31):
        got = a.alloc_bulk(0, n, variant)
        singles = [b.alloc(0) for _ in range(n)]
        assert got.tolist() == singles
        order = rng.permutation(n)
        a.free_bulk(1, got[order], variant)
        for x in np.asarray(singles)[order]:
            b.free(1, int(x))
        assert a.stats() == b.stats()
        sa, sb = a.s.copy(), b.s.copy()
        base = int(a.s[L.K_STAT_BASE])
        sa[base : base + 2 * L.STAT_STRIDE] = sb[base : base + 2 * L.STAT_STRIDE] = 0
        assert np.array_equal(sa, sb)  # same array caches, slabs, lists, pages
    ea, eb = a.events(), b.events()
    for e in (ea, eb):
        del e["bulk_alloc_objects"], e["bulk_free_objects"]
    if variant == "fallback":
        assert ea == eb
    else:  # IRQs off once per bulk call instead of save/restore per object
        assert ea["irq_save_restore"] == 0 and ea["irq_disable_enable"] == 8
        assert eb["irq_save_restore"] == 2 * (5 + 70 + 200 + 31)


# --------------------------------------------------------------------------------------
# Check mode: one-line errors, the model stops


def test_double_free_is_caught_with_one_line():
    c = kmem_cache_create(nr_cpus=2, profile="zero", check=True, max_slabs=4)
    x = c.alloc(0)
    c.free(0, x)
    with pytest.raises(ModelError) as e:
        c.free(1, x)  # x sits in CPU 0's array cache: plain SLAB would push it twice
    msg = str(e.value)
    assert "double free" in msg and f"0x{x:x}" in msg and "\n" not in msg
    with pytest.raises(ModelError, match="double free"):
        c.alloc(0)  # the model has stopped: the first violation stays recorded


def test_double_free_inside_one_bulk_array_is_caught():
    c = kmem_cache_create(nr_cpus=1, profile="zero", check=True, max_slabs=4)
    got = c.alloc_bulk(0, 4)
    with pytest.raises(ModelError, match="double free"):
        c.free_bulk(0, [got[0], got[1], got[0]])


@pytest.mark.parametrize("kind", ["null", "unaligned", "middle", "outside"])
def test_foreign_pointer_is_caught(kind):
    c = kmem_cache_create(nr_cpus=1, profile="zero", check=True, max_slabs=4)
    x = c.alloc(0)
    bad = {"null": 0, "unaligned": x + 3, "middle": x + 128, "outside": 64}[kind]
    with pytest.raises(ModelError, match="invalid object pointer"):
        c.free(0, bad)


def test_corrupted_free_index_is_caught_by_validation():
    c = kmem_cache_create(object_size=32, nr_cpus=1, profile="zero", check=True, max_slabs=4)
    c.alloc(0)  # 16 of the slab's 124 objects into the array: the slab is partial
    n = int(c.s[L.K_NODE_BASE])
    rec = int(c.s[n + L.N_SLABS_PARTIAL]) - 2  # list entry = the page's lru word
    freelist = int(c.s[rec])  # on-slab freelist_idx_t array (byte address)
    raw = c.s.view(np.uint8)
    raw[freelist + c.num - 1] = raw[freelist + c.num - 2]  # two free slots, one object
    with pytest.raises(ModelError, match="two places") as e:
        c.validate()
    assert "\n" not in str(e.value)


# --------------------------------------------------------------------------------------
# Hot kernels: no NRT reference counting


def test_hot_kernels_have_no_nrt_calls():
    from numba import njit

    from skbbench.model import slab, slab_reap
    from tests.asmcheck import nrt_calls

    @njit(nogil=True, cache=False, _nrt=False)
    def kernel(s, p, n):
        for _ in range(n):
            x = slab.kmem_cache_alloc(s, 0)
            slab.kmem_cache_free(s, 0, x)
            slab.kmem_cache_alloc_bulk(s, 0, 16, p, 2)
            slab.kmem_cache_free_bulk(s, 0, 16, p, 3)

    c = kmem_cache_create(nr_cpus=2, nr_nodes=2, profile="zero", max_slabs=16)
    kernel(c.s, np.zeros(16, dtype=np.uint64), 3)
    c.reap(1)
    c.drain()
    for k in (
        kernel,
        slab.cache_alloc_refill,
        slab.cache_flusharray,
        slab.free_block,
        slab.cache_grow,
        slab.__cache_free_alien,
        slab_reap.cache_reap,
        slab_reap.drain_array,
    ):
        assert nrt_calls(k) == [], k.py_func.__name__


# --------------------------------------------------------------------------------------
# Real threads: simulated CPUs driven at the same time (list_lock, alien lock, page lock)


def _run_threads(c, jobs):
    import threading

    from numba import njit

    from skbbench.harness.window import native_start_barrier, new_sync
    from skbbench.model import slab

    sync = new_sync()

    @njit(nogil=True, cache=False, _nrt=False)
    def churn(s, cpu, p, rounds, n, sync, nthreads):
        native_start_barrier(sync, nthreads)
        for _ in range(rounds):
            if slab.kmem_cache_alloc_bulk(s, cpu, n, p, 2) == 0:
                return 1
            slab.kmem_cache_free_bulk(s, cpu, n, p, 2)
        return 0

    @njit(nogil=True, cache=False, _nrt=False)
    def free_all(s, cpu, p, n, sync, nthreads):
        native_start_barrier(sync, nthreads)
        for i in range(n):
            slab.kmem_cache_free(s, cpu, p[i])
            slab.kmem_cache_free(s, cpu, slab.kmem_cache_alloc(s, cpu))  # its own churn
        return 0

    one = new_sync()  # compile before the threads start
    churn(c.s, 0, np.zeros(1, dtype=np.uint64), 0, 1, one, 1)
    free_all(c.s, 0, np.zeros(1, dtype=np.uint64), 0, new_sync(), 1)
    results = []
    threads = []
    for kind, cpu, p, a, b in jobs:
        fn = churn if kind == "churn" else free_all
        n = len(jobs)
        args = (c.s, cpu, p, a, b, sync, n) if kind == "churn" else (c.s, cpu, p, a, sync, n)
        threads.append(threading.Thread(target=lambda f=fn, x=args: results.append(f(*x))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [0] * len(jobs)


@pytest.mark.parametrize("nr_nodes", [1, 2])
def test_concurrent_cpus_keep_every_object_in_one_place(nr_nodes):
    c = kmem_cache_create(
        object_size=256, nr_cpus=4, nr_nodes=nr_nodes, profile="zero", check=True, max_slabs=400
    )
    held = np.array([c.alloc(0) for _ in range(700)], dtype=np.uint64)
    c.reset_counters()
    # CPU 0 churns bulks while CPU 3 (the other node when there are two) frees CPU 0's
    # objects one by one: remote frees into alien caches / the shared array meanwhile
    _run_threads(
        c,
        [
            ("churn", 0, np.zeros(150, dtype=np.uint64), 400, 150),
            ("free", 3, held, 700, 0),
        ],
    )
    # the threads used the plain entry points: nothing is handed out any more, so clear
    # the check mode's handed-out marks and let validation find every object's one place
    dbg = int(c.s[L.K_DBG_BASE])
    c.s[dbg : dbg + 2 * int(c.s[L.K_DBG_SLOTS])] = 0
    c.validate()
    assert c.live_objects() == 0
    st_ = c.stats()
    assert st_["node_frees"] == (700 if nr_nodes == 2 else 0)
    c.destroy()
    assert c.nr_slabs() == 0
