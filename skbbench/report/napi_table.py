"""The `napi` tables, from a result document: the seed posts' before/after table for
``--compare A,B`` (one row per workload: cycles, ns and improved % per packet), the
10 Gbit/s wire-speed budget with packets per second per core at each measured cost, and
the per-packet counters that show the mechanism (slab fast/slow paths, __slab_free calls
and objects per call, the skb layer's bulk calls, page allocator calls, page_frag
refills). No numba here: documents only.
"""

from __future__ import annotations

from typing import Any

from skbbench.document import Case, Document
from skbbench.report.kit import (
    WIRE_SPEED_NS,
    Row,
    Table,
    budget_share,
    budget_text,
    header_line,
    kernel_table,
    median_point,
    pair_rows,
    pps,
    table_headers,
    table_rows,
)
from skbbench.specs.napi import LABELS, NapiConfig


def _config(doc: Document) -> NapiConfig:
    cfg = doc.run_config()
    assert isinstance(cfg, NapiConfig)
    return cfg


def _single_cases(doc: Document) -> list[Case]:
    return [c for c in doc.cases if not c.parallel and "workload" in c.params]


def comparison(doc: Document) -> tuple[str, str, list[Row]]:
    """(A, B, rows) with rows = (workload, A's point or None, B's point or None); no rows
    when a single variant ran (nothing to compare)."""
    cfg = _config(doc)
    if len(cfg.compare) != 2:
        return "", "", []
    a, b = cfg.compare[0], cfg.compare[1]
    items = [
        (str(c.params["workload"]), str(c.params["variant"]), median_point(c))
        for c in _single_cases(doc)
    ]
    return a, b, pair_rows(items, a, b)


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


def budget_line(doc: Document) -> str:
    return (
        f"10 Gbit/s wire speed, minimum-size packets: budget {budget_text(doc)} "
        f"per packet ({1e3 / WIRE_SPEED_NS:.2f} Mpps)"
    )


def kernel_lines(doc: Document) -> list[str]:
    """Lines printed after the Type lines in the kernel format."""
    lines: list[str] = []
    a, b, rows = comparison(doc)
    if rows:
        lines += kernel_table("workload", rows, LABELS.get(a, a), LABELS.get(b, b))
    cases = _single_cases(doc)
    if not cases:
        return lines
    lines.append(budget_line(doc))
    for case in cases:
        m = median_point(case)
        if m is None:
            continue
        lines.append(
            f"{case.name}: {m.ns_text} ns per packet = {pps(m.ns)} per core, "
            f"{budget_share(m.ns):.0f}% of the budget"
        )
    lines.append(
        "per packet: slab alloc fast/slow, slab free fast/slow (objects per __slab_free), "
        "new slabs, skb bulk alloc/free calls (objects per free_bulk), page alloc/free, "
        "frag refills"
    )
    for case in cases:
        pp = per_packet(case.counters)
        if not pp:
            continue
        lines.append(
            f"{case.name}: {pp['slab_alloc_fast']:.3f}/{pp['slab_alloc_slow']:.3f} "
            f"{pp['slab_free_fast']:.3f}/{pp['slab_free_slow']:.3f} "
            f"({pp['slab_free_objects_per_call']:.1f}) {pp['new_slabs']:.4f} "
            f"{pp['skb_alloc_bulk']:.3f}/{pp['skb_free_bulk']:.3f} "
            f"({pp['free_bulk_objects_per_call']:.1f}) "
            f"{pp['page_alloc']:.4f}/{pp['page_free']:.4f} {pp['frag_refill']:.4f}"
        )
    return lines


PER_PACKET_HEADERS = [
    "case",
    "cycles(tsc)",
    "ns",
    "Mpps per core",
    f"% of {WIRE_SPEED_NS} ns",
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


def tables(doc: Document) -> list[Table]:
    """The same as tables for the table/markdown formats."""
    out: list[Table] = []
    a, b, rows = comparison(doc)
    if rows:
        head = header_line("workload", LABELS.get(a, a), LABELS.get(b, b))
        out.append(
            Table(
                f"{head}  (improved = (A-B)/A)", table_headers("workload", a, b), table_rows(rows)
            )
        )
    cases = _single_cases(doc)
    if not cases:
        return out
    body = []
    for case in cases:
        m = median_point(case)
        if m is None:
            continue
        pp = per_packet(case.counters)
        body.append(
            [
                case.name,
                m.cycles,
                m.ns_text,
                round(1e3 / m.ns, 2) if m.ns else "",
                round(budget_share(m.ns), 1),
            ]
            + [round(v, 4) for v in pp.values()]
        )
    out.append(Table(f"per packet ({budget_line(doc)})", PER_PACKET_HEADERS, body))
    return out
