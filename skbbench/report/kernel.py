"""The `kernel` format: time_bench lines exactly as the modules print them.

For each case the printed Type line is the median repeat's (by cycles per element); a
parallel case prints its per-CPU lines and the `Sum Type:` line of the median repeat.
Family-specific tables (before/after) come after, from the family's report.
"""

from __future__ import annotations

from skbbench.document import Case, Document
from skbbench.report.families import case_prefix, kernel_extras
from skbbench.timebench import cpu_line, loop_messages, sum_line, type_line


def case_lines(case: Case, doc: Document | None = None) -> list[str]:
    lines = list(case.messages)
    median = case.median_repeat()
    if median is None:
        return lines + ([case.error] if case.error else [])
    name = case.name
    if case.parallel:
        for rec in median.records:
            st_lines = loop_messages(name, rec)
            lines.extend(m for m in st_lines if not m.startswith("WARNING: Invoke count"))
            lines.append(cpu_line(name, rec, rec.cpu))
        lines.append(sum_line(name, list(median.records)))
    else:
        rec = median.records[0]
        if doc is not None:
            lines.extend(case_prefix(doc, case, rec))
        lines.extend(loop_messages(name, rec))
        lines.append(type_line(name, rec))
    if case.error:
        lines.append(case.error)
    return lines


def render_kernel(doc: Document) -> str:
    lines: list[str] = []
    for case in doc.cases:
        lines.extend(case_lines(case, doc))
    extra = kernel_extras(doc)
    if extra:
        lines.append("")
        lines.extend(extra)
    return "\n".join(lines) + "\n"
