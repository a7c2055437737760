"""Interleaved repeats: a case's repeats are spread over the run, one per round."""

from __future__ import annotations

import random

from skbbench import config
from skbbench.document import Metric
from skbbench.harness.runner import BenchAbort, Case, run_all
from skbbench.specs.bulk import BulkConfig
from skbbench.timebench import Record


def _cases(log: list[str], independent: bool = True, fail: str = "") -> list[Case]:
    out = []
    for name in ("a", "b", "c"):

        def run(name: str = name) -> Record:
            log.append(name)
            if name == fail and log.count(name) == 3:
                raise BenchAbort(f"{name} failed")
            n = len(log)
            return Record(
                loops=1,
                step=0,
                invoked=1,
                tsc_start=n,
                tsc_stop=n + 10,
                wall_start=n,
                wall_stop=n + 4,
            )

        out.append(
            Case(
                name=name,
                loops=1,
                step=0,
                run=run,
                counters=lambda name=name: {"after": log.count(name)},
                independent_runs=independent,
            )
        )
    return out


def test_each_round_runs_every_case_once_in_a_shuffled_order():
    log: list[str] = []
    done: list[str] = []
    results = run_all(
        _cases(log),
        repeat=4,
        warmup=1,
        interleave=True,
        rng=random.Random(3),
        on_case=lambda r: done.append(r.name),
    )
    assert log[:3] == ["a", "b", "c"]  # the warm-ups, in order
    rounds = [log[3 + 3 * r : 6 + 3 * r] for r in range(4)]
    assert all(sorted(r) == ["a", "b", "c"] for r in rounds), rounds
    assert len({tuple(r) for r in rounds}) > 1  # shuffled, not the same order every round
    assert [len(r.repeats) for r in results] == [4, 4, 4]
    assert [r.counters["after"] for r in results] == [5, 5, 5]  # counted after the last round
    assert [r.name for r in results] == ["a", "b", "c"] and sorted(done) == ["a", "b", "c"]


def test_cases_that_share_state_and_no_interleave_run_back_to_back():
    for independent, interleave in ((False, True), (True, False)):
        log: list[str] = []
        run_all(_cases(log, independent), repeat=2, warmup=1, interleave=interleave)
        assert log == ["a"] * 3 + ["b"] * 3 + ["c"] * 3


def test_a_case_that_aborts_leaves_the_rounds_and_keeps_its_error():
    log: list[str] = []
    results = run_all(
        _cases(log, fail="b"), repeat=4, warmup=1, interleave=True, rng=random.Random(1)
    )
    assert results[1].error == "b failed" and len(results[1].repeats) == 1
    assert log.count("b") == 3 and log.count("a") == 5
    assert results[1].counters == {}  # no counters for a case that failed


def test_interleave_is_an_option_on_by_default_and_not_a_result_key():
    from skbbench.compare.configs import NOT_RESULT_KEYS

    assert config.resolve(BulkConfig, {}, "t").interleave is True
    assert config.resolve(BulkConfig, {"interleave": False}, "t").interleave is False
    assert "interleave" in NOT_RESULT_KEYS  # old baselines compare with new runs


def _probes(pattern: list[bool]):
    it = iter(pattern)
    return lambda: next(it)


def test_a_slow_spell_leaves_its_rounds_out_and_one_more_round_is_measured():
    log: list[str] = []
    # probes: before round 1, after rounds 1..4, after the extra round 5
    results = run_all(
        _cases(log),
        repeat=4,
        warmup=1,
        interleave=True,
        rng=random.Random(2),
        probe=_probes([False, False, True, False, False, False]),
    )
    for r in results:
        assert len(r.repeats) == 5  # one more round, once
        spell = [rep.spell for rep in r.repeats]
        assert spell == [False, True, True, False, False]  # rounds 2 and 3 touch the spell
        assert r.kept() == [0, 3, 4]  # the statistics leave them out
        assert r.stats.repeats == 3


def test_a_whole_run_in_a_spell_leaves_nothing_out():
    log: list[str] = []
    results = run_all(
        _cases(log),
        repeat=3,
        warmup=1,
        interleave=True,
        rng=random.Random(2),
        probe=_probes([True] * 4),
    )
    assert all(len(r.repeats) == 3 and not any(x.spell for x in r.repeats) for r in results)


def test_spell_marks_survive_the_result_file():
    from skbbench.document import Case as DocCase

    log: list[str] = []
    (r, *_) = run_all(
        _cases(log),
        repeat=2,
        warmup=0,
        interleave=True,
        rng=random.Random(2),
        probe=_probes([True, False, False, False]),
    )
    back = DocCase.from_dict(r.to_dict())
    assert [x.spell for x in back.repeats] == [True, False, False] and back.kept() == [1, 2]


def test_compare_s_per_process_values_leave_spell_repeats_out_too():
    log: list[str] = []
    (r, *_) = run_all(
        _cases(log),
        repeat=2,
        warmup=0,
        interleave=True,
        rng=random.Random(2),
        probe=_probes([True, False, False, False]),
    )
    values = [rep.value(Metric.CYCLES) for rep in r.repeats]
    assert r.values_by_process() == {0: values[1:]}
