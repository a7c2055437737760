"""--aged: a cache whose slabs are partly held by other users (a merged cache)."""

from skbbench.bench.slab_bulk_common import bulk_case, counter_delta
from skbbench.config import resolve
from skbbench.specs.bulk import BulkConfig


def _counters(aged: float, bulk: int = 30, variant: str = "before") -> dict:
    cfg = resolve(BulkConfig, {"aged": aged, "loops": 3000}, "test")
    case = bulk_case(
        cfg, "slub", "kmem bulk_quick_reuse", variant, bulk, 3000 // bulk, "t", [], "t"
    )
    case.run()
    return case.counters()


def test_pristine_cache_keeps_a_bulk_of_30_on_the_cpu_slab():
    stats = _counters(0.0)["slub_stats"]
    assert stats["FREE_SLOWPATH"] == 0 and stats["CPU_PARTIAL_ALLOC"] == 0


def test_aged_cache_makes_the_same_bulk_span_slab_pages():
    stats = _counters(0.5)["slub_stats"]
    assert stats["FREE_SLOWPATH"] > 0  # objects freed to a page that is not the cpu slab
    # the bulk alloc calls ___slab_alloc directly: refills from the cpu partial list
    assert stats["CPU_PARTIAL_ALLOC"] > 0 and stats["ALLOC_REFILL"] > 0


def test_counters_exclude_the_aging_setup():
    # Aging allocates 16 slabs' worth of objects; the timed work of a pristine-sized
    # bulk on the cpu slab allocates no new slab in steady state... but the setup did.
    after = {
        "slub_stats": {"ALLOC_SLAB": 20, "FREE_FASTPATH": 7},
        "model_events": {"x": 3},
        "slab_free_objects_per_call": {"1": 4, "2": 1},
    }
    before = {
        "slub_stats": {"ALLOC_SLAB": 16, "FREE_FASTPATH": 7},
        "model_events": {"x": 1},
        "slab_free_objects_per_call": {"1": 4},
    }
    d = counter_delta(after, before)
    assert d["slub_stats"] == {"ALLOC_SLAB": 4, "FREE_FASTPATH": 0}
    assert d["model_events"] == {"x": 2}
    assert d["slab_free_objects_per_call"] == {"2": 1} and d["slab_free_avg_objects"] == 2.0


def test_aged_is_part_of_the_case_identity():
    cfg = resolve(BulkConfig, {"aged": 0.25}, "test")
    case = bulk_case(cfg, "slub", "kmem bulk_quick_reuse", "after", 16, 100, "t", [], "t")
    assert case.params["aged"] == 0.25
