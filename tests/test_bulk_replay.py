"""Uninstrumented timing (issue 13 item 2): timed runs count nothing, their counters come
from a replay that must end in exactly the timed run's state; the replay check itself
catches a replay that differs."""

import numpy as np
import pytest

from skbbench.bench import replay
from skbbench.bench.slab_bulk_common import bulk_case, fastpath_case
from skbbench.config import resolve
from skbbench.errors import ModelError
from skbbench.specs.bulk import BulkConfig


def _cfg(**kw):
    values = {"loops": 3000, "profile": "zero"}
    values.update(kw)
    return resolve(BulkConfig, values, "test")


def _case(cfg, variant="after", bulk=34, allocator="slub"):
    return bulk_case(
        cfg, allocator, "kmem bulk_quick_reuse", variant, bulk, 3000 // bulk, "t", [], "t"
    )


def _pending(case):
    run = case.run  # the _Run object
    assert run.pending is not None, "no replay pending: counters were compiled into the run"
    return run.pending[1]


@pytest.mark.parametrize(
    "allocator, variant, bulk",
    [
        ("slub", "after", 34),
        ("slub", "before", 48),
        ("slub", "fallback", 64),
        ("slub", "kfree_bulk", 250),
        ("slab", "after", 64),
        ("slab", "fallback", 8),
    ],
)
def test_timed_run_counts_nothing_and_the_replay_reaches_its_state(allocator, variant, bulk):
    case = _case(_cfg(allocator=[allocator]), variant, bulk, allocator)
    case.run()
    pending = _pending(case)
    mask = pending.machine.counter_mask()
    # no counter word moved during the timed run (the setup counted nothing either)
    assert np.array_equal(pending.before[0][mask], pending.after[0][mask])
    assert not pending.after[0][mask].any()
    counters = case.counters()  # replays and compares every non-counter word
    stats = counters.get("slub_stats") or counters.get("slab_stats")
    assert sum(stats.values()) > 0
    events = counters["model_events"]
    assert events["bulk_alloc_objects"] == (3000 // bulk) * bulk


def test_replay_counters_equal_counters_counted_inside_the_timed_run():
    # "the counters in results stay exactly as today": SLUB_STATS=y counts in the timed run
    for variant, bulk in (("before", 34), ("after", 64), ("fallback", 30)):
        replayed = _case(_cfg(), variant, bulk)
        replayed.run()
        inline = _case(_cfg(kconfig=["SLUB_STATS=y"]), variant, bulk)
        inline.run()
        assert inline.run.pending is None
        a, b = replayed.counters(), inline.counters()
        assert a["slub_stats"] == b["slub_stats"] and a["model_events"] == b["model_events"]
        assert a["slab_free_objects_per_call"] == b["slab_free_objects_per_call"]


def test_a_replay_that_does_different_work_is_detected():
    case = _case(_cfg(), "after", 34)
    case.run()
    pending = _pending(case)
    # one iteration more than the timed run did (same compiled kernel)
    other = bulk_case(
        _cfg(), "slub", "kmem bulk_quick_reuse", "after", 34, 3000 // 34 + 1, "t", [], "t"
    )
    loops = other.run.loops
    with pytest.raises(ModelError, match="replay diverged"):
        replay.replay(
            pending,
            lambda a: other.run.body(other.run.replayed, a, np.zeros(8, np.uint64), loops),
        )


def test_fastpath_case_replays_too():
    case = fastpath_case(_cfg(), "slub", 5000, "t")
    case.run()
    assert case.counters()["slub_stats"]["ALLOC_FASTPATH"] == 5000 - 1


def test_test03_cases_replay_from_the_shared_module_state():
    from skbbench.bench.slab_bulk_test03 import build_cases

    cfg = _cfg(test="03", loops=640, sizes=[64], compare=["before", "after"])
    cases = build_cases(cfg)[:4]
    for case in cases:
        case.run()
        case.run()  # the module's cache carries state from run to run
        c = case.counters()
        assert c["slub_stats"]["FREE_SLOWPATH"] > 0
