"""The page benchmarks' module prints and summary tables, from a `pages` document.

page_bench01 prints ``alloc_pages order:%d(%luB/x%d) %llu cycles per-%luB %llu cycles``
before each ``alloc_pages_order_step`` Type line and page_bench02 ``N=%d outstanding
pages order:%d(%luB/x%d) %llu cycles per-%luB %llu cycles`` before each
``step_outstanding_pages`` line, with the cycles of the record they precede (here the
printed, median, repeat's). The tables: cycles per block and per 4 KiB page by order,
and cycles per page against the pages outstanding. No numba here.
"""

from __future__ import annotations

from typing import Any

from skbbench.document import Case, Document
from skbbench.report.kit import Table, median_point
from skbbench.specs.pages import MODULES, ORDER_STEP, OUTSTANDING, PAGE_BENCH01, PAGE_BENCH02
from skbbench.timebench import Record, calc_stats

PAGE_SIZE = 4096


def order_line(order: int, cycles: int) -> str:
    return (
        f"alloc_pages order:{order}({PAGE_SIZE << order}B/x{1 << order}) {cycles} cycles"
        f" per-{PAGE_SIZE}B {cycles >> order} cycles"
    )


def outstanding_line(n: int, order: int, cycles: int) -> str:
    return (
        f"N={n} outstanding pages order:{order}({PAGE_SIZE << order}B/x{1 << order}) "
        f"{cycles} cycles per-{PAGE_SIZE}B {cycles >> order} cycles"
    )


def case_prefix(case: Case, rec: Record) -> list[str]:
    """The module's line printed right before this case's Type line (from ``rec``)."""
    st = calc_stats(rec)
    if st.error:
        return []
    order = int(case.params.get("order", 0))
    if case.name == ORDER_STEP and case.params.get("module") == MODULES[PAGE_BENCH01]:
        return [f"{MODULES[PAGE_BENCH01]}: {order_line(order, st.tsc_cycles)}"]
    if case.name == OUTSTANDING:
        return [f"{MODULES[PAGE_BENCH02]}: {outstanding_line(case.step, order, st.tsc_cycles)}"]
    return []


def tables(doc: Document) -> list[Table]:
    out: list[Table] = []
    orders: list[list[Any]] = []
    outstanding: list[list[Any]] = []
    for case in doc.cases:
        point = median_point(case)
        if point is None:
            continue
        order = int(case.params.get("order", 0))
        if case.name == ORDER_STEP:
            orders.append([order, point.cycles, round(point.ns, 3), point.cycles >> order])
        elif case.name == OUTSTANDING:
            pa = case.counters.get("page_alloc", {})
            pages = max(1, int(pa.get("pgalloc", 0)))
            outstanding.append(
                [
                    case.step,
                    point.cycles,
                    round(point.ns, 3),
                    round(pa.get("zone_lock", 0) / pages, 4),
                ]
            )
    if orders:
        out.append(
            Table(
                "page_bench01 alloc_pages_order_step: cost per block and per 4 KiB",
                ["order", "cycles(tsc) per block", "ns per block", "cycles(tsc) per 4 KiB"],
                orders,
            )
        )
    if outstanding:
        out.append(
            Table(
                "page_bench02 step_outstanding_pages: cost per page against N outstanding "
                "(pcp high 186, batch 31)",
                ["N", "cycles(tsc) per page", "ns per page", "zone lock per page (last run)"],
                outstanding,
            )
        )
    return out
