"""The qmempool vs SLUB saving table of the qmempool post, from a `qmempool` document.

The post puts qmempool in front of the skb kmem_cache and reports the saving per packet
against SLUB, with the 10 Gbit/s wire-speed budget of 67.2 ns per minimum-size packet as
the yardstick. Per scenario: the SLUB model's cost, a qmempool variant's, the saving in
cycles(tsc) and ns, and the qmempool cost as a share of the budget. Per element = one
alloc + one free. Single-CPU cases use the median repeat's Type-line numbers; parallel
cases the median repeat's Sum average and the mean of the per-CPU ns. No numba here.
"""

from __future__ import annotations

from typing import Any

from skbbench.config import document_config
from skbbench.results import case_runs
from skbbench.specs.qmempool import (
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
from skbbench.timebench import calc_stats

WIRE_SPEED_NS = 67.2  # 10 Gbit/s, 64-byte frames + 20 bytes preamble/IFG: 84 B * 8 / 10e9

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


def _case_value(case: dict[str, Any]) -> tuple[int, float] | None:
    """(cycles, ns) per element of the median repeat, or None if not computable."""
    runs = case_runs(case)
    if not runs or case.get("error"):
        return None
    recs = runs[case.get("stats", {}).get("median_run", 0)]
    stats = [calc_stats(r) for r in recs]
    if any(st.error for st in stats):
        return None
    cycles = sum(st.tsc_cycles for st in stats) // len(stats)
    ns = sum(r.time_interval / r.invoked for r in recs) / len(recs)
    return cycles, ns


def _index(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for case in doc.get("cases", []):
        key = (case.get("group", ""), case["name"])
        out.setdefault(key, case)
    return out


def comparison(
    doc: dict[str, Any],
) -> list[tuple[str, str, tuple[int, float], str, tuple[int, float]]]:
    """Rows (label, SLUB name, (cycles, ns), qmempool name, (cycles, ns))."""
    idx = _index(doc)
    rows = []
    for label, slub, qmp, group in PAIRS:
        a, b = idx.get((group, slub)), idx.get((group, qmp))
        if a is None or b is None:
            continue
        va, vb = _case_value(a), _case_value(b)
        if va is None or vb is None:
            continue
        if a.get("kind") == "parallel":
            cpus = len(a.get("params", {}).get("cpus", [])) or "?"
            label = f"{label} ({cpus} CPUs)"
        rows.append((label, slub, va, qmp, vb))
    return rows


def tsc_mhz(doc: dict[str, Any]) -> float | None:
    mhz = doc.get("machine", {}).get("tsc_mhz")
    return float(mhz) if mhz else None


def budget_cycles(doc: dict[str, Any]) -> int | None:
    mhz = tsc_mhz(doc)
    return int(WIRE_SPEED_NS * mhz / 1000) if mhz else None


# --------------------------------------------------------------------------------------
# Rendering


def allocator_label(doc: dict[str, Any]) -> str:
    """SLUB or SLAB: the allocator model behind the pool in this run."""
    cfg = document_config(doc)
    assert isinstance(cfg, QmempoolConfig)
    return cfg.allocator.upper()


def render_kernel(doc: dict[str, Any]) -> list[str]:
    rows = comparison(doc)
    if not rows:
        return []
    k = allocator_label(doc)
    lines = [
        f"qmempool vs {k} model (per element = alloc+free; saving = {k} - qmempool;"
        f" budget = {WIRE_SPEED_NS} ns per packet at 10 Gbit/s wire speed)"
    ]
    for label, _slub, (ca, na), _qmp, (cb, nb) in rows:
        lines.append(
            f"{label}: {k} {ca} cycles(tsc) {na:.3f} ns - qmempool {cb} cycles(tsc) "
            f"{nb:.3f} ns - saving {ca - cb} cycles(tsc) {na - nb:.3f} ns"
            f" - qmempool uses {nb / WIRE_SPEED_NS * 100:.1f}% of the budget"
        )
    bc = budget_cycles(doc)
    cyc = f" = {bc} cycles(tsc) at {tsc_mhz(doc):.0f} MHz" if bc is not None else ""
    lines.append(
        f"10 Gbit/s wire speed, minimum-size packets: budget {WIRE_SPEED_NS:.3f} ns{cyc} per packet"
    )
    return lines


def render_tables(doc: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
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
    for label, _slub, (ca, na), _qmp, (cb, nb) in rows:
        out.append(
            [
                label,
                ca,
                round(na, 3),
                cb,
                round(nb, 3),
                ca - cb,
                round(na - nb, 3),
                round(nb / WIRE_SPEED_NS * 100, 1),
            ]
        )
    bc = budget_cycles(doc)
    out.append(
        [
            "10 Gbit/s wire-speed budget (64 B packets)",
            "",
            "",
            "",
            "",
            "",
            "",
            f"{WIRE_SPEED_NS} ns" + (f" = {bc} cycles(tsc)" if bc is not None else ""),
        ]
    )
    return [(f"qmempool vs {k} model: saving per element (alloc+free)", headers, out)]
