"""The NAPI loops with skbuff_head_cache on the sheaves models (issue 20 item 2): the
heads' path through the sheaves, conservation and the checker on every workload, and
`skbbench napi --allocator sheaves` end to end."""

import json

import pytest

from skbbench.bench.napi_kernels import RUN
from skbbench.harness.window import new_window
from skbbench.model.napi_create import napi_create
from skbbench.specs.napi import VARIANTS, WORKLOADS
from tests.clirunner import invoke


def run(model, packets):
    n = int(RUN[model.allocator](model.s, model.nh, packets, new_window()))
    model.raise_if_error()
    return n


def delta(model, packets):
    before = model.counters()
    assert run(model, packets) == packets
    after = model.counters()
    return {k: v - before["slub_stats"][k] for k, v in after["slub_stats"].items()}


def test_v44_drop_heads_stay_in_the_main_sheaf():
    # one head allocated and freed per packet on the RX CPU: once main holds heads,
    # every allocation and free is a sheaf fast path, nothing reaches the slabs
    m = napi_create("v4.4", "drop", profile="zero", allocator="sheaves", nr_cpus=2)
    run(m, 640)
    st = delta(m, 3200)
    assert st["ALLOC_FASTPATH"] == 3200 and st["ALLOC_SLOWPATH"] == 0
    assert st["FREE_FASTPATH"] == 3200 and st["FREE_SLOWPATH"] == 0
    assert st["SHEAF_REFILL"] == 0 and st["SHEAF_FLUSH"] == 0
    m.teardown()


def test_v46_bulk_frees_of_64_heads_pass_the_28_object_sheaf():
    # v4.6's napi_consume_skb frees 64 heads per kmem_cache_free_bulk: free_to_pcs_bulk
    # fills what the sheaves hold and sends the rest to the slabs
    m = napi_create("v4.6", "forward", profile="zero", allocator="sheaves", nr_cpus=2)
    run(m, 1280)
    st = delta(m, 6400)
    assert st["FREE_FASTPATH"] > 0 and st["FREE_SLOWPATH"] > 0
    assert st["FREE_FASTPATH"] + st["FREE_SLOWPATH"] == 6400
    m.teardown()


@pytest.mark.parametrize("allocator", ["sheaves", "sheaves-6.18"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_checked_runs_of_every_workload_are_clean(allocator, variant):
    for workload in WORKLOADS:
        m = napi_create(
            variant,
            workload,
            profile="zero",
            allocator=allocator,
            check=True,
            rx_ring=64,
            nr_cpus=2,
        )
        assert run(m, 700) == 700
        m.teardown()  # the sheaves checker + page allocator conservation


def test_cli_runs_napi_on_sheaves_and_records_it(tmp_path):
    out = tmp_path / "napi-sheaves.json"
    p = invoke(
        "napi", "--variants", "v4.4,v4.6", "--workloads", "drop,remote", "--packets", "2000",
        "--allocator", "sheaves", "--repeat", "1", "--warmup", "0", "--settle", "640",
        "-o", str(out),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "SLUB v7.0 sheaves" in p.stdout and "sheaf_capacity:28" in p.stdout
    doc = json.loads(out.read_text())
    assert doc["config"]["allocator"] == "sheaves"
    for case in doc["cases"]:
        assert case["params"]["allocator"] == "sheaves"
        assert case["counters"]["slub_stats"]["ALLOC_FASTPATH"] > 0
        assert case["counters"]["barns"]
