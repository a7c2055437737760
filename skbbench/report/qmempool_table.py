"""The qmempool before/after comparison, from a `qmempool` result document (no numba).

The seed post (../shared/seeds/001_3701a6e8fcb32e9d.txt) puts qmempool in front of the
skb kmem_cache and reports the saving per packet against SLUB: "saves 12 ns on
fast-path drop ... saves 40 ns with IP-forwarding, which were hitting the slower SLUB
use-case", measured by qmempool_bench, with the 10 Gbit/s wire-speed budget of 67.2 ns
per minimum-size packet as the yardstick. Here, per scenario: the SLUB model's cost
("before"), a qmempool variant's ("after"), the saving in cycles(tsc) and ns, and the
qmempool cost as a share of the 67.2 ns budget; the budget itself is a reference row
(also in cycles at this machine's TSC rate).

Per element = one alloc + one free. Single-CPU cases use the median repeat's Type-line
numbers (truncating cycles, like time_bench); parallel cases the median repeat's Sum
average (integer mean of the per-CPU cycles) and the mean of the per-CPU ns.

Also here (pure Python, imported at config time): the cross-key checks of the
``qmempool`` and ``alfq`` configs.
"""

from __future__ import annotations

from typing import Any

from skbbench.errors import UsageError
from skbbench.harness.record import calc_stats
from skbbench.results import case_runs

WIRE_SPEED_NS = 67.2  # 10 Gbit/s, 64-byte frames + 20 bytes preamble/IFG: 84 B * 8 / 10e9

# (row label, SLUB case name, qmempool case name, group)
PAIRS: tuple[tuple[str, str, str, str], ...] = tuple(
    [
        (
            f"fastpath reuse, {lbl}",
            "kmem fastpath reuse",
            f"qmempool fastpath {suffix}",
            "qmempool_bench",
        )
        for lbl, suffix in (
            ("exported BH-disable", "BH-disable"),
            ("inline BH-disable", "BH-disable+inline"),
            ("exported SOFTIRQ", "SOFTIRQ"),
            ("inline SOFTIRQ", "SOFTIRQ+inline"),
        )
    ]
    + [
        (
            f"N-pattern, {lbl}",
            "kmem alloc+free N-pattern",
            f"qmempool N-pattern{suffix}",
            "qmempool_bench",
        )
        for lbl, suffix in (
            ("exported BH-disable", ""),
            ("inline BH-disable", "+inline"),
            ("exported softirq", " softirq"),
            ("inline softirq", " softirq+inline"),
        )
    ]
    + [
        (
            "parallel fastpath, inline softirq",
            "benchmark_kmem_cache_fastpath_reuse",
            "parallel_qmempool_fastpath_reuse_softirq_inline",
            "qmempool_bench_parallel",
        ),
        (
            "parallel N-pattern, inline softirq",
            "parallel_kmem_cache_pattern",
            "parallel_qmempool_pattern_softirq_inline",
            "qmempool_bench_parallel",
        ),
    ]
    + [
        (
            f"single-CPU fastpath (parallel module), {lbl}",
            "kmem fastpath reuse",
            f"qmempool fastpath {suffix}",
            "qmempool_bench_parallel",
        )
        for lbl, suffix in (
            ("exported BH-disable", "BH-disable"),
            ("inline SOFTIRQ", "SOFTIRQ+inline"),
        )
    ]
    + [
        (
            f"single-CPU N-pattern (parallel module), {lbl}",
            "benchmark_kmem_cache_pattern",
            f"qmempool N-pattern{suffix}",
            "qmempool_bench_parallel",
        )
        for lbl, suffix in (("exported BH-disable", ""), ("inline softirq", " softirq+inline"))
    ]
)


# --------------------------------------------------------------------------------------
# Config checks (the registry's ``check`` hooks)


def _pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def check_ring(size: int, key: str) -> None:
    if not _pow2(size):
        raise UsageError(f"{key}: {size} is not a power of two (alf_queue_alloc: -EINVAL)")
    if size > 65536:
        raise UsageError(f"{key}: {size} is larger than the ALF maximum 65536")


def check_alfq_config(cfg: dict[str, Any]) -> None:
    ring = int(cfg.get("ring_size") or 512)
    check_ring(ring, "ring_size")
    check_ring(int(cfg.get("q_size") or 65536), "q_size")
    tests = cfg.get("tests") or []
    for b in cfg.get("bulk") or []:
        if b > ring and (not tests or "MPMC-bulk" in tests or "SPSC-bulk" in tests):
            raise UsageError(f"bulk: {b} is larger than the ring (ring_size {ring})")
    if ring < 128 and (not tests or {"ALF-MPMC-multi", "ALF-SPSC-multi"} & set(tests)):
        raise UsageError(
            f"ring_size: {ring} is smaller than the 128 elements of the -multi scenarios "
            "(leave them out with tests, or use a ring of at least 128)"
        )
    q = int(cfg.get("q_size") or 65536)
    pb = int(cfg.get("parallel_bulk") or 8)
    if pb > q:
        raise UsageError(f"parallel_bulk: {pb} is larger than the ring (q_size {q})")
    prefill = cfg.get("prefill")
    if prefill is not None and int(prefill) > q:
        raise UsageError(f"prefill: {prefill} is larger than q_size {q}")


def check_qmempool_config(cfg: dict[str, Any]) -> None:
    loops = int(cfg.get("loops") or 0)
    if loops * 30 > 2**32 - 1:
        raise UsageError(f"loops: {loops} x 30 overflows the 32-bit invoke count")


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


def render_kernel(doc: dict[str, Any]) -> list[str]:
    rows = comparison(doc)
    if not rows:
        return []
    lines = [
        "qmempool vs SLUB model (per element = alloc+free; saving = SLUB - qmempool;"
        f" budget = {WIRE_SPEED_NS} ns per packet at 10 Gbit/s wire speed)"
    ]
    for label, _slub, (ca, na), _qmp, (cb, nb) in rows:
        lines.append(
            f"{label}: SLUB {ca} cycles(tsc) {na:.3f} ns - qmempool {cb} cycles(tsc) "
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
    headers = [
        "scenario",
        "SLUB cycles(tsc)",
        "SLUB ns",
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
    return [("qmempool vs SLUB model: saving per element (alloc+free)", headers, out)]
