"""`skbbench pagepool`: bench_page_pool_simple (both versions), bench_page_pool_cross_cpu,
skb_array_bench01 and skb_array_parallel01 build and run at small loops in-process, count
the originals' elements, take the paths their names say (page_pool stats), conserve
pages; bad input is one line and exit 2."""

import json

import pytest

from skbbench.config import resolve
from skbbench.specs.pagepool import PagepoolConfig
from tests.clirunner import invoke
from tests.conftest import ALL_CPUS, on_all_cpus

SMALL = [
    "--loops", "1000",
    "--cross-loops", "2000",
    "--skb-loops", "1000",
    "--queue-sizes", "8,1000",
    "--parallel-loops", "2000",
    "--q-size", "8000",
    "--prefill", "4000",
    "--repeat", "1",
    "--warmup", "0",
]  # fmt: skip


@pytest.fixture(scope="module", params=["modern", "v4.18"])
def doc(request):
    groups = "bench_page_pool_simple,bench_page_pool_cross_cpu"
    if request.param == "modern":
        groups += ",skb_array_bench01,skb_array_parallel01"
    with on_all_cpus():  # the cross-CPU modules run on two CPUs
        r = invoke(
            "--format", "json", "pagepool", *SMALL, "--version", request.param, "--groups", groups
        )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _case(doc, name):
    (case,) = [c for c in doc["cases"] if c["name"] == name]
    return case


def _invoked(case):
    return [rec["invoked"] for rec in case["runs"][0]]


def test_names_and_counts(doc):
    assert not [c["error"] for c in doc["cases"] if c.get("error")]
    assert _invoked(_case(doc, "for_loop")) == [10_000]
    assert _invoked(_case(doc, "atomic_inc")) == [10_000]
    assert _invoked(_case(doc, "lock")) == [1000]
    for prefix in ("no-softirq-page_pool0", "tasklet_page_pool0"):
        cases = [c for c in doc["cases"] if c["name"].startswith(prefix)]
        assert len(cases) == 3
        for case in cases:
            assert _invoked(case) == [1000]
            assert case["counters"]["pages_returned"] > 0
    cross = _case(doc, "page_pool_cross_cpu")
    r = len(cross["params"]["cpus"]) - 1
    assert cross["step"] == r and r >= 1
    assert _invoked(cross) == [2000] * r + [r * 2000 + r]  # the RX CPU: R x loops + R
    assert cross["counters"]["recycled"] == [2001] * r
    assert cross["counters"]["produced"] == r * 2000 + 1024 * r


def test_return_paths(doc):
    modern = doc["config"]["version"] == "modern"
    fast = _case(doc, "tasklet_page_pool01_fast_path")["counters"]
    ring = _case(doc, "tasklet_page_pool02_ptr_ring")["counters"]["page_pool"]
    assert ring["recycle"]["ring"] == 1000 + 64 and ring["recycle"]["cached"] == 0
    slow = _case(doc, "tasklet_page_pool03_slow")["counters"]
    assert slow["page_alloc"]["pgfree"] >= 1000  # every element frees a page
    nosoft = _case(doc, "no-softirq-page_pool01")["counters"]["page_pool"]
    if modern:
        pp = fast["page_pool"]
        assert pp["recycle"]["cached"] == 1000 and pp["recycle"]["ring"] == 64
        assert fast["page_alloc"]["pgalloc"] == 64  # the fill only: one bulk of 64
        assert slow["page_pool"]["recycle"]["released_refcnt"] == 1000
        assert slow["page_pool"]["alloc"]["slow"] >= (1000 - 64) // 64  # bulk refills of 64
        assert nosoft["recycle"]["cached"] == 1000  # v6.19 recycles direct in any context
    else:
        # the first page_pool's quirk: an empty ring means the slow path, although the
        # alloc cache holds pages
        assert fast["page_pool"]["alloc"]["empty"] > 0
        assert fast["page_alloc"]["pgalloc"] > 64
        # allow_direct honoured only in softirq: from process context the ring
        assert nosoft["recycle"]["cached"] == 0 and nosoft["recycle"]["ring"] == 1064


def test_skb_array(doc):
    if doc["config"]["version"] != "modern":
        pytest.skip("skb_array runs once")
    mins = [c for c in doc["cases"] if c["name"] == "skb_array_min_overhead"]
    assert [c["step"] for c in mins] == [8, 1000]
    assert all(_invoked(c) == [1000] for c in mins)
    assert _case(doc, "skb_array_prefilled")["step"] == 64
    for name in ("skb_array_parallel_two_CPUs", "skb_array_parallel_many_CPUs"):
        case = _case(doc, name)
        assert _invoked(case) == [2000] * len(case["params"]["cpus"])
        assert [r["step"] for r in case["runs"][0]][:2] == [1, 0]
        assert case["counters"]["left_on_queue"] == 4000 and case["counters"]["warnings"] == []


def test_notes_in_kernel_format():
    r = invoke("pagepool", *SMALL, "--groups", "bench_page_pool_simple,skb_array_bench01")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert (
        "bench_page_pool_simple: time_bench_page_pool01_fast_path(): Cannot use page_pool fast-path"
        in out
    )
    assert "bench_page_pool_simple: pp_tasklet_handler(): in_serving_softirq fast-path" in out
    assert (
        "skb_array_bench01: For 'skb_array_min_overhead' step = queue_size, cost is enqueue+dequeue"
        in out
    )


@pytest.mark.parametrize(
    "args, key",
    [
        (["--pool-size", "32769"], "pool_size"),
        (["--cross-pool-size", "40000"], "cross_pool_size"),
        (["--alloc-cache", "256"], "alloc_cache"),
        (["--version", "v5.0"], "--version"),
        (["--returning-cpus", str(len(ALL_CPUS))], "--returning-cpus"),
        (["--parallel-cpus", str(len(ALL_CPUS) + 1)], "--parallel-cpus"),
        (["--prefill", "9000", "--q-size", "8000"], "prefill"),
        (["--cross-loops", "1000"], "cross_loops"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, key, all_cpus):
    r = invoke("pagepool", *args)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and key in r.stderr


def test_alloc_cache_what_if():
    cfg = resolve(PagepoolConfig, {"alloc_cache": 256, "what_if": True}, "t")
    assert cfg.alloc_cache == 256
    with pytest.raises(Exception, match="what-if"):
        resolve(PagepoolConfig, {"alloc_cache": 256}, "t")
