"""Worker processes the host disturbed, found in the document itself.

All worker processes of a run execute the same code, so a process whose cases *all* ran
slower than another process's is not measuring the code but the host: on this project's
2-vCPU VM, a process that overlaps a busy spell of the host runs its cases 28-61 %
slower in the median, its minimum repeats included, while the core-clock probe mostly
moves by 1-2 % (a busy loop on the VM's other vCPU does not do it: the spells come from
outside the VM).
Left in, one such process out of three sets the between-process noise (the minimum
effect compare reports grows to 15-60 %) and hides any regression.

A process's slowdown is the median, over the cases, of how much slower its fastest
repeat was than the fastest process's. When two or more processes are within
``DISTURBED`` of the fastest (the fast level was measured twice), the others are
disturbed; with fewer, nothing is called disturbed (of two processes, either may be the
odd one). A disturbed process's repeats stay in the document (raw values are never
dropped), but the case statistics, the printed results and compare leave it out, and a
run measures in one more process instead (``skbbench.session``). Measured figures:
docs/measurement.md.

Reads documents only (``skbbench.results``); no numba.
"""

from __future__ import annotations

import statistics
from typing import Any

from skbbench.results import merge_processes, values_by_process

# Measured on the 2-vCPU VM (927 worker processes of 14 false-alarm batches, slowdowns as
# process_slowdowns defines them): 85 % within 1 % of their run's fastest process, 95 %
# within 5 %, 9 at 5-10 %, 8 at 10-25 % and the host-disturbed ones at 28-61 %.
DISTURBED = 0.10


def process_slowdowns(doc: dict[str, Any]) -> dict[int, float]:
    """Worker process -> how much slower than the fastest process it ran, in the median
    case (0.0 for the fastest); {} for a document of one process."""
    per: dict[int, list[float]] = {}
    for case in doc.get("cases", []):
        if case.get("error"):
            continue
        best = {p: min(values) for p, values in values_by_process(case).items()}
        fastest = min(best.values(), default=0.0)
        if len(best) < 2 or fastest <= 0:
            continue
        for process, value in best.items():
            per.setdefault(process, []).append(value / fastest - 1)
    return {p: statistics.median(v) for p, v in sorted(per.items())}


def slow_processes(doc: dict[str, Any]) -> dict[int, float]:
    """Processes more than DISTURBED slower than the fastest, and their slowdowns."""
    return {p: s for p, s in process_slowdowns(doc).items() if s > DISTURBED}


def disturbed_processes(doc: dict[str, Any]) -> dict[int, float]:
    """The disturbed worker processes of a document and their slowdowns: the slow ones,
    when at least two processes are not slow."""
    slow = slow_processes(doc)
    return slow if len(process_slowdowns(doc)) - len(slow) >= 2 else {}


# A document's disturbed processes per configuration: keyed by its cases' "run" label
# (``skbbench run A.yaml B.yaml``: process 0 of A is not process 0 of B), None for a
# document of one configuration.
ByRun = dict[str | None, dict[int, float]]


def disturbed_by_run(doc: dict[str, Any]) -> ByRun:
    """The disturbed processes of each configuration of a document (only those that
    have any)."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for case in doc.get("cases", []):
        groups.setdefault(case.get("run"), []).append(case)
    found = {label: disturbed_processes({"cases": cases}) for label, cases in groups.items()}
    return {label: d for label, d in found.items() if d}


def excluded(case: dict[str, Any], by_run: ByRun) -> frozenset[int]:
    """The processes to leave out of one case."""
    return frozenset(by_run.get(case.get("run"), {}))


LEFT_OUT = "left out of the statistics and compare, repeats kept"


def describe(disturbed: dict[int, float], then: str = LEFT_OUT) -> str:
    """One line naming disturbed processes (numbered from 1, as progress shows them) and
    what ``then`` happens to them."""
    which = ", ".join(f"{p + 1} ({s:+.0%})" for p, s in sorted(disturbed.items()))
    return (
        f"worker process(es) {which} ran more than {DISTURBED:.0%} slower than the fastest "
        f"in the median case (the host was busy): {then}"
    )


def merge_clean(docs: list[dict[str, Any]], renumber: bool = False) -> dict[str, Any]:
    """``results.merge_processes`` with disturbed processes left out of the case
    statistics and named in the warnings; in a document of one config, every process in
    ``machine.processes`` gets its ``slowdown`` and whether it was ``disturbed``."""
    merged = merge_processes(docs, renumber=renumber)
    by_run = disturbed_by_run(merged)
    if by_run:
        merged = merge_processes(docs, renumber=renumber, exclude=by_run)
        for label, procs in by_run.items():
            merged["warnings"].append((f"{label}: " if label else "") + describe(procs))
    if all(c.get("run") is None for c in merged["cases"]):
        slowdowns = process_slowdowns(merged)
        disturbed = by_run.get(None, {})
        merged["machine"]["processes"] = [
            {**info, "slowdown": round(slowdowns[p], 5), "disturbed": p in disturbed}
            if (p := info.get("process")) in slowdowns
            else info
            for info in merged["machine"].get("processes", [])
        ]
    return merged
