"""The timed kernels of the pages, pagepool and recycle benchmarks contain no NRT
reference counting (checked on uncached recompiles)."""

import json

import pytest

from skbbench.bench import (
    bench_page_pool_cross_cpu,
    bench_page_pool_simple,
    page_bench01,
    page_bench02,
    page_bench04_bulk,
    page_bench05,
    rx_recycle,
    skb_array_bench01,
    skb_array_parallel01,
)
from tests.asmcheck import nrt_calls
from tests.clirunner import invoke
from tests.conftest import on_all_cpus

KERNELS = [
    page_bench01.time_alloc_pages,
    page_bench02.time_alloc_pages_outstanding,
    page_bench04_bulk.time_bulk_page_alloc_free,
    page_bench05.cross_cpu_page_worker,
    bench_page_pool_simple.time_bench_baseline,
    bench_page_pool_simple.time_bench_page_pool,
    bench_page_pool_cross_cpu.pp_tasklet_simulate_rx_napi,
    bench_page_pool_cross_cpu.time_pp_put_page_recycle,
    skb_array_bench01.time_bench_skb_array,
    skb_array_parallel01.time_bench_cpu_enq_or_deq,
    rx_recycle.rx_recycle_loop,
]


@pytest.fixture(scope="module")
def compiled():
    runs = [
        ("pages", "--loops", "1000", "--orders", "0", "--put-orders", "0", "--outstanding",
         "8", "--outstanding-loops", "1000", "--bulks", "8", "--bulk-loops", "1000",
         "--cross-loops", "1000", "--q-size", "2048", "--prefill", "1024"),
        ("pagepool", "--loops", "1000", "--cross-loops", "1008", "--skb-loops", "1000",
         "--queue-sizes", "8", "--parallel-loops", "1000", "--q-size", "4096", "--prefill",
         "2048"),
        ("recycle", "--ring", "16", "--packets", "1000", "--hold-means", "8"),
    ]  # fmt: skip
    for args in runs:
        with on_all_cpus():  # the cross-CPU modules run on two CPUs
            r = invoke("--format", "json", args[0], *args[1:], "--repeat", "1", "--warmup", "0")
        errors = [c["error"] for c in json.loads(r.stdout or "{}").get("cases", []) if c["error"]]
        assert r.returncode == 0, (r.stderr, errors)


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.py_func.__name__)
def test_no_nrt_in_bench_kernels(compiled, kernel):
    assert nrt_calls(kernel) == []
