"""qmempool in front of the sheaves models (issue 20 item 2): the pool's slab refills and
drains reach a sheaves cache (v7.0 and v6.18 forms), objects are conserved, and
`skbbench qmempool --allocator sheaves` runs every group with the cache's counters."""

import json

import pytest

from skbbench.bench import qmempool_bench_parallel as qp
from skbbench.config import resolve
from skbbench.harness.runner import ParallelCase, run_parallel_case
from skbbench.model.qmempool import qmempool_create
from skbbench.model.sheaves_create import kmem_cache_create
from skbbench.specs.qmempool import QmempoolConfig
from tests.clirunner import invoke


@pytest.mark.parametrize("form", ["7.0", "6.18"])
def test_slab_refill_and_drain_go_through_the_sheaves_cache(form):
    cache = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", form=form)
    mp = qmempool_create(32, 128, 0, cache)
    obj = mp.alloc(0)
    assert obj != 0
    st = mp.stats(0)
    assert st["slab_refill"] == 1 and st["kmem_cache_alloc"] == 33
    assert cache.live_objects() == 33  # one handed out, 32 in sharedq
    fast = "ALLOC_FASTPATH" if form == "7.0" else "ALLOC_PCS"
    stats = cache.stats()
    # the first 33 single allocations refill main once (v7.0) or find the sheaves
    # empty and go to the cpu slab (v6.18's GFP_ATOMIC does not refill)
    if form == "7.0":
        assert stats["SHEAF_REFILL"] > 0 and stats[fast] > 0
    else:
        assert stats[fast] == 0 and stats["SHEAF_REFILL"] == 0
    mp.free(0, obj)
    mp.destroy()
    assert cache.live_objects() == 0
    cache.destroy()  # every object back: ModelError otherwise


def test_cli_runs_the_pool_on_sheaves_with_counters():
    p = invoke(
        "--format",
        "json",
        "qmempool",
        "--allocator",
        "sheaves",
        "--loops",
        "1000",
        "--groups",
        "fastpath,pattern",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--profile",
        "zero",
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    kmem = next(c for c in doc["cases"] if c["name"] == "kmem fastpath reuse")
    assert set(kmem["counters"]) == {"sheaves"}
    st = kmem["counters"]["sheaves"]["slub_stats"]
    assert st["FREE_FASTPATH"] == kmem["loops"]
    pool = next(c for c in doc["cases"] if c["name"] == "qmempool N-pattern softirq+inline")
    assert pool["counters"]["qmempool"] and pool["counters"]["sheaves"]["nr_slabs"] >= 0
    text = invoke(
        "qmempool",
        "--allocator",
        "sheaves-6.18",
        "--loops",
        "1000",
        "--groups",
        "fastpath",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--profile",
        "zero",
    ).stdout
    assert "qmempool vs SLUB v6.18 sheaves model" in text


def test_parallel_scenarios_on_sheaves_conserve_objects(two_cpus):
    cfg = resolve(
        QmempoolConfig,
        {"parallel_loops": 200, "groups": ["parallel"], "allocator": "sheaves"},
        "t",
    )
    par = [c for c in qp.build_cases(cfg) if isinstance(c, ParallelCase)]
    assert len(par) == 4
    for case in par:
        res = run_parallel_case(case, repeat=1, warmup=0)
        assert res.error is None, res.messages
        assert "sheaves" in res.counters
