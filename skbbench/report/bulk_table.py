"""The before/after table of the detached-freelist post, from a `bulk` result document.

The seed post compares slab_bulk_test01's ``kmem bulk_quick_reuse`` on two kernels::

    bulk- Bulk-API-before - Bulk-API with patchset
    1 - 42 cycles(tsc) 10.520 ns - 47 cycles(tsc) 11.931 ns - improved -11.9%

one line per bulk size: cycles and ns per element of A and B (time_bench's truncating
arithmetic) and ``improved = (A - B) / A`` on the printed cycles, one decimal. A and B
follow ``--compare``; test 02 has one row per bulk size, test 03 one per scenario
(worse-case, N-page-match N). Each row also shows an *estimate* of core cycles
(cycles(tsc) x the run's measured core-clock/TSC ratio): the seed's TSC ticked at its
core clock, this host's does not. ``--published`` appends the post's numbers to the rows
it has (data: skbbench/data/published_bulk.yaml), names the setup of each side, and ends
with the fidelity summary: per size the sign of improved % and its distance from the
post's. No numba here: documents only.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from skbbench.config import document_config
from skbbench.results import case_runs
from skbbench.specs.bulk import ALLOCATOR_LABELS, LABELS, BulkConfig
from skbbench.timebench import calc_stats

# --------------------------------------------------------------------------------------
# Formatting


def improved(a_cycles: int, b_cycles: int) -> str:
    """``improved <z.z>%`` with z = (A - B) / A on the printed (integer) cycles."""
    if a_cycles == 0:
        return "improved n/a"
    return f"improved {(a_cycles - b_cycles) / a_cycles * 100:.1f}%"


def header_line(label_a: str, label_b: str) -> str:
    return f"bulk- {label_a} - {label_b}"


def row_line(key: Any, a: tuple[int, str], b: tuple[int, str]) -> str:
    """``<n> - <c> cycles(tsc) <x.xxx> ns - <c> cycles(tsc) <y.yyy> ns - improved <z.z>%``."""
    return (
        f"{key} - {a[0]} cycles(tsc) {a[1]} ns - {b[0]} cycles(tsc) {b[1]} ns - "
        f"{improved(a[0], b[0])}"
    )


def table_lines(
    rows: list[tuple[Any, tuple[int, str], tuple[int, str]]], label_a: str, label_b: str
) -> list[str]:
    """The seed post's table: header then one line per (key, (cycles, ns) A, B)."""
    return [header_line(label_a, label_b)] + [row_line(k, a, b) for k, a, b in rows]


# --------------------------------------------------------------------------------------
# Published data


@lru_cache(maxsize=1)
def load_published() -> dict[str, Any]:
    import yaml

    text = resources.files("skbbench").joinpath("data/published_bulk.yaml").read_text()
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def published_rows() -> dict[int, dict[str, Any]]:
    return {int(r["bulk"]): r for r in load_published()["rows"]}


def published_series(doc: dict[str, Any]) -> dict[str, dict[float, float]]:
    """The post's cycles per element by variant and bulk size (test 01 only)."""
    if _config(doc).test != "01":
        return {}
    out: dict[str, dict[float, float]] = {}
    for row in load_published().get("rows", []):
        for variant, value in row.items():
            if isinstance(value, dict) and "cycles" in value:
                out.setdefault(variant, {})[float(row["bulk"])] = float(value["cycles"])
    return out


# --------------------------------------------------------------------------------------
# From a result document


def core_per_tsc(doc: dict[str, Any]) -> float | None:
    """The run's core-clock/TSC ratio: the mean of every worker process's probes (before
    and after its cases); None when the document has none (schema 1)."""
    values = []
    for info in doc.get("machine", {}).get("processes", []) or []:
        for key in ("clock_before", "clock_after"):
            v = (info.get(key) or {}).get("core_per_tsc")
            if isinstance(v, (int, float)) and v > 0:
                values.append(float(v))
    return sum(values) / len(values) if values else None


def core_estimate(cycles: int, ratio: float | None) -> str:
    """Estimated core cycles of a cycles(tsc) figure (``~N``), or ``?`` without a ratio."""
    return "?" if ratio is None else f"~{round(cycles * ratio)}"


def _median_cycles_ns(case: dict[str, Any]) -> tuple[int, str] | None:
    runs = case_runs(case)
    if not runs or case.get("error"):
        return None
    rec = runs[case["stats"].get("median_run", 0)][0]
    st = calc_stats(rec)
    if st.error:
        return None
    return st.tsc_cycles, f"{st.ns_per_call_quotient}.{st.ns_per_call_decimal:03d}"


def _config(doc: dict[str, Any]) -> BulkConfig:
    cfg = document_config(doc)
    assert isinstance(cfg, BulkConfig)
    return cfg


def _row_key(cfg: BulkConfig, case: dict[str, Any]) -> Any:
    if cfg.test == "03":
        return case["params"].get("scenario")
    return case["step"]


def _comparable(case: dict[str, Any]) -> bool:
    params = case.get("params", {})
    return "variant" in params and case.get("kind") == "single"


def _allocator(case: dict[str, Any]) -> str:
    return str(case.get("params", {}).get("allocator", "slub"))


def comparison(
    doc: dict[str, Any], allocator: str | None = None
) -> tuple[str, str, list[tuple[Any, Any, Any]]]:
    """(A, B, rows) with rows = (key, (cycles, ns) of A or None, ... of B), for the cases
    of one allocator (the first one of the run when None)."""
    cfg = _config(doc)
    a, b = cfg.compare[0], cfg.compare[1]
    allocator = allocator or cfg.allocator[0]
    found: dict[tuple[Any, str], tuple[int, str] | None] = {}
    keys: list[Any] = []
    for case in doc.get("cases", []):
        if not _comparable(case) or _allocator(case) != allocator:
            continue
        key = _row_key(cfg, case)
        variant = case["params"]["variant"]
        if (key, variant) in found:
            continue  # test 03 runs the fallback in every block: keep the first
        found[(key, variant)] = _median_cycles_ns(case)
        if key not in keys and variant in (a, b):
            keys.append(key)
    rows = [(k, found.get((k, a)), found.get((k, b))) for k in keys]
    return a, b, [r for r in rows if r[1] is not None or r[2] is not None]


def allocator_rows(
    doc: dict[str, Any], variant: str
) -> list[tuple[Any, tuple[int, str] | None, tuple[int, str] | None]]:
    """(key, SLAB (cycles, ns), SLUB (cycles, ns)) of one bulk variant, per row key."""
    cfg = _config(doc)
    found: dict[tuple[Any, str], tuple[int, str] | None] = {}
    keys: list[Any] = []
    for case in doc.get("cases", []):
        if not _comparable(case) or case["params"]["variant"] != variant:
            continue
        key = _row_key(cfg, case)
        found.setdefault((key, _allocator(case)), _median_cycles_ns(case))
        if key not in keys:
            keys.append(key)
    return [(k, found.get((k, "slab")), found.get((k, "slub"))) for k in keys]


def difference(a_cycles: int, b_cycles: int) -> str:
    """``difference <z.z>%`` with z = (B - A) / A: negative when B (SLUB) is cheaper."""
    if a_cycles == 0:
        return "difference n/a"
    return f"difference {(b_cycles - a_cycles) / a_cycles * 100:+.1f}%"


def allocator_lines(doc: dict[str, Any]) -> list[str]:
    """The SLAB vs SLUB tables (both allocators run): one per compared variant."""
    cfg = _config(doc)
    if set(cfg.allocator) != {"slab", "slub"}:
        return []
    lines: list[str] = []
    for variant in dict.fromkeys([cfg.compare[1], cfg.compare[0]]):
        rows = [r for r in allocator_rows(doc, variant) if r[1] and r[2]]
        if not rows:
            continue
        lines += [
            "",
            f"bulk- SLAB - SLUB ({LABELS.get(variant, variant)}; difference = "
            "(SLUB - SLAB) / SLAB)",
        ]
        for key, ra, rb in rows:
            assert ra is not None and rb is not None
            lines.append(
                f"{key} - {ra[0]} cycles(tsc) {ra[1]} ns - {rb[0]} cycles(tsc) {rb[1]} ns - "
                f"{difference(ra[0], rb[0])}"
            )
    return lines


def render_kernel(doc: dict[str, Any]) -> list[str]:
    """Lines printed after the Type lines in the kernel format."""
    cfg = _config(doc)
    lines: list[str] = []
    for allocator in cfg.allocator:
        if len(cfg.allocator) > 1:
            lines += ([""] if lines else []) + [f"{ALLOCATOR_LABELS[allocator]}:"]
        lines += _variant_table(doc, allocator)
    return lines + allocator_lines(doc)


SETUP_LABELS = {
    "nomerge": "own cache (slab_nomerge)",
    "merged": "alias of kmalloc-256 shared with other users",
}


def _variant_table(doc: dict[str, Any], allocator: str) -> list[str]:
    a, b, rows = comparison(doc, allocator)
    if not rows:
        return []
    cfg = _config(doc)
    want_published = cfg.published
    test = cfg.test
    published = published_rows() if want_published and test == "01" else {}
    ratio = core_per_tsc(doc)
    lines = [header_line(LABELS.get(a, a), LABELS.get(b, b))]
    lines[0] += " | est. core cycles"
    if want_published and test == "01":
        pub = load_published()
        lines[0] += f" | published ({pub['machine']}): {LABELS['before']} - {LABELS['after']}"
    for key, ra, rb in rows:
        if ra is None or rb is None:
            lines.append(
                f"{key} - "
                + ("missing" if ra is None else f"{ra[0]} cycles(tsc)")
                + " - "
                + ("missing" if rb is None else f"{rb[0]} cycles(tsc)")
            )
            continue
        line = row_line(key, ra, rb)
        line += f" | est. core: {core_estimate(ra[0], ratio)} - {core_estimate(rb[0], ratio)}"
        if published and key in published:
            p = published[key]
            line += (
                f" | published: {p['before']['cycles']} - {p['after']['cycles']} cycles(tsc)"
                f" - {improved(p['before']['cycles'], p['after']['cycles'])}"
            )
        lines.append(line)
    lines.append(
        "(est. core cycles = cycles(tsc) x "
        + (f"{ratio:.3f}" if ratio else "?")
        + ", this run's measured core-clock/TSC ratio: an estimate)"
    )
    if allocator == "slub" or test != "01":
        lines.append(f"(model setup: {cfg.setup}, {SETUP_LABELS.get(cfg.setup, cfg.setup)})")
    if want_published and test == "01":
        pub = load_published()
        lines.append(f"(published setup: {pub['setup']}, {pub['setup_note']})")
        if allocator == "slub" and {a, b} == {"before", "after"}:
            lines += fidelity_lines(rows, published, cfg.setup, a, b)
    if want_published and test != "01":
        lines.append(f"(no published table for slab_bulk_test{test}: the seed post has test01)")
    if allocator == "slab" and {a, b} <= {"before", "after"}:
        lines.append(
            "(SLAB: the detached-freelist patchset is SLUB's; before and after run the "
            "same v4.6 SLAB bulk API)"
        )
    return lines


def _pct(a: int, b: int) -> float | None:
    return (a - b) / a * 100 if a else None


def fidelity_rows(
    rows: list[tuple[Any, Any, Any]], published: dict[int, dict[str, Any]], a: str, b: str
) -> list[tuple[Any, float, float, bool, float]]:
    """Per size: (size, model improved %, published improved %, same sign, distance in
    percentage points), improved = (before - after) / before on printed cycles."""
    out = []
    for key, ra, rb in rows:
        p = published.get(key) if isinstance(key, int) else None
        if not p or ra is None or rb is None:
            continue
        ca, cb = (ra[0], rb[0]) if a == "before" else (rb[0], ra[0])
        model, pub = _pct(ca, cb), _pct(p["before"]["cycles"], p["after"]["cycles"])
        if model is None or pub is None:
            continue
        model, pub = round(model, 1), round(pub, 1)
        same = (model > 0) == (pub > 0) or model == pub
        out.append((key, model, pub, same, round(abs(model - pub), 1)))
    return out


def fidelity_lines(
    rows: list[tuple[Any, Any, Any]],
    published: dict[int, dict[str, Any]],
    setup: str,
    a: str,
    b: str,
) -> list[str]:
    """The fidelity summary: per size the sign of improved % and its distance from the
    published one, then the counts."""
    fid = fidelity_rows(rows, published, a, b)
    if not fid:
        return []
    lines = [
        "",
        f"fidelity (improved %, model setup {setup} vs published):",
        "  size    model  published  same sign  distance (points)",
    ]
    for k, m, p, ok, d in fid:
        lines.append(f"  {k:>4}  {m:+7.1f}  {p:+9.1f}  {'yes' if ok else 'NO':>9}  {d:8.1f}")
    n = len(fid)
    signs = sum(1 for f in fid if f[3])
    dists = sorted(f[4] for f in fid)
    median = dists[n // 2] if n % 2 else (dists[n // 2 - 1] + dists[n // 2]) / 2
    within10 = sum(1 for d in dists if d <= 10)
    within25 = sum(1 for d in dists if d <= 25)
    lines.append(
        f"  sign agrees at {signs} of {n} sizes; distance <= 10 points at {within10}, "
        f"<= 25 at {within25}, > 25 at {n - within25}; median distance {median:.1f} points"
    )
    return lines


def render_tables(doc: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The same comparison as a table for the table/markdown formats."""
    a, b, rows = comparison(doc)
    if not rows:
        return []
    cfg = _config(doc)
    want_published = cfg.published and cfg.test == "01"
    published = published_rows() if want_published else {}
    ratio = core_per_tsc(doc)
    headers = ["bulk", f"{a} cycles(tsc)", f"{a} ns", f"{b} cycles(tsc)", f"{b} ns", "improved %"]
    headers += [f"{a} est. core cycles", f"{b} est. core cycles"]
    if published:
        headers += ["published before", "published after", "published improved %"]
    out = []
    for key, ra, rb in rows:
        imp: float | str = ""
        if ra and rb and ra[0]:
            imp = round((ra[0] - rb[0]) / ra[0] * 100, 1)
        ca, na = ra if ra else ("", "")
        cb, nb = rb if rb else ("", "")
        row = [key, ca, na, cb, nb, imp]
        row += [round(c * ratio) if ratio and isinstance(c, int) else "" for c in (ca, cb)]
        if published:
            p = published.get(key) if isinstance(key, int) else None
            if p:
                bc, ac = p["before"]["cycles"], p["after"]["cycles"]
                row += [bc, ac, round((bc - ac) / bc * 100, 1)]
            else:
                row += ["", "", ""]
        out.append(row)
    title = (
        f"{header_line(LABELS.get(a, a), LABELS.get(b, b))}  (improved = (A-B)/A; est. core "
        f"cycles = cycles(tsc) x {ratio:.3f} core/TSC, an estimate; setup {cfg.setup})"
        if ratio
        else f"{header_line(LABELS.get(a, a), LABELS.get(b, b))}  (improved = (A-B)/A)"
    )
    return [(title, headers, out)]
