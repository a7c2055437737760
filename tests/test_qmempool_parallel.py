"""qmempool on two pinned threads: objects are conserved (none lost, none handed out twice)
and the qmempool_bench_parallel scenarios run with their conservation check."""

import json
import threading

import numpy as np
import pytest
from numba import njit

from skbbench.bench import qmempool_bench_parallel as qp
from skbbench.config import resolve
from skbbench.harness.cpus import pin_current_thread
from skbbench.harness.runner import ParallelCase, run_parallel_case
from skbbench.model.qmempool import (
    __qmempool_alloc,
    __qmempool_alloc_softirq,
    __qmempool_free,
    __qmempool_free_softirq,
    qmempool_create,
)
from skbbench.model.slub_create import kmem_cache_create
from skbbench.specs import qmempool as qspec
from skbbench.specs.qmempool import QmempoolConfig

_1 = np.uint64(1)


@njit(nogil=True, cache=True)
def churn(pool, s, cpu, ops, seed, held, tags, out):
    """Random alloc/free on simulated CPU ``cpu``: each allocated object gets a private tag
    in its word 1; a wrong tag at free time means another thread had the same object."""
    c = np.uint64(cpu)
    cap = held.shape[0]
    x = np.uint64(seed)
    nheld = 0
    bad = 0
    nulls = 0
    for i in range(ops):
        x ^= x << np.uint64(13)
        x ^= x >> np.uint64(7)
        x ^= x << np.uint64(17)
        if nheld == 0 or (nheld < cap and (x & _1) == _1):
            if (x >> np.uint64(1)) & _1:
                obj = __qmempool_alloc(pool, s, c)
            else:
                obj = __qmempool_alloc_softirq(pool, s, c)
            if obj == np.uint64(0):
                nulls += 1
                continue
            tag = ((c + _1) << np.uint64(48)) | np.uint64(i)
            s[np.uintp((obj >> np.uint64(3)) + _1)] = tag
            held[nheld] = obj
            tags[nheld] = tag
            nheld += 1
        else:
            k = np.intp((x >> np.uint64(8)) % np.uint64(nheld))
            obj = held[k]
            if s[np.uintp((obj >> np.uint64(3)) + _1)] != tags[k]:
                bad += 1
            held[k] = held[nheld - 1]
            tags[k] = tags[nheld - 1]
            nheld -= 1
            if (x >> np.uint64(2)) & _1:
                __qmempool_free(pool, s, c, obj)
            else:
                __qmempool_free_softirq(pool, s, c, obj)
    for k in range(nheld):
        obj = held[k]
        if s[np.uintp((obj >> np.uint64(3)) + _1)] != tags[k]:
            bad += 1
        __qmempool_free_softirq(pool, s, c, obj)
    out[0] = bad
    out[1] = nulls


def _churn_two(cpus, ops, localq=32, sharedq=128, hold=300):
    cache = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", max_slabs=256)
    mp = qmempool_create(localq, sharedq, 0, cache)
    outs = [np.zeros(2, dtype=np.int64) for _ in cpus]
    go = threading.Barrier(len(cpus))
    errors = []

    def body(i, cpu):
        try:
            pin_current_thread(cpu)
            go.wait(timeout=60)
            churn(
                mp.pool,
                mp.s,
                i,
                ops,
                np.uint64(0x9E3779B97F4A7C15 + i),
                np.zeros(hold, dtype=np.uint64),
                np.zeros(hold, dtype=np.uint64),
                outs[i],
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=body, args=(i, c)) for i, c in enumerate(cpus)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors and not any(t.is_alive() for t in threads)
    return mp, cache, outs


def test_parallel_alloc_free_conserves_objects(two_cpus):
    churn(
        np.zeros(64, np.uint64),
        np.zeros(64, np.uint64),
        0,
        0,
        np.uint64(1),
        np.zeros(1, np.uint64),
        np.zeros(1, np.uint64),
        np.zeros(2, np.int64),
    )  # compile
    mp, cache, outs = _churn_two(two_cpus, 300_000)
    assert [int(o[0]) for o in outs] == [0, 0]  # no object held by two threads at once
    assert [int(o[1]) for o in outs] == [0, 0]  # the slab never ran dry
    st = mp.stats()
    assert st["slab_refill"] > 0 and st["free_to_slab"] > 0 and st["free_to_sharedq"] > 0
    data = qp._Shared(cache=cache, nthreads=2, mp=mp)
    qp.conserve(data)  # no element twice in the pool; kmem_cache_destroy finds no object


@pytest.mark.slow
def test_parallel_alloc_free_conserves_objects_long(two_cpus):
    mp, cache, outs = _churn_two(two_cpus, 10_000_000)
    assert [int(o[0]) for o in outs] == [0, 0]
    qp.conserve(qp._Shared(cache=cache, nthreads=2, mp=mp))


def test_conserve_detects_a_lost_object(two_cpus):
    cache = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero")
    mp = qmempool_create(32, 128, 0, cache)
    mp.alloc(0)  # never freed
    with pytest.raises(Exception, match="remaining"):
        qp.conserve(qp._Shared(cache=cache, nthreads=2, mp=mp))


def test_parallel_bench_scenarios_run_and_conserve(two_cpus):
    cfg = resolve(QmempoolConfig, {"parallel_loops": 200, "groups": ["parallel"]}, "t")
    cases = qp.build_cases(cfg)
    par = [c for c in cases if isinstance(c, ParallelCase)]
    assert [c.name for c in par] == [
        qspec.P_KMEM_FASTPATH,
        qspec.P_QMEMPOOL_FASTPATH,
        qspec.P_KMEM_PATTERN,
        qspec.P_QMEMPOOL_PATTERN,
    ]
    for case in par:
        res = run_parallel_case(case, repeat=1, warmup=0)
        assert res.error is None, res.messages
        n = 200 * (1024 if "pattern" in case.name else 1)
        assert [r.invoked for r in res.repeats[0].records] == [n] * len(case.cpus)
        assert "slub" in res.counters
    single = [c.name for c in cases if not isinstance(c, ParallelCase)]
    assert single == [
        "kmem fastpath reuse",
        "qmempool fastpath BH-disable",
        "qmempool fastpath BH-disable+inline",
        "qmempool fastpath SOFTIRQ",
        "qmempool fastpath SOFTIRQ+inline",
        "benchmark_kmem_cache_pattern",
        "qmempool N-pattern",
        "qmempool N-pattern+inline",
        "qmempool N-pattern softirq",
        "qmempool N-pattern softirq+inline",
    ]


def test_the_pool_in_front_of_slab():
    from tests.clirunner import invoke

    p = invoke(
        "--format",
        "json",
        "qmempool",
        "--allocator",
        "slab",
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
    assert "slab" in kmem["counters"] and "slub" not in kmem["counters"]
    assert kmem["counters"]["slab"]["slab_stats"]["allochit"] > 0
    pool = next(c for c in doc["cases"] if c["name"] == "qmempool N-pattern softirq+inline")
    assert pool["counters"]["slab"]["nr_slabs"] >= 0 and pool["counters"]["qmempool"]
    text = invoke(
        "qmempool",
        "--allocator",
        "slab",
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
    assert "qmempool vs SLAB model" in text and "SLUB" not in text.split("qmempool vs")[1]
