"""The skb recycle model (skbuff, page_frag, NAPI loop): each variant's mechanism in its
counters, conservation after random workloads, the SLUB_DEBUG-like mode, bad input."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbbench.bench.napi_kernels import (
    RUN,
    napi_run_slab,
    napi_run_slub,
    napi_run_slub_checked,
)
from skbbench.errors import ModelError, ModelParameterError
from skbbench.harness.window import new_window
from skbbench.model.napi_create import napi_create
from skbbench.model.napi_layout import NAPI_SKB_CACHE_MAX, PC_SKB_COUNT
from skbbench.model.page_alloc_view import PageAllocator
from skbbench.model.skbuff import this_cpu_napi
from skbbench.specs.napi import VARIANTS, WORKLOADS
from tests.clirunner import invoke

ROUND = 320  # frames per net_rx_action: 5 polls of 64 (netdev_budget 300)


def run(model, packets, kernel=napi_run_slub):
    n = int(kernel(model.s, model.nh, packets, new_window()))
    model.raise_if_error()
    return n


def timed(model, settle, packets):
    """Counters of ``packets`` frames after ``settle`` untimed ones."""
    run(model, settle)
    before = model.counters()
    assert run(model, packets) == packets
    after = model.counters()
    napi = {k: v - before["napi"][k] for k, v in after["napi"].items()}
    slub = {k: v - before["slub_stats"][k] for k, v in after["slub_stats"].items()}
    pa = {k: v - before["page_alloc"][k] for k, v in after["page_alloc"].items()}
    return napi, slub, pa


# --------------------------------------------------------------------------------------
# Mechanisms


def test_v46_forward_bulk_frees_64_heads_per_call_in_steady_state():
    m = napi_create("v4.6", "forward", profile="zero")
    napi, slub, _ = timed(m, 10 * ROUND, 20 * ROUND)
    assert napi["rx_packets"] == 20 * ROUND
    assert napi["free_bulk_calls"] > 0
    assert napi["free_bulk_objects"] == 64 * napi["free_bulk_calls"]
    assert napi["napi_consume_skb"] == napi["consumed"] == 20 * ROUND
    # heads still come one by one from kmem_cache_alloc
    assert slub["ALLOC_FASTPATH"] + slub["ALLOC_SLOWPATH"] == 20 * ROUND
    assert napi["alloc_bulk_calls"] == 0
    m.teardown()


def test_v512_forward_allocates_no_slab_in_steady_state():
    m = napi_create("v5.12", "forward", profile="zero")
    napi, slub, pa = timed(m, 10 * ROUND, 20 * ROUND)
    assert slub["ALLOC_SLAB"] == 0 and slub["FREE_SLAB"] == 0
    assert napi["cache_get"] == 20 * ROUND  # every head from the NAPI cache
    assert slub["ALLOC_FASTPATH"] + slub["ALLOC_SLOWPATH"] == 0  # no single allocations
    # refills of 16, frees of the upper 32
    assert napi["alloc_bulk_objects"] == 16 * napi["alloc_bulk_calls"]
    assert napi["free_bulk_objects"] == 32 * napi["free_bulk_calls"]
    m.teardown()


def test_v44_drop_reuses_the_same_heads_on_the_fastpaths():
    m = napi_create("v4.4", "drop", profile="zero")
    napi, slub, _ = timed(m, 4 * ROUND, 4 * ROUND)
    assert slub["ALLOC_FASTPATH"] == slub["FREE_FASTPATH"] == 4 * ROUND
    assert slub["ALLOC_SLOWPATH"] == slub["FREE_SLOWPATH"] == 0
    assert napi["kfree_skb"] == 4 * ROUND and napi["napi_consume_skb"] == 0
    m.teardown()


def test_v44_remote_frees_each_head_through_slab_free_slowpath():
    m = napi_create("v4.4", "remote", profile="zero")
    napi, slub, _ = timed(m, 8 * ROUND, 8 * ROUND)
    assert napi["backlog_enqueue"] == 8 * ROUND
    assert slub["FREE_SLOWPATH"] == 8 * ROUND  # CPU B never owns A's cpu slab
    hist = m.cache.slab_free_histogram()
    assert set(hist) == {1}  # one object per __slab_free call
    m.teardown()


def test_v46_remote_bulk_free_groups_heads_per_slab():
    m = napi_create("v4.6", "remote", profile="zero")
    napi, slub, _ = timed(m, 8 * ROUND, 8 * ROUND)
    assert napi["free_bulk_calls"] > 0
    assert slub["FREE_SLOWPATH"] < 8 * ROUND / 8  # detached freelists: many heads per call
    m.teardown()


def test_v619_remote_defers_frees_to_the_allocating_cpu():
    m = napi_create("v6.19", "remote", profile="zero")
    napi, _, _ = timed(m, 8 * ROUND, 8 * ROUND)
    assert napi["defer_queued"] > 0
    assert napi["defer_flushed"] == napi["defer_queued"] or napi["defer_flushed"] > 0
    assert napi["defer_queued"] + napi["defer_nodefer"] == 8 * ROUND
    cpu1 = m.napi_stats(1)
    assert cpu1["defer_flushed"] == 0  # nothing is deferred to the consumer
    m.teardown()


def test_irq_free_goes_through_the_completion_queue_and_net_tx_action():
    for variant in ("v4.4", "v4.6", "v5.12"):
        m = napi_create(variant, "irq-free", profile="zero")
        napi, _, _ = timed(m, 8 * ROUND, 8 * ROUND)
        assert napi["completion_queue_skbs"] == napi["consumed"] > 0
        assert napi["net_tx_action"] > 0
        if variant == "v4.4":
            assert napi["free_bulk_calls"] == 0
        else:
            assert napi["free_bulk_calls"] > 0
        m.teardown()


def test_rfc_bulk_allocates_8_heads_at_a_time():
    m = napi_create("rfc-bulk-alloc", "drop", profile="zero")
    napi, slub, _ = timed(m, 2 * ROUND, 4 * ROUND)
    assert napi["alloc_bulk_objects"] == 8 * napi["alloc_bulk_calls"] == 4 * ROUND
    assert slub["ALLOC_FASTPATH"] + slub["ALLOC_SLOWPATH"] == 0
    m.teardown()


def test_v512_reusable_check_runs_on_every_cache_put():
    m = napi_create("v5.12", "forward", profile="zero", reusable_check=True)
    napi, _, _ = timed(m, 4 * ROUND, 4 * ROUND)
    assert napi["reusable_check"] == napi["cache_put"] + napi["not_reusable"] > 0
    assert napi["not_reusable"] == 0  # one node, no pfmemalloc
    m.teardown()
    plain = napi_create("v5.12", "forward", profile="zero")
    napi, _, _ = timed(plain, 4 * ROUND, 4 * ROUND)
    assert napi["reusable_check"] == 0
    plain.teardown()


def test_page_frag_carves_order_3_pages_and_reuses_them_in_place():
    from skbbench.model.napi_layout import NAPI_STATS, PC_BIAS, PC_STATS, PCPU_STRIDE
    from skbbench.model.page_alloc_create import new_machine
    from skbbench.model.page_frag import __alloc_page_frag, skb_free_frag

    m = new_machine(64, 2, profile="zero")
    pc = m.reserve(PCPU_STRIDE)
    pa = PageAllocator(m)

    def stats():
        return dict(zip(NAPI_STATS, m.s[pc + PC_STATS :][: len(NAPI_STATS)], strict=True))

    per_page = 32768 // 640
    frags = [int(__alloc_page_frag(m.s, 0, pc, 640)) for _ in range(per_page)]
    assert len({f >> 15 for f in frags}) == 1  # one 32 KiB page
    assert frags == sorted(frags, reverse=True)  # carved from the end downwards
    assert pa.page_count(frags[0] >> 12) == 32768  # size - 1 added once to the 1 it had
    assert m.s[pc + PC_BIAS] == 32768 - per_page  # no atomic per fragment: the bias counts
    assert pa.stats()["pgalloc"] == 8 and stats()["frag_refill"] == 1
    for f in frags:  # every fragment back: the next allocation reuses the page in place
        skb_free_frag(m.s, 0, pc, f)
    again = int(__alloc_page_frag(m.s, 0, pc, 640))
    assert again == frags[0] and stats()["frag_reuse"] == 1 and pa.stats()["pgalloc"] == 8
    more = [int(__alloc_page_frag(m.s, 0, pc, 640)) for _ in range(per_page)]
    # one fragment still out when the page is used up: a new page is needed
    assert stats()["frag_refill"] == 2 and pa.stats()["pgalloc"] == 16
    for f in [again, *more]:
        skb_free_frag(m.s, 0, pc, f)
    pa.raise_if_error()


def test_v619_cache_is_128_deep():
    m = napi_create("v6.19", "forward", profile="zero", tx_inflight=0)
    run(m, 4 * ROUND)
    for cpu in range(m.nr_cpus):
        assert m.s[this_cpu_napi(m.s, m.nh, np.uint64(cpu)) + PC_SKB_COUNT] < NAPI_SKB_CACHE_MAX
    m.teardown()


# --------------------------------------------------------------------------------------
# Conservation and the SLUB_DEBUG-like mode


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    variant=st.sampled_from(VARIANTS),
    workload=st.sampled_from(WORKLOADS),
    rx_ring=st.sampled_from([8, 16, 64, 512]),
    tx_ring=st.sampled_from([16, 64, 512]),
    budget=st.integers(1, 64),
    netdev_budget=st.integers(1, 400),
    inflight_frac=st.floats(0, 0.9),
    packets=st.integers(1, 3000),
)
def test_every_head_and_page_comes_back(
    variant, workload, rx_ring, tx_ring, budget, netdev_budget, inflight_frac, packets
):
    budget = min(budget, rx_ring)
    m = napi_create(
        variant,
        workload,
        budget=budget,
        netdev_budget=netdev_budget,
        rx_ring=rx_ring,
        tx_ring=tx_ring,
        tx_inflight=int(inflight_frac * (tx_ring - 1)),
        profile="zero",
        nr_cpus=4,
    )
    got = run(m, packets)
    assert got == packets
    napi = m.napi_stats()
    lost = napi["tx_busy"] + napi["backlog_drop"]
    assert napi["rx_packets"] == packets
    assert napi["consumed"] + lost <= packets
    m.teardown()  # raises if a head or a page did not come back
    assert PageAllocator(m.machine).stats()["pgalloc"] >= 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_slub_debug_mode_runs_every_workload_clean(variant):
    for workload in WORKLOADS:
        m = napi_create(variant, workload, profile="zero", check=True, rx_ring=64, nr_cpus=2)
        assert run(m, 700, napi_run_slub_checked) == 700
        m.teardown()  # validate_slab_cache + page allocator conservation


@pytest.mark.parametrize("variant", ["v4.4", "v4.6", "v6.19"])
def test_slab_debug_mode_runs_every_workload_clean_and_counts_like_unchecked(variant):
    for workload in WORKLOADS:
        counts = []
        for check in (False, True):
            m = napi_create(
                variant, workload, profile="zero", allocator="slab", check=check, nr_cpus=2
            )
            assert run(m, 1500, RUN[m.allocator]) == 1500
            counts.append((m.napi_stats(), m.counters()["slab_stats"]))
            m.teardown()  # SLAB invariants (check mode) + page allocator conservation
        assert counts[0] == counts[1]


def test_slab_remote_frees_go_through_the_array_cache_and_v46_bulk_frees():
    m = napi_create("v4.6", "remote", profile="zero", allocator="slab")
    run(m, 4000, napi_run_slab)
    before = m.counters()
    run(m, 6400, napi_run_slab)
    after = m.counters()
    slab = {k: v - before["slab_stats"][k] for k, v in after["slab_stats"].items()}
    napi = {k: v - before["napi"][k] for k, v in after["napi"].items()}
    # every head is allocated and freed once through ____cache_alloc / ___cache_free
    assert slab["allochit"] + slab["allocmiss"] == 6400
    assert slab["freehit"] + slab["freemiss"] == 6400
    assert napi["free_bulk_objects"] > 0  # v4.6 napi_consume_skb bulk frees to SLAB too
    m.teardown()


def test_a_leaked_head_is_reported_by_the_teardown():
    m = napi_create("v5.12", "forward", profile="zero")
    run(m, 1000)
    m.cache.alloc(0)  # a head nobody frees
    with pytest.raises(ModelError, match="objects remaining"):
        m.teardown()


def test_a_double_free_is_caught_in_debug_mode():
    m = napi_create("v4.6", "drop", profile="zero", check=True, rx_ring=16, budget=16, nr_cpus=2)
    run(m, 100, napi_run_slub_checked)
    obj = m.cache.alloc(0)
    m.cache.free(0, obj)
    with pytest.raises(ModelError, match="double free"):
        m.cache.free(0, obj)


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"rx_ring": 100}, "rx_ring"),
        ({"budget": 0}, "budget"),
        ({"budget": 1024}, "budget"),
        ({"tx_inflight": 512}, "tx_inflight"),
        ({"consumer_cpu": 0}, "consumer_cpu"),
    ],
)
def test_model_parameters_are_checked(kwargs, needle):
    with pytest.raises(ModelParameterError, match=needle):
        napi_create("v4.6", "forward", profile="zero", **kwargs)


# --------------------------------------------------------------------------------------
# CLI


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--budget", "0"], "budget"),
        (["--budget", "1024"], "budget"),
        (["--rx-ring", "500"], "rx_ring"),
        (["--tx-ring", "65536"], "--tx-ring"),
        (["--rx-ring", "4"], "rx_ring"),
        (["--variants", "v9.9"], "--variants"),
        (["--workloads", "sleep"], "--workloads"),
        (["--compare", "v4.6,v4.6"], "compare"),
        (["--threads", "1"], "threads"),
        (["--threads", "3"], "--threads"),
        (["--threads", "2", "--workloads", "drop"], "threads"),
        (["--packets", "10"], "--packets"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, needle):
    p = invoke("napi", *args)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert needle in lines[0]


def test_more_threads_than_allowed_cpus_is_a_usage_error(monkeypatch):
    from skbbench.bench import napi_bench

    monkeypatch.setattr(napi_bench, "allowed_cpus", lambda: [0])
    p = invoke("napi", "--threads", "2", "--workloads", "remote", "--variants", "v4.4")
    assert p.returncode == 2
    assert "--threads" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_cli_prints_type_lines_tables_and_writes_a_document(tmp_path):
    out = tmp_path / "napi.json"
    p = invoke(
        "napi",
        "--variants",
        "v4.4,v4.6",
        "--workloads",
        "forward,drop",
        "--packets",
        "2000",
        "--settle",
        "640",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--profile",
        "zero",
        "-o",
        str(out),
    )
    assert p.returncode == 0, p.stderr
    types = [ln for ln in p.stdout.splitlines() if ln.startswith("Type:")]
    assert [t.split(" Per elem")[0] for t in types] == [
        "Type:napi-forward v4.4",
        "Type:napi-forward v4.6",
        "Type:napi-drop v4.4",
        "Type:napi-drop v4.6",
    ]
    assert all("cycles(tsc)" in t and "invoke count:2000" in t for t in types)
    assert "workload- v4.4 - v4.6 bulk free" in p.stdout
    assert any(ln.startswith("forward - ") and "improved" in ln for ln in p.stdout.splitlines())
    assert "budget 67.200 ns" in p.stdout and "Mpps per core" in p.stdout
    doc = json.loads(out.read_text())
    fwd = [c for c in doc["cases"] if c["name"] == "napi-forward v4.6"][0]
    napi = fwd["counters"]["napi"]
    assert napi["rx_packets"] == 2000
    assert napi["free_bulk_objects"] == 64 * napi["free_bulk_calls"]
    same = invoke("compare", str(out), str(out))
    assert same.returncode == 0, same.stderr


def test_cli_runs_the_slab_allocator_checked_and_records_it(tmp_path):
    out = tmp_path / "napi-slab.json"
    args = ("--variants", "v4.4,v4.6", "--workloads", "remote", "--packets", "2000")
    p = invoke(
        "napi", *args, "--allocator", "slab", "--check", "--repeat", "1", "--warmup", "0",
        "--settle", "640", "-o", str(out),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "SLAB" in p.stdout
    doc = json.loads(out.read_text())
    assert doc["config"]["allocator"] == "slab"
    for case in doc["cases"]:
        assert case["params"]["allocator"] == "slab"
        assert case["counters"]["slab_stats"]["allochit"] > 0
        assert "slub_stats" not in case["counters"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "yaml", "csv"])
def test_every_format_renders(fmt):
    p = invoke(
        "--format",
        fmt,
        "napi",
        "--variants",
        "v4.4,v5.12",
        "--compare",
        "v4.4,v5.12",
        "--workloads",
        "forward",
        "--packets",
        "1000",
        "--settle",
        "0",
        "--repeat",
        "1",
        "--warmup",
        "0",
    )
    assert p.returncode == 0, p.stderr
    assert "v5.12" in p.stdout


def _compile_all_uint64(fn):
    """Compile ``fn`` for (uint64[::1] s, uint64 ...) (``consumer``: a boolean, ``p``: an
    array, ``allocator``: the SLUB flavor), the types the kernels call it with."""
    import inspect

    from numba import types

    from skbbench.harness.flavor import FlavorType
    from skbbench.model.napi_layout import ALLOC_SLUB

    names = list(inspect.signature(fn.py_func).parameters)
    args = [types.Array(types.uint64, 1, "C")]
    kinds = {"consumer": types.boolean, "p": args[0], "allocator": FlavorType(ALLOC_SLUB)}
    args += [kinds.get(n, types.uint64) for n in names[1:]]
    fn.compile(tuple(args))
    return fn


def test_the_napi_kernels_have_no_nrt_reference_counting():
    from skbbench.bench import napi_kernels as nk
    from skbbench.model import napi as nm
    from skbbench.model import page_frag as pf
    from skbbench.model import skbuff as sk
    from tests.asmcheck import nrt_calls

    m = napi_create("v6.19", "remote", profile="zero", rx_ring=64)
    run(m, 1000)
    m.teardown()
    assert nrt_calls(nk.napi_run_slub) == []
    for fn in (
        nm.napi_rounds,
        nm.rx_softirq_round,
        nm.net_rx_action,
        nm.net_tx_action,
        nm.ixgbe_poll,
        nm.ixgbe_clean_rx_irq,
        nm.ixgbe_clean_tx_irq,
        nm.enqueue_to_backlog,
        nm.process_backlog,
        sk.napi_consume_skb,
        sk.napi_skb_cache_put,
        sk.skb_cache_free_bulk,
        sk.napi_build_skb,
        sk.build_skb,
        sk.kfree_skb,
        sk.skb_defer_free_flush,
        pf.__alloc_page_frag,
    ):
        assert nrt_calls(_compile_all_uint64(fn)) == [], fn.__name__
