"""The gain tables of the slub_kunit batch benchmark, from a `batch` result document.

Per free order, one table per allocator after the first (the base), one row per batch
size: the base's cycles(tsc) and ns per alloc+free pair, the other's, and ``gain`` =
(base - other) / base on the printed cycles, one decimal::

    batch- SLUB v4.4 -> SLUB v7.0 sheaves (order fifo; gain = (base - sheaves) / base)
    1 - 70 cycles(tsc) 28.600 ns -> 52 cycles(tsc) 21.200 ns - gain 25.7%

No numba here: documents only.
"""

from __future__ import annotations

from skbbench.document import Case, Document
from skbbench.report.kit import Row, Table, median_point, pair_rows
from skbbench.specs.batch import ALLOCATOR_LABELS, BatchConfig


def _config(doc: Document) -> BatchConfig:
    cfg = doc.run_config()
    assert isinstance(cfg, BatchConfig)
    return cfg


def gain(base: int, other: int) -> float | None:
    """(base - other) / base in percent, one decimal; None for a zero base."""
    return round((base - other) / base * 100, 1) if base else None


def _rows(doc: Document, order: str, base: str, other: str) -> list[Row]:
    def mine(c: Case) -> bool:
        return c.params.get("order") == order and not c.parallel

    items = [
        (c.step, str(c.params.get("allocator")), median_point(c)) for c in doc.cases if mine(c)
    ]
    return pair_rows(items, base, other)


def comparisons(doc: Document) -> list[tuple[str, str, str, list[Row]]]:
    """(order, base, other, rows) for every order and every allocator after the first."""
    cfg = _config(doc)
    base = cfg.allocator[0]
    out = []
    for order in cfg.order:
        for other in cfg.allocator[1:]:
            rows = _rows(doc, order, base, other)
            if rows:
                out.append((order, base, other, rows))
    return out


def kernel_lines(doc: Document) -> list[str]:
    lines: list[str] = []
    for order, base, other, rows in comparisons(doc):
        lines += [
            "",
            f"batch- {ALLOCATOR_LABELS[base]} -> {ALLOCATOR_LABELS[other]} (order {order}; "
            "gain = (base - other) / base)",
        ]
        for key, a, b in rows:
            if a is None or b is None:
                lines.append(
                    f"{key} - {'missing' if a is None else a.cycles} -> "
                    f"{'missing' if b is None else b.cycles}"
                )
                continue
            g = gain(a.cycles, b.cycles)
            lines.append(
                f"{key} - {a.cycles} cycles(tsc) {a.ns_text} ns -> {b.cycles} cycles(tsc) "
                f"{b.ns_text} ns - gain {'n/a' if g is None else f'{g:.1f}%'}"
            )
    return lines


def tables(doc: Document) -> list[Table]:
    out = []
    for order, base, other, rows in comparisons(doc):
        a_label, b_label = ALLOCATOR_LABELS[base], ALLOCATOR_LABELS[other]
        body = []
        for key, a, b in rows:
            g = gain(a.cycles, b.cycles) if a and b else None
            body.append(
                [
                    key,
                    a.cycles if a else "",
                    a.ns_text if a else "",
                    b.cycles if b else "",
                    b.ns_text if b else "",
                    "" if g is None else g,
                ]
            )
        headers = [
            "batch",
            f"{a_label} cycles(tsc)",
            f"{a_label} ns",
            f"{b_label} cycles(tsc)",
            f"{b_label} ns",
            "gain %",
        ]
        out.append(Table(f"batch- {a_label} -> {b_label} (order {order})", headers, body))
    return out
