"""The router vs host table of the `recycle` experiment (docs/recycle.md).

Per workload, one row per delay (the router's TX completion delay, the host's mean
holding delay): for each strategy the cycles(tsc) and ns per page of the printed (median)
repeat, and the page allocator's pages allocated and freed per packet in that run's
window (both simulated CPUs; the tables' "pages/pkt" is their sum), then the cheapest
strategy; a line says where the winner
changes as the delay grows. No numba here.
"""

from __future__ import annotations

from typing import Any

from skbbench.document import Case, Document
from skbbench.report.kit import Table, median_point
from skbbench.specs.recycle import STRATEGIES, STRATEGY_LABELS, WORKLOADS

WORKLOAD_TEXT = {
    "router": "router: pages released at TX completion on the RX CPU (softirq), delay fixed",
    "host": "host: pages released by an application on CPU 1, exponential delay of this mean",
}

Cell = dict[str, float]


def _cell(case: Case) -> Cell | None:
    point, rep = median_point(case), case.median_repeat()
    if point is None or rep is None:
        return None
    window = case.counters.get("window", {})
    alloc = sum(v.get("pgalloc", 0) for k, v in window.items() if k.startswith("page_alloc"))
    free = sum(v.get("pgfree", 0) for k, v in window.items() if k.startswith("page_alloc"))
    n = rep.records[0].invoked
    return {"cycles": point.cycles, "ns": point.ns, "alloc": alloc / n, "free": free / n}


def grid(doc: Document) -> dict[str, dict[int, dict[str, Cell]]]:
    """workload -> delay -> strategy -> cell."""
    out: dict[str, dict[int, dict[str, Cell]]] = {}
    for case in doc.cases:
        p = case.params
        if "workload" not in p:
            continue
        cell = _cell(case)
        if cell is None:
            continue
        out.setdefault(p["workload"], {}).setdefault(int(p["delay"]), {})[p["strategy"]] = cell
    return out


def winner(cells: dict[str, Cell]) -> str:
    return min(cells, key=lambda s: (cells[s]["cycles"], cells[s]["ns"]))


def changes(rows: dict[int, dict[str, Cell]]) -> list[str]:
    """'delay a -> b: X -> Y' wherever the cheapest strategy changes along the sweep."""
    out = []
    prev: tuple[int, str] | None = None
    for delay in sorted(rows):
        w = winner(rows[delay])
        if prev is not None and w != prev[1]:
            out.append(f"{prev[0]} -> {delay}: {STRATEGY_LABELS[prev[1]]} -> {STRATEGY_LABELS[w]}")
        prev = (delay, w)
    return out


def _strategies(rows: dict[int, dict[str, Cell]]) -> list[str]:
    present = {s for cells in rows.values() for s in cells}
    return [s for s in STRATEGIES if s in present]


def kernel_lines(doc: Document) -> list[str]:
    g = grid(doc)
    lines: list[str] = []
    for workload in WORKLOADS:
        rows = g.get(workload)
        if not rows:
            continue
        lines.append(
            f"{WORKLOAD_TEXT[workload]} (per page: cycles(tsc), ns, page allocator pages "
            "allocated/freed per packet)"
        )
        for delay in sorted(rows):
            cells = rows[delay]
            parts = [
                f"{STRATEGY_LABELS[s]} {c['cycles']} cycles(tsc) {c['ns']:.3f} ns "
                f"alloc {c['alloc']:.3f} free {c['free']:.3f}"
                for s in _strategies(rows)
                if (c := cells.get(s)) is not None
            ]
            lines.append(
                f"delay {delay}: "
                + " | ".join(parts)
                + f" - cheapest: {STRATEGY_LABELS[winner(cells)]}"
            )
        ch = changes(rows)
        lines.append(
            f"{workload}: the cheapest strategy changes at delay " + "; ".join(ch)
            if ch
            else f"{workload}: the cheapest strategy is the same at every delay"
        )
    return lines


def tables(doc: Document) -> list[Table]:
    g = grid(doc)
    out: list[Table] = []
    for workload in WORKLOADS:
        rows = g.get(workload)
        if not rows:
            continue
        strategies = _strategies(rows)
        headers = ["delay"]
        for s in strategies:
            label = STRATEGY_LABELS[s]
            headers += [f"{label} cycles", f"{label} ns", f"{label} pages/pkt"]
        headers.append("cheapest")
        body: list[list[Any]] = []
        for delay in sorted(rows):
            cells = rows[delay]
            row: list[Any] = [delay]
            for s in strategies:
                c = cells.get(s)
                row += (
                    [c["cycles"], round(c["ns"], 3), round(c["alloc"] + c["free"], 3)]
                    if c
                    else ["", "", ""]
                )
            row.append(STRATEGY_LABELS[winner(cells)])
            body.append(row)
        title = WORKLOAD_TEXT[workload]
        ch = changes(rows)
        if ch:
            title += " -- cheapest changes at " + "; ".join(ch)
        out.append(Table(title, headers, body))
    return out
