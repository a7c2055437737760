"""Compile ahead: a cold run compiles the timed kernels itself and the counter replay's in
a helper process at the same time, before anything is timed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from skbbench import config
from skbbench.harness.runner import Case
from skbbench.session import local
from skbbench.specs.bulk import BulkConfig


def _case(calls: list, name: str) -> Case:
    return Case(
        name=name, loops=1, step=0, run=lambda: None, compile=lambda c: calls.append((name, c))
    )


@pytest.mark.parametrize(
    "cold, others, helper", [(True, [0], True), (False, [0], False), (True, [], False)]
)
def test_the_helper_runs_only_on_a_cold_cache_with_a_cpu_to_spare(
    monkeypatch, cold, others, helper
):
    calls: list = []
    started: list = []
    waited: list = []
    monkeypatch.setattr(local, "allowed_cpus", lambda: [*others, 1])
    monkeypatch.setattr(local.os, "sched_getaffinity", lambda pid: {1})

    def start(cfg, cpus):
        started.append(cpus)
        return SimpleNamespace(wait=lambda: waited.append(True))

    monkeypatch.setattr(local, "start_helper", start)
    cases = [_case(calls, "a"), _case(calls, "b")]
    local.compile_ahead(None, cases, cold=cold, progress=lambda s: None)
    # the timed kernels, in this process, on a cold cache; warm: each loads when it runs
    assert calls == ([("a", False), ("b", False)] if cold else [])
    assert started == ([others] if helper else [])  # never on the run's own CPU
    assert waited == ([True] if helper else [])  # nothing is timed before it is done


def test_bulk_cases_compile_both_flavors_without_timing_anything():
    from skbbench.bench import slab_bulk_kernels as kernels
    from skbbench.bench.build import build_cases

    cfg = config.resolve(BulkConfig, {"sizes": (8,), "loops": 20000}, "test")
    cases = [c for c in build_cases(cfg, []) if isinstance(c, Case) and c.compile]
    assert cases, "the bulk cases have compile hooks"
    for case in cases:
        case.compile(False)
        case.compile(True)
    from numba import typeof

    from skbbench.bench.slab_bulk_common import flavors

    timed, replayed = flavors(cfg, False)
    assert replayed is not None and timed != replayed
    # the timed flavor and the replay's are there (loaded or compiled; other tests of this
    # process may have compiled other flavors too)
    compiled = {sig[0] for sig in kernels.bulk_quick_reuse.signatures}
    assert {typeof(timed), typeof(replayed)} <= compiled, compiled
    for case in cases:  # and the cases still run and count after it
        rec = case.run()
        assert rec.invoked == case.expected_invoked
        assert case.counters is not None and case.counters()
