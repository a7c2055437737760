"""Worker processes the host disturbed, found in the document itself.

All worker processes of a run execute the same code, so a process whose cases *all* ran
slower than another process's is not measuring the code but the host (docs/measurement.md
has what this looked like on the project's VM). Left in, one such process sets the
between-process noise compare works from and hides any regression.

A process's slowdown is the median, over the cases, of how much slower its fastest
repeat was than the fastest process's. When two or more processes are within
``DISTURBED`` of the fastest (the fast level was measured twice), the others are
disturbed; with fewer, nothing is called disturbed (of two processes, either may be the
odd one). A disturbed process's repeats stay in the document (raw values are never
dropped), but the case statistics, the printed results and compare leave it out, and a
run measures in one more process instead (``skbbench.session``).

Reads documents only (``skbbench.document``); no numba.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable

from skbbench.document import Case, Document
from skbbench.document.merge import merge_processes

# The bound between a process measuring the code and one measuring the host, read off the
# distribution of process slowdowns on the project's VM (docs/measurement.md).
DISTURBED = 0.10


def process_slowdowns(cases: Iterable[Case]) -> dict[int, float]:
    """Worker process -> how much slower than the fastest process it ran, in the median
    case (0.0 for the fastest); {} for cases of one process."""
    per: dict[int, list[float]] = {}
    for case in cases:
        if case.error:
            continue
        best = {p: min(values) for p, values in case.values_by_process().items()}
        fastest = min(best.values(), default=0.0)
        if len(best) < 2 or fastest <= 0:
            continue
        for process, value in best.items():
            per.setdefault(process, []).append(value / fastest - 1)
    return {p: statistics.median(v) for p, v in sorted(per.items())}


def slow_processes(cases: Iterable[Case]) -> dict[int, float]:
    """Processes more than DISTURBED slower than the fastest, and their slowdowns."""
    return {p: s for p, s in process_slowdowns(cases).items() if s > DISTURBED}


def disturbed_processes(cases: Iterable[Case]) -> dict[int, float]:
    """The disturbed worker processes among ``cases`` and their slowdowns: the slow ones,
    when at least two processes are not slow."""
    cases = list(cases)
    slowdowns = process_slowdowns(cases)
    slow = {p: s for p, s in slowdowns.items() if s > DISTURBED}
    return slow if len(slowdowns) - len(slow) >= 2 else {}


# A document's disturbed processes per configuration: keyed by its cases' "run" label
# (``skbbench run A.yaml B.yaml``: process 0 of A is not process 0 of B), None for a
# document of one configuration.
ByRun = dict[str | None, dict[int, float]]


def disturbed_by_run(doc: Document) -> ByRun:
    """The disturbed processes of each configuration of a document (only those that
    have any)."""
    groups: dict[str | None, list[Case]] = {}
    for case in doc.cases:
        groups.setdefault(case.run, []).append(case)
    found = {label: disturbed_processes(cases) for label, cases in groups.items()}
    return {label: d for label, d in found.items() if d}


def excluded(case: Case, by_run: ByRun) -> frozenset[int]:
    """The processes to leave out of one case."""
    return frozenset(by_run.get(case.run, {}))


LEFT_OUT = "left out of the statistics and compare, repeats kept"


def describe(disturbed: dict[int, float], then: str = LEFT_OUT) -> str:
    """One line naming disturbed processes (numbered from 1, as progress shows them) and
    what ``then`` happens to them."""
    which = ", ".join(f"{p + 1} ({s:+.0%})" for p, s in sorted(disturbed.items()))
    return (
        f"worker process(es) {which} ran more than {DISTURBED:.0%} slower than the fastest "
        f"in the median case (the host was busy): {then}"
    )


def merge_clean(docs: list[Document], renumber: bool = False) -> Document:
    """The documents' worker processes merged once (``merge_processes``), with the
    disturbed processes left out of the case statistics and named in the warnings; in a
    document of one config, every process in ``machine.processes`` gets its ``slowdown``
    and whether it was ``disturbed``; the scatter warnings are those of the kept repeats."""
    merged = merge_processes(docs, renumber=renumber)
    by_run = disturbed_by_run(merged)
    cases = [c.with_(left_out=excluded(c, by_run)) if c.run in by_run else c for c in merged.cases]
    warnings = list(merged.warnings) + [w for c in cases for w in c.warnings()]
    for label, procs in by_run.items():
        warnings.append((f"{label}: " if label else "") + describe(procs))
    machine = merged.machine
    if all(c.run is None for c in cases):
        slowdowns = process_slowdowns(cases)
        disturbed = by_run.get(None, {})
        machine = dataclasses.replace(
            machine,
            processes=[
                dataclasses.replace(
                    p, slowdown=round(slowdowns[p.process], 5), disturbed=p.process in disturbed
                )
                if p.process in slowdowns
                else p
                for p in machine.processes
            ],
        )
    return dataclasses.replace(merged, cases=cases, machine=machine, warnings=warnings)
