"""The `kernel` format: time_bench lines exactly as the modules print them.

For each case the printed Type line is the median repeat's (by cycles per element); a
parallel case prints its per-CPU lines and the `Sum Type:` line of the median repeat.
Benchmark-specific tables (before/after) come after, from the benchmark's render hook.
"""

from __future__ import annotations

from typing import Any

from skbbench.report.families import case_prefix, kernel_extras
from skbbench.results import case_runs
from skbbench.timebench import cpu_line, loop_messages, sum_line, type_line


def case_lines(case: dict[str, Any], doc: dict[str, Any] | None = None) -> list[str]:
    lines = list(case.get("messages") or [])
    runs = case_runs(case)
    if case.get("error") and not runs:
        return lines + [case["error"]]
    if not runs:
        return lines
    median = runs[case["stats"].get("median_run", 0)]
    name = case["name"]
    if case["kind"] == "parallel":
        for rec in median:
            st_lines = loop_messages(name, rec)
            lines.extend(m for m in st_lines if not m.startswith("WARNING: Invoke count"))
            lines.append(cpu_line(name, rec, rec.cpu))
        lines.append(sum_line(name, median))
    else:
        rec = median[0]
        lines.extend(case_prefix(doc or {}, case, rec))
        lines.extend(loop_messages(name, rec))
        lines.append(type_line(name, rec))
    if case.get("error"):
        lines.append(case["error"])
    return lines


def render_kernel(doc: dict[str, Any]) -> str:
    lines: list[str] = []
    for case in doc["cases"]:
        lines.extend(case_lines(case, doc))
    extra = kernel_extras(doc)
    if extra:
        lines.append("")
        lines.extend(extra)
    return "\n".join(lines) + "\n"
