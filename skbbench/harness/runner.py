"""Run cases the way time_bench_loop / time_bench_run_concurrent do, with repetitions.

A :class:`Case` is one ``time_bench_loop`` call: its ``run`` does the setup, the timed
window (inside a jitted kernel, see ``harness.window``) and the teardown, and returns the
window's :class:`Record`. The runner adds what time_bench lacks: a warm-up run (compiles
and faults in memory, not recorded), then ``repeat`` timed runs, all kept.

A :class:`ParallelCase` is one ``time_bench_run_concurrent`` call: one thread per CPU,
each pinned to its CPU, all released by a start barrier, each timing itself. The runner
checks that every thread ran, ran where it was pinned (TSC_AUX), and that the timed
windows overlapped; a failed check is reported with the result, never hidden.

This module imports no numba: the kernels live with the benchmarks.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skbbench.document import Case as CaseResult
from skbbench.document import Repeat
from skbbench.harness.cpus import current_affinity, pin_current_thread
from skbbench.timebench import Record

Progress = Callable[[str], None]


class BenchAbort(Exception):
    """The function being timed failed (time_bench: `ABORT: function being timed failed`)."""


@dataclass
class Case:
    """One single-CPU scenario (one time_bench_loop call)."""

    name: str
    loops: int
    step: int
    run: Callable[[], Record]
    params: dict[str, Any] = field(default_factory=dict)
    counters: Callable[[], dict[str, Any]] | None = None
    # each run() sets up and tears down its own state: its repeats may be interleaved with
    # other cases' (run_all's ``interleave``)
    independent_runs: bool = False
    # compile(counting): compile the timed run's kernels (or the counter replay's) without
    # timing or counting anything, so a cold cache can compile the two in parallel
    compile: Callable[[bool], None] | None = None
    key: str | None = None
    group: str = ""
    expected_invoked: int | None = None  # elements one run will count, checked up front
    notes: list[str] = field(default_factory=list)  # module prints before the Type line

    def case_key(self) -> str:
        return self.key or make_key(self.name, self.step, self.params)


@dataclass
class ParallelCase:
    """One concurrent scenario: ``run(data, index, cpu)`` is each pinned thread's body;
    ``setup()`` builds the shared data before the threads start (outside all windows)."""

    name: str
    loops: int
    step: int
    cpus: list[int]
    run: Callable[[Any, int, int], Record]
    setup: Callable[[], Any] = lambda: None
    check: Callable[[Any], None] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    counters: Callable[[Any], dict[str, Any]] | None = None
    key: str | None = None
    group: str = ""
    notes: list[str] = field(default_factory=list)
    expected_invoked: int | None = None  # elements each thread will count, checked up front

    def case_key(self) -> str:
        return self.key or make_key(self.name, self.step, self.params)


def make_key(name: str, step: int, params: dict[str, Any]) -> str:
    extra = "".join(f"|{k}={params[k]}" for k in sorted(params))
    return f"{name}|step={step}{extra}"


def _new_result(case: Case) -> CaseResult:
    return CaseResult(
        key=case.case_key(),
        name=case.name,
        kind="single",
        loops=case.loops,
        step=case.step,
        params=dict(case.params),
        group=case.group,
        messages=list(case.notes),
    )


def _abort_text(exc: BenchAbort) -> str:
    return str(exc) or "ABORT: function being timed failed"


def _count(case: Case, result: CaseResult, progress: Progress | None) -> None:
    """The case's counters (from its replay), once its last repeat ran."""
    if case.counters is not None and result.error is None:
        if progress:
            progress(f"{case.name} (step:{case.step}) counters")
        try:
            result.counters = dict(case.counters())
        except BenchAbort as exc:
            result.error = _abort_text(exc)


def run_case(
    case: Case, repeat: int, warmup: int = 1, progress: Progress | None = None
) -> CaseResult:
    """Warm-up then ``repeat`` timed runs on the calling (already pinned) thread."""
    result = _new_result(case)
    try:
        for i in range(warmup + repeat):
            if progress:
                label = "warm-up" if i < warmup else f"run {i - warmup + 1}/{repeat}"
                progress(f"{case.name} (step:{case.step}) {label}")
            rec = case.run()
            if i >= warmup:
                result.repeats.append(Repeat((rec,)))
    except BenchAbort as exc:
        result.error = _abort_text(exc)
    _count(case, result, progress)
    return result


@dataclass
class _ThreadOutcome:
    record: Record | None = None
    pinned_to: list[int] = field(default_factory=list)
    error: str | None = None


def run_parallel_once(case: ParallelCase, data: Any) -> tuple[list[Record], list[str]]:
    """One concurrent run. Returns the per-CPU records and the problems found."""
    n = len(case.cpus)
    barrier = threading.Barrier(n)
    outcomes = [_ThreadOutcome() for _ in range(n)]

    def body(index: int, cpu: int) -> None:
        out = outcomes[index]
        passed = False
        try:
            pin_current_thread(cpu)
            out.pinned_to = current_affinity()
            barrier.wait(timeout=60)
            passed = True
            out.record = case.run(data, index, cpu)
        except threading.BrokenBarrierError:
            out.error = "start barrier broken (another thread failed)"
        except Exception as exc:  # report, never lose a thread silently
            out.error = (
                (str(exc) or "function being timed failed")
                if isinstance(exc, BenchAbort)
                else f"{type(exc).__name__}: {exc}"
            )
            if not passed:  # release the others; after the barrier they run on their own
                barrier.abort()

    threads = [
        threading.Thread(target=body, args=(i, cpu), name=f"time_bench{cpu}", daemon=True)
        for i, cpu in enumerate(case.cpus)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    problems = check_parallel(case.cpus, outcomes)
    records = [o.record for o in outcomes if o.record is not None]
    return records, problems


def check_parallel(cpus: list[int], outcomes: list[_ThreadOutcome]) -> list[str]:
    """All threads ran, ran where pinned, and their timed windows overlapped."""
    problems = []
    for cpu, out in zip(cpus, outcomes, strict=True):
        if out.error or out.record is None:
            problems.append(f"ERROR: function being timed failed on CPU:{cpu}({out.error})")
            continue
        if out.pinned_to != [cpu]:
            problems.append(f"ERROR: thread for CPU:{cpu} has affinity {out.pinned_to}")
        if out.record.cpu not in (-1, cpu):
            problems.append(f"ERROR: thread for CPU:{cpu} ran on CPU:{out.record.cpu}")
    recs = [o.record for o in outcomes if o.record is not None]
    if len(recs) > 1:
        latest_start = max(r.tsc_start for r in recs)
        earliest_stop = min(r.tsc_stop for r in recs)
        if latest_start >= earliest_stop:
            problems.append(
                "WARN: the threads' timed windows did not overlap "
                f"(latest start {latest_start} >= earliest stop {earliest_stop})"
            )
    return problems


def overlap_fraction(records: list[Record]) -> float:
    """Share of the shortest window during which all windows were open."""
    if len(records) < 2:
        return 1.0
    common = min(r.tsc_stop for r in records) - max(r.tsc_start for r in records)
    shortest = min(r.tsc_interval for r in records)
    return max(0.0, common / shortest) if shortest > 0 else 0.0


def run_parallel_case(
    case: ParallelCase, repeat: int, warmup: int = 1, progress: Progress | None = None
) -> CaseResult:
    """Warm-up then ``repeat`` concurrent runs, each with fresh shared data."""
    result = CaseResult(
        key=case.case_key(),
        name=case.name,
        kind="parallel",
        loops=case.loops,
        step=case.step,
        params={**case.params, "cpus": list(case.cpus)},
        group=case.group,
        messages=list(case.notes),
    )
    data = None
    for i in range(warmup + repeat):
        if progress:
            label = "warm-up" if i < warmup else f"run {i - warmup + 1}/{repeat}"
            progress(f"{case.name} on CPUs {case.cpus} {label}")
        data = case.setup()
        records, problems = run_parallel_once(case, data)
        if case.check is not None:
            try:
                case.check(data)
            except Exception as exc:
                problems.append(f"ERROR: check failed: {exc}")
        if i >= warmup:
            result.messages.extend(p for p in problems if p not in result.messages)
            errors = [p for p in problems if p.startswith("ERROR")]
            if errors:
                root = [p for p in errors if "barrier broken" not in p]
                result.error = (root or errors)[0]
                break
            result.repeats.append(Repeat(tuple(records)))
    if case.counters is not None and data is not None and result.error is None:
        result.counters = dict(case.counters(data))
    return result


def check_timing_counts(cases: list[Case | ParallelCase], loops_key: str = "loops") -> None:
    """Refuse up front what time_bench_calc_stats would reject after running:
    fewer than 1000 or more than 2^32-1 elements counted in one window."""
    from skbbench.errors import UsageError
    from skbbench.timebench import MIN_INVOKED, U32_MAX

    for case in cases:
        n = case.expected_invoked
        if n is None:
            continue
        if n < MIN_INVOKED:
            raise UsageError(
                f"{loops_key}: too few loops for timing: '{case.name}' (step:{case.step}) would "
                f"count {n} elements, time_bench needs at least {MIN_INVOKED}"
            )
        if n > U32_MAX:
            raise UsageError(
                f"{loops_key}: too many loops: '{case.name}' (step:{case.step}) would count {n} "
                "elements, time_bench's 32-bit divisor overflows"
            )


def _numbered(progress: Progress, prefix: str) -> Progress:
    """``progress`` with every label prefixed (the case's number)."""

    def say(label: str) -> None:
        progress(prefix + label)

    return say


def run_all(
    cases: list[Case | ParallelCase],
    repeat: int,
    warmup: int = 1,
    progress: Progress | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
    interleave: bool = False,
    rng: random.Random | None = None,
    probe: Callable[[], bool] | None = None,
) -> list[CaseResult]:
    """Every case; ``on_case`` sees each result as soon as it is complete.

    Without ``interleave`` each case runs its warm-ups and repeats back to back, in order.
    With it, the cases whose runs are independent (``Case.independent_runs``) run their
    warm-ups in order, then ``repeat`` rounds of one repeat each, in a shuffled order per
    round, then their counters; the other cases run back to back in the first pass.

    ``probe()`` probes the host before the rounds and after each one and says whether it
    was in a slow spell. A round with a slow probe on either side was measured during the
    spell: when the host is quiet again, one more round is run (once per run), and the
    spell rounds' repeats are marked (``Record.spell``: left out of the statistics), unless
    every round was slow (then nothing is left out: the run says it is not representative)."""
    results: dict[int, CaseResult] = {}
    rounds: list[int] = []
    for i, case in enumerate(cases):
        numbered = _numbered(progress, f"case {i + 1}/{len(cases)}: ") if progress else None
        if isinstance(case, ParallelCase):
            results[i] = run_parallel_case(case, repeat, warmup, numbered)
        elif interleave and case.independent_runs:
            results[i] = _warm_up(case, warmup, numbered)
            rounds.append(i)
            continue
        else:
            results[i] = run_case(case, repeat, warmup, numbered)
        if on_case is not None:
            on_case(results[i])
    rng = rng or random.Random()
    slow = [probe() if probe is not None and rounds else False]  # slow[r]: before round r+1
    added: list[list[tuple[int, int]]] = []  # per round: (case, repeat index) measured
    planned = repeat
    r = 0
    while r < planned:
        order = [i for i in rounds if results[i].error is None]
        rng.shuffle(order)
        measured = []
        for n, i in enumerate(order, 1):
            case = cases[i]
            assert isinstance(case, Case)
            if progress:
                where = f"round {r + 1}/{planned} ({n}/{len(order)})"
                progress(f"{where}: {case.name} (step:{case.step})")
            try:
                results[i].repeats.append(Repeat((case.run(),)))
                measured.append((i, len(results[i].repeats) - 1))
            except BenchAbort as exc:
                results[i].error = _abort_text(exc)
        added.append(measured)
        slow.append(probe() if probe is not None and order else False)
        r += 1
        spell = [slow[k] or slow[k + 1] for k in range(r)]
        if r == planned == repeat and any(spell) and not all(spell) and not slow[-1]:
            planned += 1  # the host is quiet again: one more round, once
    spell = [slow[k] or slow[k + 1] for k in range(r)]
    if any(spell) and not all(spell):
        for k, measured in enumerate(added):
            if spell[k]:
                for i, j in measured:
                    rep = results[i].repeats[j]
                    marked = tuple(dataclasses.replace(rec, spell=True) for rec in rep.records)
                    results[i].repeats[j] = Repeat(marked)
    for i in rounds:
        case = cases[i]
        assert isinstance(case, Case)
        _count(case, results[i], progress)
        if on_case is not None:
            on_case(results[i])
    return [results[i] for i in range(len(cases))]


def _warm_up(case: Case, warmup: int, progress: Progress | None) -> CaseResult:
    result = _new_result(case)
    try:
        for _ in range(warmup):
            if progress:
                progress(f"{case.name} (step:{case.step}) warm-up")
            case.run()
    except BenchAbort as exc:
        result.error = _abort_text(exc)
    return result
