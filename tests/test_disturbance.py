"""Worker processes the host disturbed: found, left out of statistics and compare with
their repeats kept, and replaced by one more process in a run."""

from __future__ import annotations

import copy
import random

import pytest

from skbbench import disturbance
from skbbench.config import resolve_mapping
from skbbench.document.merge import merge_documents, merge_processes
from skbbench.session import manager
from tests.resultdocs import compare, document, noisy, typed
from tests.test_trust import multi


def run_doc(levels: list[float], cases: int = 6, seed: int = 0, shift: float = 1.0) -> dict:
    """A run whose worker process p runs every case at ``levels[p]`` x its cost."""
    rng = random.Random(seed)
    out = []
    for k in range(cases):
        cost = 50.0 * (k + 1) * shift
        out.append(
            multi(f"c{k}", [noisy(rng, cost * lv, 5, cv=0.003, outlier_p=0.0) for lv in levels])
        )
    doc = document(out)
    doc["processes"] = len(levels)
    doc["machine"]["processes"] = [{"process": p} for p in range(len(levels))]
    return doc


def test_a_process_slower_in_every_case_is_disturbed():
    def cases(levels: list[float]) -> list:
        return typed(run_doc(levels)).cases

    slow = disturbance.process_slowdowns(cases([1.0, 1.37, 1.004]))
    assert slow[0] == pytest.approx(0.0, abs=0.01) and slow[1] == pytest.approx(0.37, abs=0.02)
    assert set(disturbance.disturbed_processes(cases([1.0, 1.37, 1.004]))) == {1}
    # below the bound, or without two processes at the fast level: nothing is disturbed
    assert disturbance.disturbed_processes(cases([1.0, 1.08, 1.003])) == {}
    assert disturbance.disturbed_processes(cases([1.0, 1.4])) == {}
    assert disturbance.disturbed_processes(cases([1.0, 1.15, 1.39])) == {}
    assert set(disturbance.slow_processes(cases([1.0, 1.15, 1.39]))) == {1, 2}
    # the median case decides: one case slow in one process is not a disturbed process
    spike = run_doc([1.0, 1.0, 1.0])
    spike["cases"][0] = multi("c0", [[50.0] * 5, [50.0] * 5, [90.0] * 5])
    assert disturbance.disturbed_processes(typed(spike).cases) == {}


def test_merge_clean_keeps_the_repeats_and_leaves_the_process_out_of_the_stats():
    doc = run_doc([1.0, 1.35, 1.002])
    parts = []
    for p in range(3):
        part = copy.deepcopy(doc)
        part["processes"] = 1
        part["machine"]["processes"] = [{"process": p}]
        for c in part["cases"]:
            c["runs"] = [r for r in c["runs"] if r[0]["process"] == p]
        parts.append(typed(part))
    plain = merge_processes(parts)
    clean = disturbance.merge_clean(parts)
    case, raw = clean.cases[0], plain.cases[0]
    assert len(case.repeats) == len(raw.repeats) == 15  # every repeat kept
    assert case.stats.processes == 2 and raw.stats.processes == 3
    assert case.stats.cycles and raw.stats.cycles
    assert case.stats.cycles.max < raw.stats.cycles.max
    # the printed result is the median repeat of the kept processes (an index into runs)
    for c in clean.cases:
        kept = sorted(r.records[0].tsc_interval for r in c.repeats if r.process != 1)
        median = c.repeats[c.stats.median_run]
        assert median is c.median_repeat() and median.process != 1
        assert median.records[0].tsc_interval == kept[(len(kept) - 1) // 2]
    marks = {p.process: p.disturbed for p in clean.machine.processes}
    assert marks == {0: False, 1: True, 2: False}
    assert any("worker process(es) 2 (+35%)" in w for w in clean.warnings)
    # written and read back, the document leaves the same process out
    again = typed(clean.to_dict())
    assert again.cases[0].stats == case.stats


def test_compare_leaves_a_disturbed_process_out():
    base = run_doc([1.0, 1.002, 0.999], seed=1)
    same = run_doc([1.0, 1.38, 1.001], seed=2)
    slower = run_doc([1.0, 1.38, 1.001], seed=3, shift=1.10)
    a = compare(base, same)
    assert a.exit_status == 0 and a.threshold < 0.05
    assert any("current: worker process(es) 2" in w for w in a.warnings)
    assert all(c.processes == (3, 2) for c in a.cases)
    b = compare(base, slower)
    assert b.exit_status == 1 and all(c.verdict == "slower" for c in b.cases)


def test_a_run_measures_in_one_more_process_while_too_few_are_undisturbed(monkeypatch):
    cfg = resolve_mapping({"benchmark": "sample", "processes": 3}, "test")
    levels = {0: 1.0, 1: 1.4, 2: 1.001, 3: 1.002}

    def fake_worker(cfg_, process: int, verbosity: int = 0):
        doc = run_doc([levels.get(process, 1.45)], seed=process)
        for c in doc["cases"]:
            for run in c["runs"]:
                run[0]["process"] = process
        doc["machine"]["processes"] = [{"process": process}]
        return typed(doc)

    notes: list[str] = []
    monkeypatch.setattr(manager, "run_worker", fake_worker)
    doc = manager.run_in_workers(cfg, notes.append)
    assert doc.processes == 4 and len(notes) == 1 and "measuring in one more" in notes[0]
    assert [p.disturbed for p in doc.machine.processes] == [False, True, False, False]
    # a host that stays busy: at most as many extra processes as asked for
    levels.clear()
    levels[0] = 1.0
    notes.clear()
    doc = manager.run_in_workers(cfg, notes.append)
    assert doc.processes == 6
    assert sum("measuring in one more" in n for n in notes) == 3


def test_processes_of_different_configs_in_one_document_are_not_pooled():
    # skbbench run a.yaml b.yaml: process 1 of config a was disturbed, not process 1 of b
    merged = merge_documents(
        [typed(run_doc([1.0, 1.4, 1.001])), typed(run_doc([1.0, 1.001, 1.002]))], ["a", "b"]
    )
    assert {k: set(v) for k, v in disturbance.disturbed_by_run(merged).items()} == {"a": {1}}
    comp = compare(merged, merged)
    by_run = {c.key.split(":")[0]: c.processes for c in comp.cases}
    assert by_run == {"a": (2, 2), "b": (3, 3)}
    assert any("baseline (a): worker process(es) 2" in w for w in comp.warnings)


def test_the_clock_of_a_disturbed_process_stays_out_of_the_drift():
    from tests.test_trust import with_clocks

    base = with_clocks(run_doc([1.0, 1.001, 1.002], seed=4), [1.42, 1.42, 1.42])
    cur = with_clocks(run_doc([1.0, 1.35, 1.001, 1.4], seed=5), [1.42, 1.20, 1.42, 1.20])
    drift = compare(base, cur).clock
    assert drift is not None and drift.current == pytest.approx(1.42)
    assert not drift.flagged
