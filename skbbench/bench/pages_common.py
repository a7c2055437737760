"""What the page benchmarks share: a machine with the v4.6 page allocator per run, the
teardown with the conservation check (every page back in the buddy lists, counted), the
counters of the last run, and the window -> Record step with time_bench's ABORT."""

from __future__ import annotations

from typing import Any

import numpy as np

from skbbench.errors import ModelError, UsageError
from skbbench.harness.cpus import allowed_cpus, format_cpus
from skbbench.harness.runner import BenchAbort
from skbbench.harness.window import window_record
from skbbench.model.machine import Machine
from skbbench.model.page_alloc_create import new_machine
from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator
from skbbench.timebench import Record

MAX_MACHINE_PAGES = 1 << 20  # 4 GiB of simulated pages: a bigger arena is a usage error


def page_machine(nr_pages: int, nr_cpus: int, profile: str, what: str) -> Machine:
    """A fresh machine of ``nr_pages`` arena pages and ``nr_cpus`` simulated CPUs."""
    if nr_pages > MAX_MACHINE_PAGES:
        raise UsageError(
            f"{what}: needs {nr_pages} simulated pages, more than {MAX_MACHINE_PAGES} (4 GiB)"
        )
    return new_machine(nr_pages, nr_cpus, profile=profile)


def conserve(machine: Machine) -> dict[str, Any]:
    """Teardown of a run: the run's page allocator counters, then drain_all_pages and the
    conservation check; every arena page must be back in the buddy lists."""
    pa = PageAllocator(machine)
    pa.raise_if_error()
    stats = pa.stats()
    pa.drain()
    counts = check_page_allocator(machine)
    if counts["allocated"] or counts["buddy"] != machine.arena_pfns:
        raise ModelError(
            f"page allocator: {counts['allocated']} of {machine.arena_pfns} pages not returned "
            f"to the buddy lists after teardown"
        )
    return {"page_alloc": stats, "pages_returned": counts["buddy"]}


class LastCounters:
    """The counters of the last run of a case (each run builds fresh state)."""

    def __init__(self) -> None:
        self.value: dict[str, Any] = {}

    def __call__(self) -> dict[str, Any]:
        return self.value


def record(window: np.ndarray, loops: int, step: int, ok: bool, why: str = "") -> Record:
    """The window's Record; a failed run is time_bench's ABORT (no Type line)."""
    if not ok:
        raise BenchAbort("ABORT: function being timed failed" + (f" ({why})" if why else ""))
    return window_record(window, loops=loops, step=step)


def two_cpus(what: str) -> list[int]:
    """CPUs {0,1} of the originals: the first two allowed CPUs."""
    cpus = allowed_cpus()
    if len(cpus) < 2:
        raise UsageError(f"{what}: needs 2 allowed CPUs, only {format_cpus(cpus)} allowed")
    return cpus[:2]


def cpus_wanted(wanted: int, requested: int | None, what: str) -> tuple[list[int], list[str]]:
    """CPUs 0..wanted-1 of the original, or the explicit ``requested`` count (more than
    the allowed CPUs is a usage error); fewer allowed than the default wants: those there
    are, with a NOTE."""
    allowed = allowed_cpus()
    if requested is not None:
        if requested > len(allowed):
            raise UsageError(
                f"{what}: {requested} CPUs requested, only {len(allowed)} allowed "
                f"({format_cpus(allowed)})"
            )
        return allowed[:requested], [f"Limit to {requested} parallel CPUs"]
    if len(allowed) >= wanted:
        return allowed[:wanted], []
    return allowed, [
        f"NOTE: the original runs this on {wanted} CPUs; only {len(allowed)} allowed "
        f"({format_cpus(allowed)}), running on those"
    ]
