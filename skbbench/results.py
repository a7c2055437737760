"""Result documents: what a run produced, with its context, as plain JSON-able data.

Reports and compare read documents only (never the model or numba). Shape (schema 1)::

    {
      "schema": 1, "skbbench": "<version>", "created": "<ISO-8601 UTC>",
      "command": "sample" | "bulk" | ...,
      "config": {...the resolved configuration...},
      "machine": {...skbbench.metadata.machine_metadata()...},
      "warnings": ["..."],
      "cases": [
        {"key": "...", "name": "<Type: name>", "kind": "single"|"parallel",
         "loops": N, "step": S, "group": "...", "params": {...},
         "runs": [[{record}, ...], ...],     # every repeat's raw windows, per CPU
         "stats": {"cycles": {min, median, mean, max, stddev},
                   "ns": {...}, "median_run": i, "repeats": R},
         "counters": {...}, "messages": [...], "error": null | "..."}
      ]
    }
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from skbbench import __version__
from skbbench.harness.record import Record
from skbbench.harness.runner import CaseResult

SCHEMA_VERSION = 1


def run_values(run: list[Record]) -> tuple[float, float]:
    """(cycles, ns) per element of one repeat; a parallel repeat averages its CPUs."""
    cyc = [r.tsc_interval / r.invoked for r in run if r.invoked > 0]
    ns = [r.time_interval / r.invoked for r in run if r.invoked > 0]
    if not cyc:
        return 0.0, 0.0
    return sum(cyc) / len(cyc), sum(ns) / len(ns)


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "mean": statistics.fmean(values),
        "max": max(values),
        "stddev": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def median_index(values: list[float]) -> int:
    """Index of the median repeat (the lower middle one for an even count)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    return order[(len(order) - 1) // 2] if order else 0


def case_stats(runs: list[list[Record]]) -> dict[str, Any]:
    pairs = [run_values(run) for run in runs]
    cycles = [p[0] for p in pairs]
    ns = [p[1] for p in pairs]
    return {
        "cycles": _summary(cycles),
        "ns": _summary(ns),
        "median_run": median_index(cycles),
        "repeats": len(runs),
    }


def case_to_dict(res: CaseResult) -> dict[str, Any]:
    return {
        "key": res.key,
        "name": res.name,
        "kind": res.kind,
        "loops": res.loops,
        "step": res.step,
        "group": res.group,
        "params": res.params,
        "runs": [[r.to_dict() for r in run] for run in res.runs],
        "stats": case_stats(res.runs),
        "counters": res.counters,
        "messages": res.messages,
        "error": res.error,
    }


def case_runs(case: dict[str, Any]) -> list[list[Record]]:
    return [[Record.from_dict(r) for r in run] for run in case.get("runs", [])]


def build_document(
    command: str,
    config: dict[str, Any],
    results: list[CaseResult],
    machine: dict[str, Any],
    warnings: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "skbbench": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "config": config,
        "machine": machine,
        "warnings": list(warnings or []),
        "cases": [case_to_dict(r) for r in results],
    }


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same directory and a rename:
    a crash or Ctrl-C leaves either the old file or the new one, never a truncated one."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def dump_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"
