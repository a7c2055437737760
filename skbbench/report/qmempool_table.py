"""The qmempool vs SLUB saving table of the qmempool post, from a `qmempool` document.

The post puts qmempool in front of the skb kmem_cache and reports the saving per packet
against SLUB, with the 10 Gbit/s wire-speed budget of 67.2 ns per minimum-size packet as
the yardstick. Per scenario: the SLUB model's cost, a qmempool variant's, the saving in
cycles(tsc) and ns, and the qmempool cost as a share of the budget. Per element = one
alloc + one free. Single-CPU cases use the median repeat's Type-line numbers; parallel
cases the median repeat's Sum average and the mean of the per-CPU ns (skbbench.report.kit).
No numba here.
"""

from __future__ import annotations

from typing import Any

from skbbench.document import Case, Document
from skbbench.report.kit import (
    WIRE_SPEED_NS,
    Point,
    Table,
    budget_cycles,
    budget_text,
    median_point,
)
from skbbench.specs.qmempool import (
    ALLOCATOR_LABELS,
    FASTPATH_NAMES,
    GROUP_BENCH,
    GROUP_PARALLEL,
    KMEM_FASTPATH,
    KMEM_PATTERN,
    NORMAL,
    NORMAL_INLINE,
    P_KMEM_FASTPATH,
    P_KMEM_PATTERN,
    P_QMEMPOOL_FASTPATH,
    P_QMEMPOOL_PATTERN,
    PATTERN_NAMES,
    S_KMEM_PATTERN,
    SOFTIRQ,
    SOFTIRQ_INLINE,
    QmempoolConfig,
)

# (row label, SLUB case name, qmempool case name, group): names from the spec
PAIRS: tuple[tuple[str, str, str, str], ...] = tuple(
    [
        (f"fastpath reuse, {lbl}", KMEM_FASTPATH, FASTPATH_NAMES[v], GROUP_BENCH)
        for lbl, v in (
            ("exported BH-disable", NORMAL),
            ("inline BH-disable", NORMAL_INLINE),
            ("exported SOFTIRQ", SOFTIRQ),
            ("inline SOFTIRQ", SOFTIRQ_INLINE),
        )
    ]
    + [
        (f"N-pattern, {lbl}", KMEM_PATTERN, PATTERN_NAMES[v], GROUP_BENCH)
        for lbl, v in (
            ("exported BH-disable", NORMAL),
            ("inline BH-disable", NORMAL_INLINE),
            ("exported softirq", SOFTIRQ),
            ("inline softirq", SOFTIRQ_INLINE),
        )
    ]
    + [
        (
            "parallel fastpath, inline softirq",
            P_KMEM_FASTPATH,
            P_QMEMPOOL_FASTPATH,
            GROUP_PARALLEL,
        ),
        ("parallel N-pattern, inline softirq", P_KMEM_PATTERN, P_QMEMPOOL_PATTERN, GROUP_PARALLEL),
    ]
    + [
        (
            f"single-CPU fastpath (parallel module), {lbl}",
            KMEM_FASTPATH,
            FASTPATH_NAMES[v],
            GROUP_PARALLEL,
        )
        for lbl, v in (("exported BH-disable", NORMAL), ("inline SOFTIRQ", SOFTIRQ_INLINE))
    ]
    + [
        (
            f"single-CPU N-pattern (parallel module), {lbl}",
            S_KMEM_PATTERN,
            PATTERN_NAMES[v],
            GROUP_PARALLEL,
        )
        for lbl, v in (("exported BH-disable", NORMAL), ("inline softirq", SOFTIRQ_INLINE))
    ]
)


# --------------------------------------------------------------------------------------
# Numbers from a document

Pair = tuple[str, str, Point, str, Point]


def comparison(doc: Document) -> list[Pair]:
    """Rows (label, SLUB name, its point, qmempool name, its point)."""
    idx: dict[tuple[str, str], Case] = {}
    for case in doc.cases:
        idx.setdefault((case.group, case.name), case)
    rows = []
    for label, slub, qmp, group in PAIRS:
        a, b = idx.get((group, slub)), idx.get((group, qmp))
        if a is None or b is None:
            continue
        va, vb = median_point(a), median_point(b)
        if va is None or vb is None:
            continue
        if a.parallel:
            cpus = len(a.params.get("cpus", [])) or "?"
            label = f"{label} ({cpus} CPUs)"
        rows.append((label, slub, va, qmp, vb))
    return rows


# --------------------------------------------------------------------------------------
# Rendering


def allocator_label(doc: Document) -> str:
    """SLUB, SLAB, SLUB v7.0 sheaves ...: the allocator model behind the pool in this run."""
    cfg = doc.run_config()
    assert isinstance(cfg, QmempoolConfig)
    return ALLOCATOR_LABELS.get(cfg.allocator, cfg.allocator)


def kernel_lines(doc: Document) -> list[str]:
    rows = comparison(doc)
    if not rows:
        return []
    k = allocator_label(doc)
    lines = [
        f"qmempool vs {k} model (per element = alloc+free; saving = {k} - qmempool;"
        f" budget = {WIRE_SPEED_NS} ns per packet at 10 Gbit/s wire speed)"
    ]
    for label, _slub, a, _qmp, b in rows:
        lines.append(
            f"{label}: {k} {a.cycles} cycles(tsc) {a.ns:.3f} ns - qmempool {b.cycles} cycles(tsc) "
            f"{b.ns:.3f} ns - saving {a.cycles - b.cycles} cycles(tsc) {a.ns - b.ns:.3f} ns"
            f" - qmempool uses {b.ns / WIRE_SPEED_NS * 100:.1f}% of the budget"
        )
    lines.append(
        f"10 Gbit/s wire speed, minimum-size packets: budget {budget_text(doc)} per packet"
    )
    return lines


def tables(doc: Document) -> list[Table]:
    rows = comparison(doc)
    if not rows:
        return []
    k = allocator_label(doc)
    headers = [
        "scenario",
        f"{k} cycles(tsc)",
        f"{k} ns",
        "qmempool cycles(tsc)",
        "qmempool ns",
        "saving cycles(tsc)",
        "saving ns",
        "qmempool % of budget",
    ]
    out: list[list[Any]] = []
    for label, _slub, a, _qmp, b in rows:
        out.append(
            [
                label,
                a.cycles,
                round(a.ns, 3),
                b.cycles,
                round(b.ns, 3),
                a.cycles - b.cycles,
                round(a.ns - b.ns, 3),
                round(b.ns / WIRE_SPEED_NS * 100, 1),
            ]
        )
    bc = budget_cycles(doc)
    out.append(
        ["10 Gbit/s wire-speed budget (64 B packets)", "", "", "", "", "", ""]
        + [f"{WIRE_SPEED_NS} ns" + (f" = {bc} cycles(tsc)" if bc is not None else "")]
    )
    return [Table(f"qmempool vs {k} model: saving per element (alloc+free)", headers, out)]
