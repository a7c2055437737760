"""Render a :class:`skbbench.history.History` in the global --format: one row per case
(its runs, change points and latest level) as a text or markdown table, CSV, or the whole
history as JSON/YAML."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from skbbench.history import CaseHistory, History

HEADERS = ["case", "runs", "first", "last", "change points", "latest"]


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def steps_text(history: History, c: CaseHistory) -> str:
    """``run 6 (b.json): +10.2% p=0.005; ...`` or ``none``."""
    if not c.steps:
        return "none"
    return "; ".join(
        f"run {s.run + 1} ({history.runs[s.run].label}): {s.change * 100:+.1f}% p={s.p_value:.3f}"
        for s in c.steps
    )


def case_row(history: History, c: CaseHistory) -> list[str]:
    known = [v for v in c.values if v is not None]
    return [
        c.name if c.name == c.key else c.key,
        f"{len(known)}/{len(c.values)}",
        _num(known[0] if known else None),
        _num(known[-1] if known else None),
        steps_text(history, c),
        c.trend.value,
    ]


def header_lines(history: History) -> list[str]:
    o = history.options
    return [
        f"{len(history.runs)} runs ordered by {history.ordered_by}: "
        + ", ".join(r.label for r in history.runs),
        f"value: the median over worker processes of each process's {o.stat.value}, "
        f"{history.unit} per element; change points: E-divisive means, permutation test "
        f"({o.permutations} permutations) at alpha {o.alpha:g}, kept when the level moves "
        f"by at least {o.min_effect * 100:g}%",
    ]


def summary_line(history: History) -> str:
    regs = history.regressions()
    moved = sum(1 for c in history.cases if c.steps)
    head = f"{len(history.cases)} cases, {moved} with change points"
    if regs:
        return f"{head} -> REGRESSION: the latest level of {len(regs)} case(s) is slower"
    return f"{head} -> no regression in the latest levels"


def render_history(history: History, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(history.to_dict(), indent=1) + "\n"
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(history.to_dict(), sort_keys=False, width=100))
    rows = [case_row(history, c) for c in history.cases]
    if fmt == "csv":
        return _csv(history)
    from tabulate import tabulate

    tablefmt = "github" if fmt == "markdown" else "simple"
    table = tabulate(rows, headers=HEADERS, tablefmt=tablefmt, disable_numparse=True)
    return "\n".join([*header_lines(history), "", table, "", summary_line(history)]) + "\n"


def _csv(history: History) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["key", "run", "label", "value", "change_point", "change_percent", "p"])
    for c in history.cases:
        at = {s.run: s for s in c.steps}
        for i, v in enumerate(c.values):
            s = at.get(i)
            row: list[Any] = [c.key, i + 1, history.runs[i].label, "" if v is None else f"{v:.6g}"]
            row += [1, f"{s.change * 100:.3g}", f"{s.p_value:.3g}"] if s else [0, "", ""]
            writer.writerow(row)
    return buf.getvalue()
