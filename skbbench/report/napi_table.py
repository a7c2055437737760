"""The `napi` tables, from a result document: the seed posts' before/after table for
``--compare A,B`` (one row per workload: cycles, ns and improved % per packet), the
10 Gbit/s wire-speed budget (67.2 ns per minimum-size packet) with packets per second per
core at each measured cost, and the per-packet counters that show the mechanism (slab
fast/slow paths, __slab_free calls and objects per call, the skb layer's bulk calls,
page allocator calls, page_frag refills). No numba here: documents only.
"""

from __future__ import annotations

from typing import Any

from skbbench.config import document_config
from skbbench.report.bulk_table import improved
from skbbench.results import case_runs
from skbbench.specs.napi import LABELS, WIRE_SPEED_NS, NapiConfig
from skbbench.timebench import calc_stats

Row = tuple[str, tuple[int, str] | None, tuple[int, str] | None]


def _config(doc: dict[str, Any]) -> NapiConfig:
    cfg = document_config(doc)
    assert isinstance(cfg, NapiConfig)
    return cfg


def _median(case: dict[str, Any]) -> tuple[int, str, float] | None:
    """(cycles, "x.xxx" ns, ns) per packet of the median repeat (first CPU for threads)."""
    runs = case_runs(case)
    if not runs or case.get("error"):
        return None
    rec = runs[case.get("stats", {}).get("median_run", 0)][0]
    st = calc_stats(rec)
    if st.error:
        return None
    ns = rec.time_interval / rec.invoked if rec.invoked else 0.0
    return st.tsc_cycles, f"{st.ns_per_call_quotient}.{st.ns_per_call_decimal:03d}", ns


def _single_cases(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for c in doc.get("cases", [])
        if c.get("kind") == "single" and "workload" in c.get("params", {})
    ]


def comparison(doc: dict[str, Any]) -> tuple[str, str, list[Row]]:
    """(A, B, rows) with rows = (workload, (cycles, ns) of A or None, ... of B)."""
    cfg = _config(doc)
    a, b = cfg.compare[0], cfg.compare[1]
    found: dict[tuple[str, str], tuple[int, str] | None] = {}
    workloads: list[str] = []
    for case in _single_cases(doc):
        p = case["params"]
        m = _median(case)
        found[(p["workload"], p["variant"])] = (m[0], m[1]) if m else None
        if p["workload"] not in workloads:
            workloads.append(p["workload"])
    rows = [(w, found.get((w, a)), found.get((w, b))) for w in workloads]
    return a, b, [r for r in rows if r[1] is not None or r[2] is not None]


def per_packet(counters: dict[str, Any]) -> dict[str, float]:
    """The mechanism per received packet, from a case's counters."""
    napi = counters.get("napi", {})
    pkts = napi.get("rx_packets", 0)
    if not pkts:
        return {}
    pa = counters.get("page_alloc", {})
    if "slab_stats" in counters:  # the SLAB model: array-cache hits and misses
        slab = counters["slab_stats"]
        events = counters.get("model_events", {})
        flushes = events.get("flush_free_block", 0)
        out = {
            "slab_alloc_fast": slab.get("allochit", 0) / pkts,
            "slab_alloc_slow": slab.get("allocmiss", 0) / pkts,
            "slab_free_fast": slab.get("freehit", 0) / pkts,
            "slab_free_slow": slab.get("freemiss", 0) / pkts,
            "slab_free_objects_per_call": (
                events.get("free_block_objects", 0) / flushes if flushes else 0.0
            ),
            "new_slabs": slab.get("grown", 0) / pkts,
        }
    else:
        slub = counters.get("slub_stats", {})
        hist = {int(k): v for k, v in counters.get("slab_free_objects_per_call", {}).items()}
        sf_calls = sum(hist.values())
        out = {
            "slab_alloc_fast": slub.get("ALLOC_FASTPATH", 0) / pkts,
            "slab_alloc_slow": slub.get("ALLOC_SLOWPATH", 0) / pkts,
            "slab_free_fast": slub.get("FREE_FASTPATH", 0) / pkts,
            "slab_free_slow": slub.get("FREE_SLOWPATH", 0) / pkts,
            "slab_free_objects_per_call": (
                sum(k * v for k, v in hist.items()) / sf_calls if sf_calls else 0.0
            ),
            "new_slabs": slub.get("ALLOC_SLAB", 0) / pkts,
        }
    out.update(
        {
            "skb_alloc_bulk": napi.get("alloc_bulk_calls", 0) / pkts,
            "skb_free_bulk": napi.get("free_bulk_calls", 0) / pkts,
            "free_bulk_objects_per_call": (
                napi.get("free_bulk_objects", 0) / napi["free_bulk_calls"]
                if napi.get("free_bulk_calls")
                else 0.0
            ),
            "page_alloc": pa.get("pgalloc", 0) / pkts,
            "page_free": pa.get("pgfree", 0) / pkts,
            "frag_refill": napi.get("frag_refill", 0) / pkts,
        }
    )
    return out


def _pps(ns: float) -> str:
    return f"{1e3 / ns:.2f} Mpps" if ns > 0 else "n/a"


def tsc_mhz(doc: dict[str, Any]) -> float | None:
    mhz = doc.get("machine", {}).get("tsc_mhz")
    return float(mhz) if mhz else None


def budget_line(doc: dict[str, Any]) -> str:
    mhz = tsc_mhz(doc)
    cyc = f" = {int(WIRE_SPEED_NS * mhz / 1000)} cycles(tsc) at {mhz:.0f} MHz" if mhz else ""
    return (
        f"10 Gbit/s wire speed, minimum-size packets: budget {WIRE_SPEED_NS:.3f} ns{cyc} "
        f"per packet ({1e3 / WIRE_SPEED_NS:.2f} Mpps)"
    )


def render_kernel(doc: dict[str, Any]) -> list[str]:
    """Lines printed after the Type lines in the kernel format."""
    lines: list[str] = []
    a, b, rows = comparison(doc)
    if rows:
        lines.append(f"workload- {LABELS.get(a, a)} - {LABELS.get(b, b)}")
        for key, ra, rb in rows:
            if ra is None or rb is None:
                lines.append(
                    f"{key} - "
                    + ("missing" if ra is None else f"{ra[0]} cycles(tsc)")
                    + " - "
                    + ("missing" if rb is None else f"{rb[0]} cycles(tsc)")
                )
                continue
            lines.append(
                f"{key} - {ra[0]} cycles(tsc) {ra[1]} ns - {rb[0]} cycles(tsc) {rb[1]} ns - "
                f"{improved(ra[0], rb[0])}"
            )
    cases = _single_cases(doc)
    if not cases:
        return lines
    lines.append(budget_line(doc))
    for case in cases:
        m = _median(case)
        if m is None:
            continue
        lines.append(
            f"{case['name']}: {m[1]} ns per packet = {_pps(m[2])} per core, "
            f"{m[2] / WIRE_SPEED_NS * 100:.0f}% of the budget"
        )
    lines.append(
        "per packet: slab alloc fast/slow, slab free fast/slow (objects per __slab_free), "
        "new slabs, skb bulk alloc/free calls (objects per free_bulk), page alloc/free, "
        "frag refills"
    )
    for case in cases:
        pp = per_packet(case.get("counters", {}))
        if not pp:
            continue
        lines.append(
            f"{case['name']}: {pp['slab_alloc_fast']:.3f}/{pp['slab_alloc_slow']:.3f} "
            f"{pp['slab_free_fast']:.3f}/{pp['slab_free_slow']:.3f} "
            f"({pp['slab_free_objects_per_call']:.1f}) {pp['new_slabs']:.4f} "
            f"{pp['skb_alloc_bulk']:.3f}/{pp['skb_free_bulk']:.3f} "
            f"({pp['free_bulk_objects_per_call']:.1f}) "
            f"{pp['page_alloc']:.4f}/{pp['page_free']:.4f} {pp['frag_refill']:.4f}"
        )
    return lines


def render_tables(doc: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The same as tables for the table/markdown formats."""
    out: list[tuple[str, list[str], list[list[Any]]]] = []
    a, b, rows = comparison(doc)
    if rows:
        headers = [
            "workload",
            f"{a} cycles(tsc)",
            f"{a} ns",
            f"{b} cycles(tsc)",
            f"{b} ns",
            "improved %",
        ]
        body: list[list[Any]] = []
        for key, ra, rb in rows:
            imp: float | str = ""
            if ra and rb and ra[0]:
                imp = round((ra[0] - rb[0]) / ra[0] * 100, 1)
            ca, na = ra if ra else ("", "")
            cb, nb = rb if rb else ("", "")
            body.append([key, ca, na, cb, nb, imp])
        out.append(
            (
                f"workload- {LABELS.get(a, a)} - {LABELS.get(b, b)}  (improved = (A-B)/A)",
                headers,
                body,
            )
        )
    cases = _single_cases(doc)
    if not cases:
        return out
    headers = [
        "case",
        "cycles(tsc)",
        "ns",
        "Mpps per core",
        "% of 67.2 ns",
        "slab alloc fast",
        "slab alloc slow",
        "slab free fast",
        "slab free slow",
        "objects per __slab_free",
        "new slabs",
        "skb bulk alloc calls",
        "skb bulk free calls",
        "objects per free_bulk",
        "page allocs",
        "page frees",
        "frag refills",
    ]
    body = []
    for case in cases:
        m = _median(case)
        pp = per_packet(case.get("counters", {}))
        if m is None:
            continue
        body.append(
            [
                case["name"],
                m[0],
                m[1],
                round(1e3 / m[2], 2) if m[2] else "",
                round(m[2] / WIRE_SPEED_NS * 100, 1),
            ]
            + [round(v, 4) for v in pp.values()]
        )
    out.append((f"per packet ({budget_line(doc)})", headers, body))
    return out
