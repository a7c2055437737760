"""`skbbench bulk` on the sheaves models (issue 20 item 2): the v7.0 bulk API's counters
(bulk alloc never refills a sheaf, bulk free never allocates one), the side-by-side
table against the v4.4 SLUB, tests 02/03 and --check on both sheaves forms, each
allocator's options, and native kernels."""

import json

import pytest

from skbbench.config import resolve
from skbbench.errors import UsageError
from skbbench.specs.bulk import BulkConfig
from tests.clirunner import invoke

ZERO = ("--profile", "zero", "--repeat", "1", "--warmup", "0")


def _json(*args):
    p = invoke("bulk", *args, *ZERO, "--format", "json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def _case(doc, allocator, variant, step):
    for c in doc["cases"]:
        p = c["params"]
        if p.get("allocator") == allocator and p.get("variant") == variant and c["step"] == step:
            return c
    raise AssertionError(f"no {allocator} {variant} {step} case")


@pytest.fixture(scope="module")
def slub_vs_sheaves():
    return _json("--allocator", "slub,sheaves", "--sizes", "8,64", "--loops", "6400")


def test_a_bulk_that_fits_main_stays_in_the_sheaf(slub_vs_sheaves):
    # first call: main is empty and the barn has no full sheaf, so alloc_from_pcs_bulk
    # serves nothing and the 8 objects come from the slabs; their free fills main,
    # which serves every later call
    case = _case(slub_vs_sheaves, "sheaves", "after", 8)
    st = case["counters"]["slub_stats"]
    total = case["loops"] * 8
    assert st["ALLOC_SLOWPATH"] == 8
    assert st["ALLOC_FASTPATH"] == total - 8
    assert st["FREE_FASTPATH"] == total and st["FREE_SLOWPATH"] == 0
    assert st["SHEAF_REFILL"] == 0  # the bulk API never refills
    assert case["counters"]["cache"]["sheaf_capacity"] == 28


def test_a_bulk_larger_than_a_sheaf_goes_past_it_every_call(slub_vs_sheaves):
    # 64 > 28: each free fills main and finds no spare nor barn empty sheaf (bulk free
    # never allocates one): the rest goes to the slabs; each alloc takes main's 28
    case = _case(slub_vs_sheaves, "sheaves", "after", 64)
    st = case["counters"]["slub_stats"]
    iters, cap = case["loops"], 28
    assert st["ALLOC_FASTPATH"] == cap * (iters - 1)
    assert st["ALLOC_SLOWPATH"] == 64 * iters - cap * (iters - 1)
    assert st["FREE_FASTPATH"] == cap * iters
    assert st["FREE_SLOWPATH"] == (64 - cap) * iters
    assert st["SHEAF_ALLOC"] == 0 and st["BARN_PUT"] == 0


def test_single_object_calls_use_the_sheaf_fast_path(slub_vs_sheaves):
    fast = [
        c
        for c in slub_vs_sheaves["cases"]
        if c["name"] == "kmem fastpath reuse" and c["params"]["allocator"] == "sheaves"
    ]
    st = fast[0]["counters"]["slub_stats"]
    assert st["FREE_FASTPATH"] == fast[0]["loops"]
    assert st["ALLOC_FASTPATH"] + st["ALLOC_SLOWPATH"] == fast[0]["loops"]
    assert st["ALLOC_SLOWPATH"] <= 1


def test_the_side_by_side_table_and_the_model_line():
    p = invoke(
        "bulk",
        "--allocator",
        "slub,sheaves-6.18,sheaves",
        "--sizes",
        "16",
        "--loops",
        "3200",
        *ZERO,
    )
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "bulk- SLUB v4.4 - SLUB v7.0 sheaves (Bulk-API with patchset" in out
    assert "bulk- SLUB v4.4 - SLUB v6.18 sheaves (Bulk-API with patchset" in out
    assert "SLUB v7.0 sheaves model:" in out and "sheaf_capacity:28" in out
    assert "SLUB v6.18 sheaves model:" in out and "sheaf_capacity:32" in out
    rows = [ln for ln in out.splitlines() if ln.startswith("16 - ") and "difference" in ln]
    assert len(rows) == 4  # two pairs x (after, before)


@pytest.mark.parametrize("allocator", ["sheaves", "sheaves-6.18"])
def test_tests_02_03_and_check_mode_run_clean(allocator):
    for test in ("02", "03"):
        p = invoke("bulk", "--allocator", allocator, "--test", test, "--loops", "6400", *ZERO)
        assert p.returncode == 0, p.stderr
    doc = _json("--allocator", allocator, "--check", "--sizes", "8,40", "--loops", "2000")
    assert all(not c.get("error") for c in doc["cases"])


def test_v618_counters_name_the_sheaf_fast_paths_as_v618_did():
    doc = _json("--allocator", "sheaves-6.18", "--sizes", "8", "--loops", "3200")
    st = _case(doc, "sheaves-6.18", "after", 8)["counters"]["slub_stats"]
    assert st["ALLOC_PCS"] > 0 and st["FREE_PCS"] > 0
    assert "ALLOC_FASTPATH" in st  # the cpu slabs' own counter, beside them


def _config(**values):
    values.setdefault("profile", "zero")
    return resolve(BulkConfig, values, source="command line")


@pytest.mark.parametrize(
    "values, needle",
    [
        ({"sheaf_capacity": 16}, "only the sheaves models"),
        ({"allocator": ["sheaves"], "cpu_partial": 5}, "only the SLUB model"),
        ({"allocator": ["sheaves"], "what_if": ["locked-cmpxchg"]}, "only the SLUB model"),
        ({"allocator": ["sheaves"], "nodes": 2}, "only the SLAB model"),
        ({"allocator": ["slub", "sheaves"], "setup": "merged"}, "merged"),
    ],
)
def test_each_allocators_options_are_refused_without_it(values, needle):
    with pytest.raises(UsageError, match=needle):
        _config(**values)


def test_each_allocators_options_are_accepted_with_it():
    cfg = _config(allocator=["sheaves-6.18"], cpu_partial=5, sheaf_capacity=16)
    assert cfg.cpu_partial == 5 and cfg.sheaf_capacity == 16
    # --published alone picks the merged setup only for SLUB/SLAB runs
    assert _config(allocator=["slub"], published=True).setup == "merged"
    assert _config(allocator=["slub", "sheaves"], published=True).setup == "nomerge"


def test_sheaves_kernels_have_no_nrt_calls():
    import numpy as np

    from skbbench.bench.slab_bulk_kernels import (
        bulk_quick_reuse_sheaves,
        bulk_quick_reuse_sheaves_618,
        fastpath_reuse_sheaves,
    )
    from skbbench.harness.flavor import Flavor
    from skbbench.harness.window import new_window
    from skbbench.model.kconfig_layout import default_flags
    from skbbench.model.sheaves_create import kmem_cache_create
    from tests.asmcheck import nrt_calls

    kc = Flavor(default_flags())
    p = np.zeros(64, dtype=np.uint64)
    e = np.zeros(0, dtype=np.uint64)
    v70 = kmem_cache_create(profile="zero", max_slabs=64)
    v618 = kmem_cache_create(profile="zero", max_slabs=64, form="6.18")
    fastpath_reuse_sheaves(kc, v70.s, 0, 10, new_window())
    bulk_quick_reuse_sheaves(kc, v70.s, 0, 10, 16, p, 2, new_window(), e, e)
    bulk_quick_reuse_sheaves_618(kc, v618.s, 0, 10, 16, p, 2, new_window(), e, e)
    for kernel in (fastpath_reuse_sheaves, bulk_quick_reuse_sheaves, bulk_quick_reuse_sheaves_618):
        assert nrt_calls(kernel) == [], kernel.py_func.__name__
