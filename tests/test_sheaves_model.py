"""The sheaves model (SLUB v7.0 per-CPU sheaves and barns, and v6.18's opt-in form): the
alloc and free ladders step by step, the barn limits, refill and flush, remote frees,
the bulk API rules, the capacity rule, counters against an uncounted run, the checker,
and the hot kernels' machine code. Expected values are derived from the model's
parameters (capacity, objects per slab, MAX_FULL_SHEAVES, PCS_BATCH_MAX)."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbbench.errors import ModelError, ModelParameterError
from skbbench.model import sheaves_layout as L
from skbbench.model.mm_types import GFP_DIRECT_RECLAIM
from skbbench.model.sheaves_create import kmem_cache_create

CAP = L.MAX_FULL_SHEAVES


def fresh(form="7.0", **kw):
    args = {"nr_cpus": 2, "profile": "zero", "check": True, "max_slabs": 64}
    args.update(kw)
    return kmem_cache_create(form=form, **args)


# --------------------------------------------------------------------------------------
# The capacity rule and the layout


def test_calculate_sheaf_capacity_fills_a_kmalloc_bucket():
    # bases 60 / 26 / 12 / 4 by object size, raised to fill their kmalloc bucket exactly
    assert L.calculate_sheaf_capacity(256) == 28  # 32 + 8 * 26 = 240 -> kmalloc-256
    assert [L.calculate_sheaf_capacity(n) for n in (8, 64, 192, 255)] == [60] * 4
    assert [L.calculate_sheaf_capacity(n) for n in (512, 1023)] == [28, 28]
    assert [L.calculate_sheaf_capacity(n) for n in (1024, 2048, 4095)] == [12] * 3
    assert [L.calculate_sheaf_capacity(n) for n in (4096, 8192)] == [4, 4]
    for size in (8, 256, 1024, 4096):
        cap = L.calculate_sheaf_capacity(size)
        assert L.kmalloc_size_roundup(L.sheaf_bytes(cap)) == L.sheaf_bytes(cap)
    # an explicit request is a minimum, debug caches have none
    assert L.calculate_sheaf_capacity(256, requested=40) == 40
    assert L.calculate_sheaf_capacity(256, requested=10) == 28
    assert L.calculate_sheaf_capacity(256, requested=10, debug=True) == 0
    assert L.kmalloc_size_roundup(97) == 128
    assert L.kmalloc_size_roundup(8193) == 4 * 4096  # above kmalloc-8k: a page order


def test_created_caches_take_the_rule_or_the_v618_capacity_as_given():
    assert fresh().capacity == 28
    assert fresh(object_size=64).capacity == 60
    assert fresh(sheaf_capacity=33).capacity == 33
    assert fresh(form="6.18").capacity == 32  # the in-tree users' value
    assert fresh(form="6.18", sheaf_capacity=30).capacity == 30  # as given, not rounded
    assert fresh(sheaves=False).capacity == 0
    with pytest.raises(ModelParameterError, match="cpu_partial"):
        fresh(cpu_partial=13)
    with pytest.raises(ModelParameterError, match="nodes"):
        fresh(form="6.18", nr_nodes=2)
    with pytest.raises(ModelParameterError, match="form"):
        fresh(form="6.19")


@pytest.mark.parametrize("form", ["7.0", "6.18"])
def test_a_cache_in_a_machine_sized_by_sheaves_meta_words(form):
    from skbbench.model.page_alloc_create import new_machine, page_alloc_words
    from skbbench.model.sheaves_create import sheaves_meta_words

    cap = 32 if form == "6.18" else L.calculate_sheaf_capacity(256)
    meta = sheaves_meta_words(2, 1, 16, 64, 256, cap, True, form) + page_alloc_words(2)
    machine = new_machine(64, 2, profile="zero", meta_words=meta, arena_align_order=3)
    c = kmem_cache_create(256, profile="zero", check=True, machine=machine, form=form)
    assert c.s is machine.s and c.nr_cpus == 2 and c.objects == 16 and c.capacity == cap
    assert machine.meta_left() >= 0
    objs = c.alloc_bulk(0, 3 * cap).tolist()
    for i, x in enumerate(objs):
        c.free(i % 2, x)
    c.destroy()
    with pytest.raises(ModelParameterError, match="already has a slab allocator"):
        kmem_cache_create(256, profile="zero", machine=machine, form=form)


def test_stat_items_are_v70s():
    assert len(L.STAT_ITEMS) == 26 and len(set(L.STAT_ITEMS)) == 26
    assert L.STAT_ITEMS[0] == "ALLOC_FASTPATH" and L.STAT_ITEMS[-1] == "SHEAF_RETURN_SLOW"
    assert len(L.STAT_ITEMS) + len(L.MODEL_EVENTS) <= L.STAT_STRIDE
    assert "CPU_PARTIAL_FREE" not in L.STAT_ITEMS and "BARN_PUT_FAIL" in L.STAT_ITEMS


# --------------------------------------------------------------------------------------
# Allocation: refill, spare swap, barn


def test_first_alloc_refills_a_new_sheaf_from_new_slabs():
    c = fresh()
    cap, per_slab = c.capacity, c.objects
    x = c.alloc(0)
    st0 = c.stats(0)
    slabs = -(-cap // per_slab)
    assert st0["ALLOC_FASTPATH"] == 1 and st0["ALLOC_SLOWPATH"] == 0
    assert st0["BARN_GET_FAIL"] == 1 and st0["SHEAF_ALLOC"] == 1
    assert st0["SHEAF_REFILL"] == cap and st0["ALLOC_SLAB"] == slabs
    p = c.pcs(0)
    assert p["main_size"] == cap - 1
    assert p["spare_size"] == 0  # the old (empty) main became the spare
    assert x not in c.sheaf_objects(p["main"])
    left = slabs * per_slab - cap  # the last new slab's rest: at the partial list head
    assert [n - inuse for _, inuse, n in c.partial_slabs()] == ([left] if left else [])
    assert c.live_objects() == 1


def test_refill_takes_partial_slabs_first():
    c = fresh()
    cap = c.capacity
    # slabs with free objects on the partial list: bulk-allocate, free every other one
    objs = c.alloc_bulk(1, 4 * c.objects).tolist()
    c.free_bulk(1, objs[::2], "kfree_bulk")  # straight to the slabs
    partial_free = sum(n - inuse for _, inuse, n in c.partial_slabs())
    assert partial_free == 2 * c.objects >= cap
    pages_before = c.stats()["ALLOC_SLAB"]
    c.reset_counters()
    c.alloc(0)
    st0 = c.stats(0)
    assert st0["SHEAF_REFILL"] == cap and st0["ALLOC_SLAB"] == 0
    assert c.stats()["ALLOC_SLAB"] == 0 and pages_before > 0
    # the isolated slabs' whole freelists were taken: what exceeded the sheaf went back
    assert sum(n - inuse for _, inuse, n in c.partial_slabs()) == partial_free - cap
    c.validate()


def test_alloc_swaps_in_a_non_empty_spare_and_free_a_non_full_one():
    c = fresh()
    cap = c.capacity
    objs = [c.alloc(0) for _ in range(2 * cap)]
    st0 = c.stats(0)
    assert st0["SHEAF_REFILL"] == 2 * cap and st0["BARN_GET_FAIL"] == 2
    assert st0["SHEAF_ALLOC"] == 1  # the second refill reused the empty spare
    assert (c.pcs(0)["main_size"], c.pcs(0)["spare_size"]) == (0, 0)
    for x in objs:
        c.free(0, x)
    st0 = c.stats(0)
    assert st0["FREE_FASTPATH"] == 2 * cap and st0["BARN_PUT"] == 0
    assert (c.pcs(0)["main_size"], c.pcs(0)["spare_size"]) == (cap, cap)
    assert st0["SHEAF_ALLOC"] == 1 and c.sheaves_in_use() == c.nr_cpus + 1
    for _ in range(cap + 1):
        c.alloc(0)
    st0 = c.stats(0)
    assert st0["SHEAF_REFILL"] == 2 * cap and st0["BARN_GET"] == 0  # the swap served
    assert (c.pcs(0)["main_size"], c.pcs(0)["spare_size"]) == (cap - 1, 0)


# --------------------------------------------------------------------------------------
# Free: the barn, its limit, and the last rungs


def _free_one_by_one(c, cpu, objs):
    for x in objs:
        c.free(cpu, x)


def test_free_ladder_to_the_barn_limit_and_barn_exchange_both_ways():
    c = fresh()
    cap = c.capacity
    # objects for CPU 0 to free, from CPU 1 by bulk: that never touches the sheaves
    n = 2 * cap + CAP * cap + 1
    objs = c.alloc_bulk(1, n + cap).tolist()
    assert c.stats(1)["SHEAF_REFILL"] == 0 and c.pcs(1)["main_size"] == 0
    c.reset_counters()
    # main fills, a new empty sheaf takes over (the full one is the spare), main fills,
    # then every full main goes to the barn for a new empty sheaf (no empty one there)
    _free_one_by_one(c, 0, objs[: n - 1])
    st0 = c.stats(0)
    assert st0["BARN_PUT"] == CAP and st0["BARN_PUT_FAIL"] == 0
    assert st0["SHEAF_ALLOC"] == 1 + CAP and st0["SHEAF_FLUSH"] == 0
    b = c.barn()
    assert (b["nr_full"], b["nr_empty"]) == (CAP, 0) and b["full_sizes"] == [cap] * CAP
    # one more: main and spare full, the barn holds MAX_FULL_SHEAVES: -E2BIG, the
    # spare is flushed to the slabs and becomes the empty main
    c.free(0, objs[n - 1])
    st0 = c.stats(0)
    assert st0["BARN_PUT_FAIL"] == 1 and st0["SHEAF_FLUSH"] == cap
    assert st0["SHEAF_ALLOC"] == 1 + CAP and c.barn()["nr_full"] == CAP
    assert (c.pcs(0)["main_size"], c.pcs(0)["spare_size"]) == (1, cap)
    assert st0["FREE_FASTPATH"] == n and st0["FREE_SLOWPATH"] == 0
    # CPU 1 (same node) allocates: its empty main is exchanged for the barn's first full
    # sheaf (LIFO)
    head = c.barn()["full"][0]
    old_main = c.pcs(1)["main"]
    c.alloc(1)
    assert c.stats(1)["BARN_GET"] == 1 and c.stats(1)["SHEAF_REFILL"] == 0
    assert c.pcs(1)["main"] == head and c.pcs(1)["main_size"] == cap - 1
    b = c.barn()
    assert (b["nr_full"], b["nr_empty"]) == (CAP - 1, 1) and b["empty"] == [old_main]
    # CPU 0 fills main again: now barn_replace_full_sheaf finds that empty sheaf
    _free_one_by_one(c, 0, objs[n : n + cap])
    assert c.stats(0)["BARN_PUT"] == CAP + 1 and c.stats(0)["SHEAF_ALLOC"] == 1 + CAP
    assert c.pcs(0)["main"] == old_main and c.pcs(0)["main_size"] == 1
    assert (c.barn()["nr_full"], c.barn()["nr_empty"]) == (CAP, 0)
    c.validate()


def test_flush_all_flushes_main_in_batches_of_pcs_batch_max():
    c = fresh(object_size=64)  # one order-0 slab of 64 objects, capacity 60
    cap = c.capacity
    assert cap > L.PCS_BATCH_MAX and c.objects >= cap
    c.free(0, c.alloc(0))  # main refilled from one new slab, then full
    assert c.pcs(0)["main_size"] == cap
    c.reset_counters()
    c.flush_all()
    assert c.stats()["SHEAF_FLUSH"] == cap
    # two __kmem_cache_free_bulk calls, each one detached freelist of the one slab
    assert c.slab_free_histogram() == {L.PCS_BATCH_MAX: 1, cap - L.PCS_BATCH_MAX: 1}
    assert c.pcs(0)["main_size"] == 0 and c.pcs(0)["spare"] == 0
    assert c.live_objects() == 0


def test_free_flushes_main_when_no_sheaf_can_be_allocated():
    from skbbench.model import sheaves as sh

    c = fresh(object_size=64, check=False)
    cap = c.capacity
    objs = c.alloc_bulk(1, cap + 1).tolist()  # all from one new slab
    held = []  # kzalloc fails from now on: every sheaf block is taken
    while c.pool_free():
        held.append(int(sh.alloc_empty_sheaf(c.kc, c.s, np.uint64(0), np.uint64(0))))
    c.reset_counters()
    _free_one_by_one(c, 0, objs)
    st0 = c.stats(0)
    assert st0["FREE_FASTPATH"] == cap + 1 and st0["FREE_SLOWPATH"] == 0
    assert st0["SHEAF_FLUSH"] == cap and st0["SHEAF_ALLOC"] == 0
    assert st0["BARN_PUT_FAIL"] == 0  # no barn put was attempted: there was no spare
    assert c.slab_free_histogram() == {L.PCS_BATCH_MAX: 1, cap - L.PCS_BATCH_MAX: 1}
    assert c.pcs(0)["main_size"] == 1 and c.pcs(0)["spare"] == 0
    for b in held:
        sh.free_empty_sheaf(c.kc, c.s, np.uint64(0), np.uint64(b))
    c.free(0, c.alloc(0))
    c.destroy()


# --------------------------------------------------------------------------------------
# Remote frees, the bulk API, kfree_bulk, no sheaves


def test_remote_node_frees_go_straight_to_the_slab():
    c = fresh(nr_nodes=2)  # CPU 0 on node 0, CPU 1 on node 1
    assert [c.node_of_cpu(k) for k in (0, 1)] == [0, 1]
    objs = c.alloc_bulk(0, 40).tolist()
    assert {c.node_of(x) for x in objs} == {0}
    c.reset_counters()
    c.free(1, objs[0])
    c.free_bulk(1, objs[1:])  # more than PCS_BATCH_MAX remote objects
    st1 = c.stats(1)
    assert st1["FREE_SLOWPATH"] == 40 and st1["FREE_FASTPATH"] == 0
    assert c.pcs(1)["main_size"] == 0 and c.pcs(1)["spare"] == 0
    assert c.barn(0)["nr_full"] == c.barn(1)["nr_full"] == 0
    # local objects of CPU 1's node do go into its sheaves
    y = c.alloc(1)
    assert c.node_of(y) == 1
    c.free(1, y)
    assert c.stats(1)["FREE_FASTPATH"] == 1 and c.pcs(1)["main_size"] == c.capacity
    # a node other than this CPU's: ALLOC_NODE_MISMATCH, then ___slab_alloc on that node
    c.reset_counters()
    z = c.alloc_node(0, 1)
    assert c.node_of(z) == 1
    assert c.stats(0)["ALLOC_NODE_MISMATCH"] == 1 and c.stats(0)["ALLOC_SLOWPATH"] == 1
    c.free(0, z)  # remote for CPU 0
    assert c.stats(0)["FREE_SLOWPATH"] == 1
    c.validate()


def test_bulk_alloc_takes_from_the_sheaves_but_never_refills_them():
    c = fresh()
    cap = c.capacity
    c.alloc(0)  # main refilled, cap - 1 left; the spare is empty
    c.reset_counters()
    got = c.alloc_bulk(0, 2 * cap)
    assert len(got) == 2 * cap == len(set(got.tolist()))
    st0 = c.stats(0)
    assert st0["ALLOC_FASTPATH"] == cap - 1 and st0["BARN_GET_FAIL"] == 1
    assert st0["ALLOC_SLOWPATH"] == cap + 1 and st0["SHEAF_REFILL"] == 0
    assert c.pcs(0)["main_size"] == 0 and c.pcs(0)["spare_size"] == 0


def test_bulk_free_never_allocates_sheaves_and_kfree_bulk_bypasses_them():
    c = fresh()
    cap = c.capacity
    n = 3 * cap
    objs = c.alloc_bulk(1, n).tolist()
    c.reset_counters()
    c.free_bulk(0, objs, "kfree_bulk")
    st0 = c.stats(0)
    assert st0["FREE_SLOWPATH"] == n and st0["FREE_FASTPATH"] == 0
    assert c.pcs(0)["main_size"] == 0
    objs = c.alloc_bulk(1, n).tolist()
    c.reset_counters()
    in_use = c.sheaves_in_use()
    c.free_bulk(0, objs)
    st0 = c.stats(0)
    # main takes cap; main full, no spare, no empty sheaf in the barn: the rest to slabs
    assert st0["FREE_FASTPATH"] == cap and st0["FREE_SLOWPATH"] == n - cap
    assert st0["SHEAF_ALLOC"] == 0 and c.sheaves_in_use() == in_use
    assert c.pcs(0)["main_size"] == cap and c.pcs(0)["spare"] == 0
    c.validate()


def test_bulk_free_exchanges_in_the_barn_and_the_fallback_is_single_frees():
    c = fresh()
    cap = c.capacity
    objs = c.alloc_bulk(1, 5 * cap).tolist()
    c.reset_counters()
    # the fallback variant is kmem_cache_free per object: it may allocate a sheaf
    c.free_bulk(0, objs[: 2 * cap], "fallback")
    st0 = c.stats(0)
    assert st0["FREE_FASTPATH"] == 2 * cap and st0["SHEAF_ALLOC"] == 1
    assert (c.pcs(0)["main_size"], c.pcs(0)["spare_size"]) == (cap, cap)
    # main and spare full, no empty sheaf in the barn: a bulk free puts nothing in
    c.reset_counters()
    c.free_bulk(0, objs[2 * cap : 3 * cap])
    st0 = c.stats(0)
    assert st0["BARN_PUT_FAIL"] == 1 and st0["FREE_FASTPATH"] == 0
    assert st0["FREE_SLOWPATH"] == cap and st0["SHEAF_ALLOC"] == 0
    # a full sheaf to the barn (a single free allocates the empty one), then CPU 1
    # exchanges its empty main for it: the barn has an empty sheaf
    c.free(0, objs[3 * cap])
    assert c.barn()["nr_full"] == 1 and c.pcs(0)["main_size"] == 1
    c.alloc(1)
    assert (c.barn()["nr_full"], c.barn()["nr_empty"]) == (0, 1)
    # a bulk free fills main (cap - 1), barn_replace_full_sheaf gives it that empty
    # sheaf, which it fills too (cap)
    c.reset_counters()
    c.free_bulk(0, objs[3 * cap + 1 :])
    st0 = c.stats(0)
    assert st0["FREE_FASTPATH"] == 2 * cap - 1 and st0["FREE_SLOWPATH"] == 0
    assert st0["BARN_PUT"] == 1 and st0["BARN_PUT_FAIL"] == 0 and st0["SHEAF_ALLOC"] == 0
    assert (c.barn()["nr_full"], c.barn()["nr_empty"]) == (1, 0)
    assert (c.pcs(0)["main_size"], c.pcs(0)["spare_size"]) == (cap, cap)
    c.validate()


def test_without_sheaves_everything_goes_to_the_slabs():
    c = fresh(sheaves=False)
    assert c.capacity == 0 and c.blocks == 0
    x = c.alloc(0)
    c.free(0, x)
    objs = c.alloc_bulk(0, 20)
    c.free_bulk(0, objs)
    st0 = c.stats(0)
    assert st0["ALLOC_FASTPATH"] == 0 and st0["FREE_FASTPATH"] == 0
    assert st0["ALLOC_SLOWPATH"] == 21 and st0["FREE_SLOWPATH"] == 21
    assert c.pcs(0)["main_size"] == 0  # the bootstrap sheaf
    c.destroy()


# --------------------------------------------------------------------------------------
# The v6.18 form: sheaves in front of the cpu slabs


def test_v618_atomic_allocations_never_refill_sheaves():
    c = fresh(form="6.18")
    x = c.alloc(0)  # GFP_ATOMIC: no refill, the cpu slab serves
    st = c.stats()
    assert st["SHEAF_REFILL"] == 0 and st["BARN_GET_FAIL"] == 1
    assert st["ALLOC_PCS"] == 0 and st["ALLOC_SLOWPATH"] == 1  # the cpu slab's
    c.free(0, x)
    assert c.stats()["FREE_PCS"] == 1 and c.pcs(0)["main_size"] == 1
    assert c.alloc(0) == x and c.stats()["ALLOC_PCS"] == 1
    c.free(0, x)
    c.destroy()


def test_v618_refills_through_the_cpu_slab_and_flushes_with_do_slab_free():
    c = fresh(form="6.18", check=False)
    cap = c.capacity
    x = c.alloc(0, gfp=GFP_DIRECT_RECLAIM)  # GFP_KERNEL may block: refill
    st = c.stats()
    assert st["SHEAF_REFILL"] == cap and st["ALLOC_PCS"] == 1
    # every refilled object came off the cpu freelist (or from ___slab_alloc)
    assert st["ALLOC_FASTPATH"] + st["ALLOC_SLOWPATH"] == cap
    assert st["ALLOC_SLAB"] == -(-cap // c.objects)
    assert c.pcs(0)["main_size"] == cap - 1
    c.free(0, x)
    c.reset_counters()
    c.flush_all()
    st = c.stats()
    assert st["SHEAF_FLUSH"] == cap
    assert st["FREE_FASTPATH"] >= 1  # the cpu slab's objects: this_cpu_cmpxchg splice
    assert st["FREE_SLOWPATH"] >= 1  # the earlier slab's: __slab_free
    assert c.live_objects() == 0
    c.destroy()


# --------------------------------------------------------------------------------------
# Random sequences under the checker (every invariant after every operation)

VARIANTS = ("fallback", "after", "kfree_bulk")
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


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(op_strategy, min_size=1, max_size=50),
    setup=st.sampled_from([("7.0", 256, 1), ("7.0", 1024, 2), ("7.0", 64, 2), ("6.18", 256, 1)]),
)
def test_random_sequences_keep_every_object_and_sheaf_exactly_once(ops, setup):
    form, size, nodes = setup
    c = fresh(form, object_size=size, nr_cpus=4, nr_nodes=nodes, max_slabs=300)
    live: list[int] = []
    for op in ops:
        kind, cpu = op[0], (op[1] if len(op) > 1 else 0)
        if kind == "alloc":
            x = c.alloc(cpu)
            assert x and x not in live
            live.append(x)
        elif kind == "free" and live:
            c.free(cpu, live.pop(op[2] % len(live)))
        elif kind == "alloc_bulk":
            got = c.alloc_bulk(cpu, op[2], op[3]).tolist()
            assert len(got) == op[2] and not set(got) & set(live)
            live += got
        elif kind == "free_bulk" and live:
            rng = np.random.default_rng(op[4])
            k = min(op[2], len(live))
            idx = sorted(rng.choice(len(live), size=k, replace=False).tolist(), reverse=True)
            objs = [live.pop(i) for i in idx]
            rng.shuffle(objs)
            c.free_bulk(cpu, objs, op[3])
        elif kind == "flush":
            c.flush_all()
        assert c.live_objects() == len(live)
    st_ = c.stats()
    assert st_["CMPXCHG_DOUBLE_FAIL"] == 0  # one thread
    if form == "7.0":
        ev = c.events()
        assert st_["ALLOC_SLAB"] == ev["page_alloc"]
        assert st_["FREE_SLAB"] == ev["page_free"]
        assert ev["page_alloc"] - ev["page_free"] == c.nr_slabs()
        assert sum(c.slab_free_histogram().values()) == ev["slab_free_calls"]
    c.free_bulk(0, live)
    c.destroy()  # every slab empty, every sheaf back in the pool
    assert c.nr_slabs() == 0


# --------------------------------------------------------------------------------------
# The checker


def test_double_free_is_caught_with_one_line():
    c = fresh(name="t")
    x = c.alloc(0)
    c.free(0, x)
    with pytest.raises(ModelError) as exc:
        c.free(1, x)  # the object sits in CPU 0's main sheaf
    msg = str(exc.value)
    assert "double free" in msg and f"0x{x:x}" in msg and "\n" not in msg
    assert c.error() is not None


def test_double_free_inside_one_bulk_array_is_caught():
    c = fresh()
    objs = c.alloc_bulk(0, 4)
    with pytest.raises(ModelError, match="double free"):
        c.free_bulk(0, [objs[0], objs[1], objs[0]])


@pytest.mark.parametrize("form", ["7.0", "6.18"])
def test_an_object_in_two_sheaves_is_caught(form):
    c = fresh(form)
    xs = [c.alloc(0) for _ in range(3)]
    for x in xs:
        c.free(0, x)
    main = c.pcs(0)["main"]
    c.s[main + L.SHEAF_OBJECTS + 1] = c.s[main + L.SHEAF_OBJECTS]  # same object twice
    with pytest.raises(ModelError, match="object in two sheaves") as exc:
        c.validate()
    assert "\n" not in str(exc.value)


def test_a_barn_count_off_by_one_is_caught():
    c = fresh()
    objs = c.alloc_bulk(1, 2 * c.capacity + 1).tolist()
    _free_one_by_one(c, 0, objs)  # one full sheaf in the barn
    assert c.barn()["nr_full"] == 1
    barn = int(c.s[int(c.s[L.H_NODE_BASE]) + L.N_BARN])
    c.s[barn + L.BARN_NR_FULL] += 1
    with pytest.raises(ModelError, match="barn count does not match its list"):
        c.validate()


def test_a_lost_object_is_caught():
    c = fresh()
    c.free(0, c.alloc(0))
    main = c.pcs(0)["main"]
    c.s[main + L.SHEAF_SIZE] -= 1  # the top object is no longer anywhere
    with pytest.raises(ModelError, match="object lost"):
        c.validate()


# --------------------------------------------------------------------------------------
# Counters: a timed (uncounted) run and a counted replay end in the same state


def _aligned_copy(a):
    from skbbench.harness.memory import aligned_words

    out = aligned_words(len(a))
    out[:] = a
    return out


def _workload_kernel():
    from numba import njit

    from skbbench.model import sheaves as sh

    @njit(nogil=True, cache=False, _nrt=False)
    def workload(kc, s, p, n):
        for i in range(n):
            x = sh.kmem_cache_alloc_kc(kc, s, 0, 0)
            sh.kmem_cache_free_kc(kc, s, i % 2, x)
            sh.kmem_cache_alloc_bulk_kc(kc, s, 1, 60, p, 2)
            sh.kmem_cache_free_bulk_kc(kc, s, i % 2, 60, p, 2 + i % 2)
            y = sh.kmem_cache_alloc_kc(kc, s, 1, 0)
            sh.kmem_cache_free_kc(kc, s, 0, y)

    return workload


def test_counted_replay_ends_in_the_timed_runs_state():
    from skbbench.harness.flavor import Flavor
    from skbbench.model.kconfig_layout import SLUB_STATS, default_flags
    from skbbench.model.machine import MH_STATS

    workload = _workload_kernel()
    c = fresh(nr_nodes=2, check=False)
    mask = c.machine.counter_mask()
    timed, counted = _aligned_copy(c.s), _aligned_copy(c.s)
    timed[MH_STATS] = 0  # the run-time gated counters (page allocator) off, as timed runs
    p = np.zeros(60, np.uint64)
    workload(Flavor(default_flags()), timed, p, 40)
    p[:] = 0
    workload(Flavor(default_flags() | SLUB_STATS), counted, p, 40)
    diff = np.flatnonzero((timed != counted) & ~mask)
    assert diff.size == 0, f"words {diff[:5]} differ"
    base = int(c.s[L.SH_STAT_BASE])
    block = slice(base, base + c.nr_cpus * L.STAT_STRIDE)
    assert not timed[block].any()  # the timed flavor counts nothing
    rows = counted[block].reshape(c.nr_cpus, L.STAT_STRIDE).sum(axis=0)
    stats = dict(zip(L.STAT_ITEMS, rows.tolist(), strict=False))
    assert stats["ALLOC_FASTPATH"] + stats["ALLOC_SLOWPATH"] >= 80
    assert stats["FREE_SLOWPATH"] > 0 and stats["SHEAF_REFILL"] > 0  # remote frees, refills


def test_entry_points_for_other_models_have_the_slub_models_shapes():
    from numba import njit

    from skbbench.model import sheaves as sh

    @njit(nogil=True, cache=False, _nrt=False)
    def use70(s, p):
        x = sh.kmem_cache_alloc(s, 0)
        sh.kmem_cache_free(s, 1, x)
        n = sh.kmem_cache_alloc_bulk(s, 0, 40, p, 2)
        sh.kmem_cache_free_bulk(s, 1, n, p, 3)
        return x

    @njit(nogil=True, cache=False, _nrt=False)
    def use618(s, p):
        x = sh.kmem_cache_alloc_618(s, 0)
        sh.kmem_cache_free_618(s, 1, x)
        n = sh.kmem_cache_alloc_bulk_618(s, 0, 40, p, 2)
        sh.kmem_cache_free_bulk_618(s, 1, n, p, 0)
        return x

    for form, fn in (("7.0", use70), ("6.18", use618)):
        c = fresh(form, check=False)
        assert fn(c.s, np.zeros(40, np.uint64)) != 0
        assert c.live_objects() == 0
        st_ = c.stats()
        assert st_["SHEAF_ALLOC" if form == "7.0" else "ALLOC_SLAB"] >= 1
        c.destroy()


# --------------------------------------------------------------------------------------
# Real threads: simulated CPUs driven at the same time (barn lock, list_lock, slab cmpxchg)


def _churn_kernels(form):
    from numba import njit

    from skbbench.harness.window import native_start_barrier
    from skbbench.model import sheaves as sh

    alloc = sh.kmem_cache_alloc_618 if form == "6.18" else sh.kmem_cache_alloc
    free = sh.kmem_cache_free_618 if form == "6.18" else sh.kmem_cache_free
    alloc_bulk = sh.kmem_cache_alloc_bulk_618 if form == "6.18" else sh.kmem_cache_alloc_bulk
    free_bulk = sh.kmem_cache_free_bulk_618 if form == "6.18" else sh.kmem_cache_free_bulk

    @njit(nogil=True, cache=False, _nrt=False)
    def churn(s, cpu, p, rounds, n, sync, nthreads):
        native_start_barrier(sync, nthreads)
        for r in range(rounds):
            if alloc_bulk(s, cpu, n, p, 2) == 0:
                return 1
            if r % 2:
                free_bulk(s, cpu, n, p, 2)
            else:
                for i in range(n):  # single frees: sheaves fill, go to the barn
                    free(s, cpu, p[i])
        return 0

    @njit(nogil=True, cache=False, _nrt=False)
    def free_all(s, cpu, p, n, sync, nthreads):
        native_start_barrier(sync, nthreads)
        for i in range(n):
            free(s, cpu, p[i])
            free(s, cpu, alloc(s, cpu))  # its own churn
        return 0

    return churn, free_all


@pytest.mark.parametrize("form, nodes", [("7.0", 1), ("7.0", 2), ("6.18", 1)])
def test_concurrent_cpus_keep_every_object_and_sheaf_in_one_place(form, nodes):
    import threading

    from skbbench.harness.window import new_sync

    c = fresh(form, nr_cpus=4, nr_nodes=nodes, max_slabs=400)
    held = np.array([c.alloc(0) for _ in range(600)], dtype=np.uint64)
    churn, free_all = _churn_kernels(form)
    z = np.zeros(1, np.uint64)
    churn(c.s, 0, z, 0, 1, new_sync(), 1)  # compile before the threads start
    free_all(c.s, 0, z, 0, new_sync(), 1)
    sync = new_sync()
    results: list[int] = []
    jobs = [
        (churn, (c.s, 0, np.zeros(100, np.uint64), 300, 100, sync, 2)),
        (free_all, (c.s, 3, held, len(held), sync, 2)),  # CPU 0's objects, another node
    ]
    threads = [threading.Thread(target=lambda f=f, a=a: results.append(f(*a))) for f, a in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [0, 0]
    # the threads used the plain entry points: nothing is handed out any more; clear the
    # check mode's handed-out marks and let validation find every object's one place
    red = int(c.s[L.H_RED_BASE])
    c.s[red : red + 2 * (c.machine.arena_pfns * 4096 // c.size + 1)] = 0
    c.validate()
    assert c.live_objects() == 0
    if form == "7.0":
        assert c.stats()["BARN_PUT"] > 0 and c.stats()["BARN_GET"] > 0
    c.destroy()


# --------------------------------------------------------------------------------------
# Hot kernels: native code, the kernel's call boundaries, no atomics on the fast path


def _functions(asm):
    out, name = {}, None
    for line in asm.splitlines():
        if line and not line[0].isspace() and line.endswith(":") and not line.startswith("."):
            name = line[:-1]
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def _callees(body, names):
    # the names (Itanium-mangled: <length><name>) a body calls (movabsq $f, %reg; call)
    called = set(re.findall(r"movabsq\s+\$([\w.]+), %r", body))
    return {n for n in names if any(f"{len(n)}{n}" in c for c in called)}


def test_hot_kernels_have_no_nrt_and_the_fast_path_no_atomic():
    from numba import njit

    from skbbench.harness.flavor import Flavor
    from skbbench.harness.intrinsics import barrier
    from skbbench.model import sheaves as sh
    from skbbench.model.kconfig_layout import default_flags
    from tests.asmcheck import NRT_SYMBOLS, fresh_asm, nrt_calls

    @njit(nogil=True, cache=False, _nrt=False)
    def fast(kc, s, n):
        cnt = 0
        for _ in range(n):
            x = sh.kmem_cache_alloc_kc(kc, s, 0, 0)
            barrier()
            sh.kmem_cache_free_kc(kc, s, 0, x)
            cnt += 1
        return cnt

    @njit(nogil=True, cache=False, _nrt=False)
    def bulk(kc, s, p, n):
        for _ in range(n):
            sh.kmem_cache_alloc_bulk_kc(kc, s, 0, 64, p, 2)
            sh.kmem_cache_free_bulk_kc(kc, s, 0, 64, p, 2)

    @njit(nogil=True, cache=False, _nrt=False)
    def v618(kc, s, p, n):
        for _ in range(n):
            sh.kmem_cache_free_618_kc(kc, s, 0, sh.kmem_cache_alloc_618_kc(kc, s, 0, 0))
            sh.kmem_cache_alloc_bulk_618_kc(kc, s, 0, 64, p, 2)
            sh.kmem_cache_free_bulk_618_kc(kc, s, 0, 64, p, 2)

    kc = Flavor(default_flags())
    c = fresh(check=False)
    assert fast(kc, c.s, 100) == 100
    bulk(kc, c.s, np.zeros(64, np.uint64), 5)
    v618(kc, fresh("6.18", check=False).s, np.zeros(64, np.uint64), 5)
    # every function linked into the kernels' machine code (the out-of-line wrappers of
    # the exported functions and slow paths included), not the CPython wrappers
    for k in (fast, bulk, v618):
        assert nrt_calls(k) == [], k.py_func.__name__
        for name, body in _functions(fresh_asm(k)[0]).items():
            if name.startswith(("_ZN7cpython", "cfunc.")):
                continue
            assert not [n for n in NRT_SYMBOLS if n in body], (k.py_func.__name__, name)
    funcs = _functions(fresh_asm(fast)[0])
    slow = {
        "__pcs_replace_empty_main",
        "__pcs_replace_full_main",
        "___slab_alloc",
        "__slab_free",
    }
    exported = {"kmem_cache_alloc_export", "kmem_cache_free_export"}
    bench = [
        b for n, b in funcs.items() if n.startswith("_ZN") and "4fastB" in n and "cpython" not in n
    ]
    assert len(bench) == 1 and _callees(bench[0], exported | slow) == exported
    seen = set()
    for name, body in funcs.items():
        short = next(
            (e for e in exported if name.startswith("skbbench.ool.") and f"{len(e)}{e}" in name),
            None,
        )
        if short is None:
            continue
        seen.add(short)
        assert _callees(body, slow | exported) <= slow, short
        assert not re.search(r"^\s+lock\b", body, re.M), f"{short}: an atomic on the fast path"
        assert not re.search(r"sarq\s+\$63", body), short
    assert seen == exported
