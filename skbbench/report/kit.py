"""What every family's report shares: a case's printed point (the median repeat's
time_bench figures), the posts' before/after rows, the 10 Gbit/s budget, and the typed
table the text formats render. No numba here: documents only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from skbbench.document import Case, Document
from skbbench.timebench import calc_stats

# The seed posts' network budget: 10 Gbit/s, 64-byte frames + 20 bytes preamble/IFG,
# 84 B * 8 / 10 Gbit/s per packet.
WIRE_SPEED_NS = 67.2


@dataclass(frozen=True)
class Point:
    """A case as its report prints it, from the median repeat: cycles(tsc) per element as
    time_bench truncates them (a parallel case: the ``Sum Type:`` average), ns per element
    as text (time_bench's 3-digit decimal; a parallel case: the mean of its CPUs) and as a
    number."""

    cycles: int
    ns_text: str
    ns: float


def median_point(case: Case) -> Point | None:
    """The case's printed point, or None when it failed or time_bench could not compute
    it (too few elements, a zero interval)."""
    rep = case.median_repeat()
    if rep is None or case.error or not rep.records:
        return None
    stats = [calc_stats(r) for r in rep.records]
    if any(st.error for st in stats):
        return None
    if not case.parallel:
        st, rec = stats[0], rep.records[0]
        text = f"{st.ns_per_call_quotient}.{st.ns_per_call_decimal:03d}"
        return Point(st.tsc_cycles, text, rec.time_interval / rec.invoked)
    cycles = sum(st.tsc_cycles for st in stats) // len(stats)
    ns = sum(r.time_interval / r.invoked for r in rep.records) / len(rep.records)
    return Point(cycles, f"{ns:.3f}", ns)


# --------------------------------------------------------------------------------------
# Before/after (the posts' "<key> - A - B - improved z%" tables)

Row = tuple[Any, Point | None, Point | None]


def improved(a_cycles: int, b_cycles: int) -> str:
    """``improved <z.z>%`` with z = (A - B) / A on the printed (integer) cycles."""
    if a_cycles == 0:
        return "improved n/a"
    return f"improved {(a_cycles - b_cycles) / a_cycles * 100:.1f}%"


def improved_pct(a: Point | None, b: Point | None) -> float | str:
    """(A - B) / A in percent, one decimal, or "" when either is missing."""
    if a is None or b is None or not a.cycles:
        return ""
    return round((a.cycles - b.cycles) / a.cycles * 100, 1)


def pair_rows(items: Iterable[tuple[Any, str, Point | None]], a: str, b: str) -> list[Row]:
    """(key, A's point, B's point) per key in first-seen order, from (key, variant, point)
    items (the first item of a key and variant counts); keys with neither are left out."""
    found: dict[tuple[Any, str], Point | None] = {}
    keys: list[Any] = []
    for key, variant, point in items:
        if (key, variant) in found:
            continue
        found[(key, variant)] = point
        if key not in keys and variant in (a, b):
            keys.append(key)
    rows = [(k, found.get((k, a)), found.get((k, b))) for k in keys]
    return [r for r in rows if r[1] is not None or r[2] is not None]


def header_line(head: str, label_a: str, label_b: str) -> str:
    """``<head>- A - B`` (``bulk- Bulk-API-before - Bulk-API with patchset``)."""
    return f"{head}- {label_a} - {label_b}"


def row_line(key: Any, a: Point, b: Point, verdict: str | None = None) -> str:
    """``<key> - <c> cycles(tsc) <x.xxx> ns - <c> cycles(tsc) <y.yyy> ns - improved <z.z>%``."""
    return (
        f"{key} - {a.cycles} cycles(tsc) {a.ns_text} ns - {b.cycles} cycles(tsc) {b.ns_text} ns"
        f" - {verdict or improved(a.cycles, b.cycles)}"
    )


def missing_line(key: Any, a: Point | None, b: Point | None) -> str:
    def show(p: Point | None) -> str:
        return "missing" if p is None else f"{p.cycles} cycles(tsc)"

    return f"{key} - {show(a)} - {show(b)}"


def kernel_table(head: str, rows: list[Row], label_a: str, label_b: str) -> list[str]:
    """The posts' table: the header line, then one line per row."""
    lines = [header_line(head, label_a, label_b)]
    for key, a, b in rows:
        lines.append(row_line(key, a, b) if a and b else missing_line(key, a, b))
    return lines


def table_rows(rows: list[Row]) -> list[list[Any]]:
    """The same rows for tabulate: key, A cycles, A ns, B cycles, B ns, improved %."""
    out = []
    for key, a, b in rows:
        out.append(
            [
                key,
                a.cycles if a else "",
                a.ns_text if a else "",
                b.cycles if b else "",
                b.ns_text if b else "",
                improved_pct(a, b),
            ]
        )
    return out


def table_headers(key: str, a: str, b: str) -> list[str]:
    return [key, f"{a} cycles(tsc)", f"{a} ns", f"{b} cycles(tsc)", f"{b} ns", "improved %"]


# --------------------------------------------------------------------------------------
# The 10 Gbit/s budget


def budget_cycles(doc: Document) -> int | None:
    """WIRE_SPEED_NS in cycles(tsc) at the document's TSC rate (None without one)."""
    mhz = doc.machine.tsc_mhz
    return int(WIRE_SPEED_NS * mhz / 1000) if mhz else None


def budget_text(doc: Document) -> str:
    """``67.200 ns = 174 cycles(tsc) at 2596 MHz``."""
    bc = budget_cycles(doc)
    at = f" = {bc} cycles(tsc) at {doc.machine.tsc_mhz:.0f} MHz" if bc is not None else ""
    return f"{WIRE_SPEED_NS:.3f} ns{at}"


def pps(ns: float) -> str:
    """Packets per second per core at ``ns`` per packet."""
    return f"{1e3 / ns:.2f} Mpps" if ns > 0 else "n/a"


def budget_share(ns: float) -> float:
    """Percent of the wire-speed budget ``ns`` takes."""
    return ns / WIRE_SPEED_NS * 100


# --------------------------------------------------------------------------------------
# Tables for the table, markdown formats


@dataclass(frozen=True)
class Table:
    """A family's table: rendered with tabulate by the table and markdown formats."""

    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
