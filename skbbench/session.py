"""Execute one resolved configuration and make its result document.

The single path every benchmark command and ``skbbench run`` goes through. With
``processes`` = 1 the cases run in this process; with N > 1 each of N fresh worker
processes (``python -m skbbench.worker``, one after the other, never two at once) runs
every case with its own warm-up and repeats, and the documents are merged: each record
names its process, and compare tests on per-process values (docs/measurement.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from skbbench.bench.build import build_cases
from skbbench.cachedir import prune_old_caches
from skbbench.disturbance import describe, merge_clean, slow_processes
from skbbench.errors import ModelError, SkbbenchError, UsageError
from skbbench.harness.clock import probe_clock
from skbbench.harness.compilenote import announce_compiles
from skbbench.harness.cpus import choose_cpu, pin_current_thread
from skbbench.harness.runner import Progress, check_timing_counts, run_all
from skbbench.metadata import machine_metadata, measurement_warnings
from skbbench.results import (
    CaseResult,
    build_document,
    case_stats,
    case_warnings,
    scatter_warnings,
)
from skbbench.spec import RunConfig

Notify = Callable[[str], None]
WORKER_ENV = "SKBBENCH_WORKER"  # set in worker processes (progress labels, no nesting)


def _silent(_: str) -> None:
    pass


def execute(
    cfg: RunConfig, progress: Progress | None = None, notify: Notify | None = None
) -> dict[str, Any]:
    """Run the benchmark ``cfg`` describes on a pinned CPU; returns the result document.
    ``notify`` receives one-line notes while it runs (compiling, unstable repeats)."""
    notify = notify or _silent
    if cfg.processes > 1 and not os.environ.get(WORKER_ENV):
        return _run_in_workers(cfg, notify)
    return run_in_process(cfg, progress, notify)


def run_in_process(
    cfg: RunConfig, progress: Progress | None, notify: Notify, process: int = 0
) -> dict[str, Any]:
    """All cases in this process (warm-up + repeats each); records tagged ``process``."""
    prune_old_caches()
    cpu = choose_cpu(cfg.cpu)
    machine = machine_metadata()  # before pinning: a TSC calibration may run here
    pin_current_thread(cpu)
    skipped: list[str] = []
    cases = build_cases(cfg, skipped)
    check_timing_counts(cases)
    if process == 0:  # once per run, after every check passed
        for warning in measurement_warnings(machine):
            notify(f"WARNING: {warning}")
        for note in skipped:
            notify(note)
    with announce_compiles(notify):
        before = probe_clock()

        unstable: list[str] = []

        def case_done(result: CaseResult) -> None:
            unstable.extend(scatter_warnings(result.name, result.step, case_stats(result.runs)))

        results = run_all(
            cases, repeat=cfg.repeat, warmup=cfg.warmup, progress=progress, on_case=case_done
        )
        after = probe_clock()
    if unstable:
        notify(summarize(unstable, len(results)))
    for res in results:
        res.runs = [[replace(r, process=process) for r in run] for run in res.runs]
    machine["pinned_cpu"] = cpu
    info: dict[str, Any] = {
        "process": process,
        "pid": os.getpid(),
        "clock_before": before.to_dict(),
        "clock_after": after.to_dict(),
    }
    if "skbbench.harness.spin" in sys.modules:  # kernel-only costs were charged
        spin = sys.modules["skbbench.harness.spin"]
        machine["busy_wait_calibration"] = spin.calibration_report()
    machine["processes"] = [info]
    doc = build_document(cfg.NAME, cfg.to_dict(), results, machine, measurement_warnings(machine))
    doc["warnings"].extend(w for c in doc["cases"] for w in case_warnings(c))
    doc["warnings"].extend(skipped)
    return doc


def _run_worker(cfg: RunConfig, process: int) -> dict[str, Any]:
    """One worker process: the config in on stdin, the document (or an error) out on
    stdout; its stderr (progress, notes) goes straight to ours."""
    request = json.dumps({"config": cfg.to_dict(), "process": process})
    label = f"{process + 1}/{cfg.processes}" + (" (extra)" if process >= cfg.processes else "")
    env = {**os.environ, WORKER_ENV: label}
    proc = subprocess.run(
        [sys.executable, "-m", "skbbench.worker"],
        input=request,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    try:
        reply = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        reply = {}
    if "error" in reply:
        kind = ModelError if reply.get("exit_status") == ModelError.exit_status else UsageError
        raise kind(str(reply["error"]))
    if proc.returncode != 0 or "cases" not in reply:
        raise SkbbenchError(
            f"worker process {process + 1}/{cfg.processes} failed (exit status "
            f"{proc.returncode}): see its messages above"
        )
    doc: dict[str, Any] = reply
    return doc


def _run_in_workers(cfg: RunConfig, notify: Notify) -> dict[str, Any]:
    """``cfg.processes`` worker processes, and while fewer than that many ran within
    DISTURBED of the fastest (``skbbench.disturbance``) one more, at most
    ``cfg.processes`` more in all."""
    docs = [_run_worker(cfg, p) for p in range(cfg.processes)]
    merged = merge_clean(docs)
    while len(docs) < 2 * cfg.processes:
        slow = slow_processes(merged)
        if len(docs) - len(slow) >= cfg.processes:
            break
        notify(f"NOTE: {describe(slow, 'measuring in one more process')}")
        docs.append(_run_worker(cfg, len(docs)))
        merged = merge_clean(docs)
    between = [w for w in merged["warnings"] if w.startswith("unstable between processes")]
    if between:
        notify(summarize(between, len(merged["cases"])))
    return merged


def summarize(lines: list[str], cases: int) -> str:
    """One note for many "unstable" warnings: how many cases, and the first (all of them
    are in the result document's warnings)."""
    head = lines[0].split(": ", 1)[0]
    return (
        f"{head}: {len(lines)} of {cases} case(s), e.g. {lines[0].split(': ', 1)[1]} "
        "(all listed in the result's warnings)"
    )
