"""Run every case of a config in this process: pin, build the cases, warm up and repeat
each, probe the core clock before and after, and make the result document."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import statistics
import sys
from collections.abc import Callable
from typing import Any

from skbbench.bench.build import build_cases
from skbbench.cachedir import prune_old_caches
from skbbench.document import Case, ClockProbe, Document, Repeat, WorkerProcess
from skbbench.harness.clock import probe_clock
from skbbench.harness.compilenote import compile_feedback
from skbbench.harness.cpus import allowed_cpus, choose_cpu, pin_current_thread
from skbbench.harness.runner import Case as RunnerCase
from skbbench.harness.runner import Progress, check_timing_counts, run_all
from skbbench.metadata import machine_metadata, measurement_warnings
from skbbench.reference import SPELL, Reference, check_host, load_reference, update_reference
from skbbench.session.precompile import start as start_helper
from skbbench.spec import RunConfig

Notify = Callable[[str], None]


def summarize(lines: list[str], cases: int) -> str:
    """One note for many warnings of one kind (``unstable``, ``scatter``, ``unstable
    between processes``): how many cases, and the first few named (all of them are in the
    result document's warnings)."""
    head = lines[0].split(": ", 1)[0]
    names = [line.split(": ", 2)[1] for line in lines]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    what = {
        "unstable": "a median in doubt (middle repeats apart: the machine was busy)",
        "scatter": "outlying repeats that did not move the median",
        "unstable between processes": "process medians apart (clock drift or load)",
    }.get(head, lines[0].split(": ", 2)[2])
    return (
        f"{head}: {len(lines)} of {cases} case(s) with {what}: {shown} "
        "(all listed in the result's warnings)"
    )


def compile_ahead(
    cfg: RunConfig, cases: list[Any], cold: bool, progress: Callable[[str], None]
) -> None:
    """On a cold cache (building the cases compiled something), before anything is
    timed: compile the cases' timed kernels here and, when a second CPU is allowed, their
    counter-replay kernels in a helper process at the same time (skbbench.session.
    precompile). On a warm one nothing: each kernel loads at its case's first run."""
    hooks = [c.compile for c in cases if isinstance(c, RunnerCase) and c.compile is not None]
    if not hooks or not cold:  # warm: each kernel loads at its case's first run, as before
        return
    others = [c for c in allowed_cpus() if c not in os.sched_getaffinity(0)]
    helper = start_helper(cfg, others) if cold and others else None
    for i, hook in enumerate(hooks, 1):
        progress(f"compiling the timed kernels ({i}/{len(hooks)})")
        hook(False)
    if helper is not None:
        progress("waiting for the counter kernels (compiled in a helper process)")
        helper.wait()


def host_is_slow(reference: Reference | None, probes: list[ClockProbe]) -> bool:
    """Probe the clock now (kept in ``probes``): was the host in a slow spell?"""
    probe = probe_clock()
    probes.append(probe)
    slowdown = reference.slowdown(probe) if reference is not None else None
    return slowdown is not None and slowdown > SPELL


def _tagged(case: Case, process: int) -> Case:
    """The case with every record naming the worker process that measured it."""
    repeats = [
        Repeat(tuple(dataclasses.replace(r, process=process) for r in rep.records))
        for rep in case.repeats
    ]
    return case.with_(repeats=repeats)


def run_in_process(
    cfg: RunConfig, progress: Progress | None, notify: Notify, process: int = 0
) -> Document:
    """All cases in this process (warm-up + repeats each); records tagged ``process``."""
    prune_old_caches()
    cpu = choose_cpu(cfg.cpu)
    machine = machine_metadata()  # before pinning: a TSC calibration may run here
    pin_current_thread(cpu)
    skipped: list[str] = []
    with compile_feedback(notify, progress) as feedback:
        feedback.progress("building the cases")
        cases = build_cases(cfg, skipped)
        check_timing_counts(cases)
        if process == 0:  # once per run, after every check passed
            for warning in measurement_warnings(machine):
                notify(f"WARNING: {warning}")
            for note in skipped:
                notify(note)
        compile_ahead(cfg, cases, cold=feedback.compiled > 0, progress=feedback.progress)
        reference = load_reference()
        probes = [probe_clock()]
        unstable: list[str] = []

        def case_done(result: Case) -> None:
            unstable.extend(result.warnings())

        results = run_all(
            cases,
            repeat=cfg.repeat,
            warmup=cfg.warmup,
            progress=feedback.progress,
            on_case=case_done,
            interleave=cfg.interleave,
            probe=lambda: host_is_slow(reference, probes),
        )
        probes.append(probe_clock())
    host = check_host(reference, probes)
    update_reference(reference, probes)
    if process == 0 or host.whole_run:
        host_note = host.warning()
        if host_note:
            notify(f"WARNING: {host_note}")
    for kind in ("unstable:", "scatter:"):  # scatter: the CLI shows it with -v only
        lines = [w for w in unstable if w.startswith(kind)]
        if lines:
            notify(summarize(lines, len(results)))
    machine.pinned_cpu = cpu
    if "skbbench.harness.spin" in sys.modules:  # kernel-only costs were charged
        machine.busy_wait_calibration = sys.modules["skbbench.harness.spin"].calibration_report()
    machine.processes = [
        WorkerProcess(
            process=process,
            pid=os.getpid(),
            clock_before=probes[0],
            clock_after=probes[-1],
            compiled=feedback.compiled,
            compile_seconds=round(feedback.seconds, 2),
            host_slowdown=(round(statistics.median(host.slowdowns), 4) if host.slowdowns else None),
            host_slow=host.whole_run if host.slowdowns else None,
        )
    ]
    doc = Document(
        command=cfg.NAME,
        config=cfg.to_dict(),
        cases=[_tagged(c, process) for c in results],
        machine=machine,
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    )
    host_note = host.warning()
    doc.warnings = (
        measurement_warnings(machine)
        + ([host_note] if host_note else [])
        + doc.case_warnings()
        + skipped
    )
    return doc
