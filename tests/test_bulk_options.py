"""The merged-cache setup, the sysfs tunables, --kconfig and --what-if (issue 13 items 1,
3, 5): what each does to the model's state and counters, and how bad values are refused."""

import numpy as np
import pytest

from skbbench.bench.slab_bulk_common import (
    _cpu_partial_pages,
    bulk_case,
    make_cache,
    merged_setup,
)
from skbbench.config import resolve
from skbbench.errors import UsageError
from skbbench.specs.bulk import HOST_KMALLOC256, BulkConfig
from tests.clirunner import invoke


def _cfg(**kw):
    values = {"loops": 3000, "profile": "zero"}
    values.update(kw)
    return resolve(BulkConfig, values, "test")


def _counters(cfg, variant="after", bulk=34):
    case = bulk_case(
        cfg, "slub", "kmem bulk_quick_reuse", variant, bulk, 3000 // bulk, "t", [], "t"
    )
    case.run()
    return case.counters(), case.params


# --------------------------------------------------------------------------------------
# --setup merged


def test_merged_defaults_come_from_the_host_snapshot():
    cfg = _cfg(setup="merged")
    assert cfg.merged_objects == HOST_KMALLOC256["objects"]
    assert cfg.merged_partial == HOST_KMALLOC256["bench_cpu_partial_slabs"]
    assert cfg.merged_traffic == HOST_KMALLOC256["allocs_per_s"] == 0.0


def test_merged_setup_leaves_other_users_objects_and_holes_on_the_bench_cpu():
    cfg = _cfg(setup="merged", merged_objects=300, merged_partial=3)
    cache = make_cache(cfg, "slub", "t", 64)
    held = merged_setup(cache, cfg)
    assert len(held) == 300 - 3
    assert cache.live_objects() == 300 - 3
    assert _cpu_partial_pages(cache, 0) == 3  # each hole froze a full slab onto CPU 0
    assert {cpu for cpu, _ in held} == set(range(cache.nr_cpus))  # system-wide users
    # each CPU filled its own cpu slabs: ceil(objects of that CPU / objects per slab)
    per_cpu = [len(range(c, 300, cache.nr_cpus)) for c in range(cache.nr_cpus)]
    assert cache.nr_slabs() == sum(-(-n // cache.objects) for n in per_cpu)


def test_holes_of_a_merged_cache_are_visited_once_by_a_bulk_that_fits_a_slab():
    nomerge, _ = _counters(_cfg(), "before", 16)
    merged, params = _counters(_cfg(setup="merged"), "before", 16)
    assert nomerge["slub_stats"]["FREE_SLOWPATH"] == 0
    # the first bulk takes the one free object of each hole slab on the cpu partial list,
    # frees it back to its (then full, unfrozen) slab: a slowpath free each, never again
    holes = HOST_KMALLOC256["bench_cpu_partial_slabs"]
    assert merged["slub_stats"]["FREE_SLOWPATH"] == holes
    assert merged["slub_stats"]["CPU_PARTIAL_ALLOC"] == holes
    assert params["setup"] == "merged" and params["merged_partial"] == holes


def test_traffic_of_other_users_runs_inside_the_timed_loop():
    # counters in the timed run (SLUB_STATS=y): one flavor to compile, not two
    cfg = _cfg(setup="merged", merged_traffic=5.0, merged_remote=1.0, kconfig=["SLUB_STATS=y"])
    counters, params = _counters(cfg, "after", 34)
    allocs = round(5.0 * (3000 // 34) * 34 / 1000)
    st = counters["slub_stats"]
    # the bulk API counts no ALLOC_FASTPATH/SLOWPATH: every single allocation is traffic
    assert st["ALLOC_FASTPATH"] + st["ALLOC_SLOWPATH"] == allocs
    assert params["merged_traffic"] == 5.0


@pytest.mark.parametrize(
    "values, needle",
    [
        ({"merged_objects": 10}, "only with --setup merged"),
        ({"setup": "merged", "test": "03"}, "tests 01 and 02"),
        ({"setup": "merged", "merged_objects": 20, "merged_partial": 5}, None),
        ({"aged": 0.5}, "retired option"),
    ],
)
def test_merged_options_are_checked(values, needle):
    if needle is None:  # too few full slabs for the holes: refused when the run starts
        cfg = _cfg(**values)
        with pytest.raises(Exception, match="merged_partial"):
            _counters(cfg, "after", 8)
        return
    with pytest.raises(UsageError, match=needle):
        _cfg(**values)


def test_old_documents_with_aged_still_load():
    from skbbench.document import read_document

    doc = {"schema": 2, "cases": [], "command": "bulk", "config": {"aged": 0.25, "test": "01"}}
    cfg = read_document(doc).run_config()
    assert isinstance(cfg, BulkConfig) and cfg.setup == "nomerge"


# --------------------------------------------------------------------------------------
# sysfs tunables


def test_min_partial_is_clamped_like_set_min_partial():
    for given, effective in ((0, 5), (7, 7), (1000, 10)):
        counters, params = _counters(_cfg(min_partial=given), "after", 8)
        assert counters["cache"]["min_partial"] == effective
        assert params["min_partial"] == given


def test_order_and_min_objects_set_the_slab_geometry():
    counters, _ = _counters(_cfg(order=0), "after", 8)
    assert counters["cache"]["order"] == 0 and counters["cache"]["objects_per_slab"] == 16
    counters, _ = _counters(_cfg(min_objects=64), "after", 8)
    assert counters["cache"]["order"] == 2 and counters["cache"]["objects_per_slab"] == 64
    with pytest.raises(UsageError, match="order"):
        _cfg(order=4)


def test_cpu_partial_zero_sends_slabs_to_the_node_list():
    default, _ = _counters(_cfg(), "after", 34)
    off, _ = _counters(_cfg(cpu_partial=0), "after", 34)
    assert default["slub_stats"]["CPU_PARTIAL_FREE"] > 0
    assert off["slub_stats"]["CPU_PARTIAL_FREE"] == 0
    assert off["slub_stats"]["FREE_ADD_PARTIAL"] > 0 and off["cache"]["cpu_partial"] == 0


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--allocator", "slab", "--cpu-partial", "5"], "only the SLUB model"),
        (["--allocator", "slab", "--kconfig", "NUMA=n"], "only the SLUB model"),
        (["--kconfig", "FOO=y"], "kconfig: 'FOO=y'"),
        (["--kconfig", "NUMA=x"], "kconfig: 'NUMA=x'"),
        (["--kconfig", "MEMCG_KMEM=n,MEMCG_KMEM_ACTIVE=y"], "kconfig: MEMCG_KMEM_ACTIVE=y needs"),
        (["--what-if", "fast"], "--what-if"),
        (["--order", "4"], "--order"),
        (["--lookahead", "256"], "--lookahead"),
        (["--lookahead", "1"], "lookahead: 1 would lose objects"),
        (["--aged", "0.5"], "--aged"),
    ],
)
def test_bad_tunables_are_one_line_errors(args, needle):
    p = invoke("bulk", *args)
    assert p.returncode == 2, p.stderr
    assert needle in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


# --------------------------------------------------------------------------------------
# --kconfig and --what-if


def test_kconfig_memcg_active_runs_the_memcg_paths_without_changing_the_allocator_state():
    # counters in the timed run (SLUB_STATS=y): one flavor each to compile, not two
    default, _ = _counters(_cfg(kconfig=["SLUB_STATS=y"]), "after", 64)
    active, params = _counters(_cfg(kconfig=["SLUB_STATS=y", "MEMCG_KMEM_ACTIVE=y"]), "after", 64)
    assert params["kconfig"] == "SLUB_STATS=y MEMCG_KMEM_ACTIVE=y"
    assert active["slub_stats"] == default["slub_stats"]


def test_what_if_locked_cmpxchg_emits_the_lock_prefix_only_there():
    from skbbench.harness.flavor import Flavor
    from skbbench.model.kconfig_layout import LOCKED_CPU_CMPXCHG, default_flags
    from skbbench.model.slub import kmem_cache_alloc_export
    from skbbench.model.slub_create import kmem_cache_create
    from tests.asmcheck import fresh_asm

    cache = kmem_cache_create(profile="zero", max_slabs=8)
    for flags in (default_flags(), default_flags() | LOCKED_CPU_CMPXCHG):
        kmem_cache_alloc_export(Flavor(flags), cache.s, np.uint64(0), np.uint64(0))
    asms = {
        str(sig[0]): a
        for sig, a in zip(
            kmem_cache_alloc_export.signatures, fresh_asm(kmem_cache_alloc_export), strict=True
        )
    }

    def fastpath_cas(asm):
        from tests.test_bulk_bench import _functions

        bodies = [
            b
            for n, b in _functions(asm).items()
            if n.startswith("_ZN8skbbench5model4slub23kmem_cache_alloc_export")
        ]
        assert len(bodies) == 1
        return [line.strip() for line in bodies[0].splitlines() if "cmpxchg16b" in line]

    unlocked = fastpath_cas(asms[f"Flavor(0x{default_flags():x})"])
    locked = fastpath_cas(asms[f"Flavor(0x{default_flags() | LOCKED_CPU_CMPXCHG:x})"])
    # the exported function's own body is the fastpath: one this_cpu_cmpxchg_double
    assert len(unlocked) == 1 and "lock" not in unlocked[0]
    assert len(locked) == 1 and "lock" in locked[0]


def test_merged_defaults_match_the_recorded_host_data():
    from importlib import resources

    import yaml

    data = yaml.safe_load(
        resources.files("skbbench").joinpath("data/merged_kmalloc256.yaml").read_text()
    )
    d = data["defaults"]
    assert d["merged_objects"] == data["sysfs"]["objects"] == HOST_KMALLOC256["objects"]
    assert d["merged_partial"] == HOST_KMALLOC256["bench_cpu_partial_slabs"]
    assert "C1=16(2)" in data["sysfs"]["slabs_cpu_partial"]  # CPU 1: 2 slabs
    assert (
        d["merged_traffic"]
        == HOST_KMALLOC256["allocs_per_s"]
        == data["trace"]["kmalloc_256_allocs"]
    )
