"""The before/after table of the detached-freelist post, from a `bulk` result document.

The seed post compares slab_bulk_test01's ``kmem bulk_quick_reuse`` on two kernels::

    bulk- Bulk-API-before - Bulk-API with patchset
    1 - 42 cycles(tsc) 10.520 ns - 47 cycles(tsc) 11.931 ns - improved -11.9%

one line per bulk size: cycles and ns per element of A and B (time_bench's truncating
arithmetic) and ``improved = (A - B) / A`` on the printed cycles, one decimal; the kernel
format prints exactly that. A and B follow ``--compare``; test 02 has one row per bulk
size, test 03 one per scenario (worse-case, N-page-match N). ``--published`` adds, after
the table, the post's numbers beside the model's with an *estimate* of core cycles
(cycles(tsc) x the run's measured core-clock/TSC ratio: the seed's TSC ticked at its core
clock, this host's does not), the setup of each side, and the fidelity summary: per size
the sign of improved % and its distance from the post's (data:
skbbench/data/published_bulk.yaml). The table formats carry the estimate as columns.
No numba here: documents only.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from skbbench.document import Case, Document
from skbbench.report.kit import (
    Point,
    Row,
    Table,
    header_line,
    improved,
    kernel_table,
    median_point,
    pair_rows,
    table_headers,
    table_rows,
)
from skbbench.specs.bulk import (
    ALLOCATOR_LABELS,
    LABELS,
    SHEAVES,
    VERSION_LABELS,
    BulkConfig,
)

SETUP_LABELS = {
    "nomerge": "own cache (slab_nomerge)",
    "merged": "alias of kmalloc-256 shared with other users",
}


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


def published(doc: Document) -> dict[str, dict[float, float]]:
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


def _config(doc: Document) -> BulkConfig:
    cfg = doc.run_config()
    assert isinstance(cfg, BulkConfig)
    return cfg


def core_estimate(cycles: int, ratio: float | None) -> str:
    """Estimated core cycles of a cycles(tsc) figure (``~N``), or ``?`` without a ratio."""
    return "?" if ratio is None else f"~{round(cycles * ratio)}"


def _row_key(cfg: BulkConfig, case: Case) -> Any:
    return case.params.get("scenario") if cfg.test == "03" else case.step


def _comparable(case: Case) -> bool:
    return "variant" in case.params and not case.parallel


def _allocator(case: Case) -> str:
    return str(case.params.get("allocator", "slub"))


def comparison(doc: Document, allocator: str | None = None) -> tuple[str, str, list[Row]]:
    """(A, B, rows) with rows = (key, A's point or None, B's point or None), for the cases
    of one allocator (the first one of the run when None). Test 03 runs the fallback in
    every block: its first one counts."""
    cfg = _config(doc)
    a, b = cfg.compare[0], cfg.compare[1]
    allocator = allocator or cfg.allocator[0]
    items = [
        (_row_key(cfg, c), str(c.params["variant"]), median_point(c))
        for c in doc.cases
        if _comparable(c) and _allocator(c) == allocator
    ]
    return a, b, pair_rows(items, a, b)


def difference(a_cycles: int, b_cycles: int) -> str:
    """``difference <z.z>%`` with z = (B - A) / A: negative when B is cheaper."""
    if a_cycles == 0:
        return "difference n/a"
    return f"difference {(b_cycles - a_cycles) / a_cycles * 100:+.1f}%"


def allocator_pairs(allocators: tuple[str, ...]) -> list[tuple[str, str]]:
    """The side-by-side tables of a run's allocators, (A, B) each: SLAB - SLUB, and each
    sheaves form against the v4.4 SLUB (or, without it, against the first allocator)."""
    pairs = [("slab", "slub")] if {"slab", "slub"} <= set(allocators) else []
    base = "slub" if "slub" in allocators else allocators[0]
    for other in SHEAVES:
        if other in allocators and other != base:
            pairs.append((base, other))
    return pairs


def allocator_lines(doc: Document) -> list[str]:
    """The side-by-side allocator tables (allocator_pairs): one per pair and compared
    variant, ``bulk- A - B`` with difference = (B - A) / A."""
    cfg = _config(doc)
    lines: list[str] = []
    for first, second in allocator_pairs(cfg.allocator):
        lines += _pair_table(doc, first, second)
    return lines


def _pair_table(doc: Document, first: str, second: str) -> list[str]:
    cfg = _config(doc)
    # SLAB vs SLUB keeps its original short labels
    names = ALLOCATOR_LABELS if first == "slab" and second == "slub" else VERSION_LABELS
    a, b = names[first], names[second]
    short_a, short_b = ALLOCATOR_LABELS[first], ALLOCATOR_LABELS[second]
    lines: list[str] = []
    for variant in dict.fromkeys([cfg.compare[1], cfg.compare[0]]):
        items = [
            (_row_key(cfg, c), _allocator(c), median_point(c))
            for c in doc.cases
            if _comparable(c) and c.params["variant"] == variant
        ]
        rows = [r for r in pair_rows(items, first, second) if r[1] and r[2]]
        if not rows:
            continue
        lines += [
            "",
            f"bulk- {a} - {b} ({LABELS.get(variant, variant)}; difference = "
            f"({short_b} - {short_a}) / {short_a})",
        ]
        for key, ra, rb in rows:
            assert ra is not None and rb is not None
            lines.append(
                f"{key} - {ra.cycles} cycles(tsc) {ra.ns_text} ns - {rb.cycles} cycles(tsc) "
                f"{rb.ns_text} ns - {difference(ra.cycles, rb.cycles)}"
            )
    return lines


def kernel_lines(doc: Document) -> list[str]:
    """Lines printed after the Type lines in the kernel format."""
    cfg = _config(doc)
    lines: list[str] = []
    for allocator in cfg.allocator:
        if len(cfg.allocator) > 1:
            lines += ([""] if lines else []) + [f"{ALLOCATOR_LABELS[allocator]}:"]
        lines += _variant_table(doc, allocator)
    return lines + allocator_lines(doc)


def _variant_table(doc: Document, allocator: str) -> list[str]:
    a, b, rows = comparison(doc, allocator)
    if not rows:
        return []
    cfg = _config(doc)
    test = cfg.test
    lines = kernel_table("bulk", rows, LABELS.get(a, a), LABELS.get(b, b))
    if allocator == "slub" or test != "01":
        lines.append(f"(model setup: {cfg.setup}, {SETUP_LABELS.get(cfg.setup, cfg.setup)})")
    if cfg.published and test == "01":
        lines += published_lines(doc, rows, a, b, allocator)
    if cfg.published and test != "01":
        lines.append(f"(no published table for slab_bulk_test{test}: the seed post has test01)")
    if allocator == "slab" and {a, b} <= {"before", "after"}:
        lines.append(
            "(SLAB: the detached-freelist patchset is SLUB's; before and after run the "
            "same v4.6 SLAB bulk API)"
        )
    if allocator in SHEAVES and {a, b} <= {"before", "after"}:
        lines.append(
            f"({ALLOCATOR_LABELS[allocator]}: one bulk API, sheaves first then the slabs; "
            "before and after run the same code)"
        )
    return lines


def published_lines(doc: Document, rows: list[Row], a: str, b: str, allocator: str) -> list[str]:
    """``--published``: per bulk size the model's cycles(tsc), their core-cycle estimate
    and the post's cycles, then the setups and (SLUB, before/after) the fidelity summary."""
    cfg = _config(doc)
    pub = load_published()
    published = published_rows()
    ratio = doc.core_per_tsc()
    lines = [
        "",
        f"model vs published ({pub['machine']}; est. core = cycles(tsc) x "
        + (f"{ratio:.3f}" if ratio else "?")
        + ", this run's measured core-clock/TSC ratio: an estimate):",
        header_line("bulk", LABELS.get(a, a), LABELS.get(b, b))
        + " | est. core | published: "
        + f"{LABELS['before']} - {LABELS['after']}",
    ]
    for key, ra, rb in rows:
        if ra is None or rb is None:
            continue
        line = (
            f"{key} - {ra.cycles} - {rb.cycles} cycles(tsc) - {improved(ra.cycles, rb.cycles)}"
            f" | {core_estimate(ra.cycles, ratio)} - {core_estimate(rb.cycles, ratio)}"
        )
        p = published.get(key) if isinstance(key, int) else None
        if p:
            pb, pa = p["before"]["cycles"], p["after"]["cycles"]
            line += f" | {pb} - {pa} cycles(tsc) - {improved(pb, pa)}"
        lines.append(line)
    lines.append(f"(published setup: {pub['setup']}, {pub['setup_note']})")
    if allocator == "slub" and {a, b} == {"before", "after"}:
        lines += fidelity_lines(rows, published, cfg.setup, a, b)
    return lines


def _pct(a: int, b: int) -> float | None:
    return (a - b) / a * 100 if a else None


def fidelity_rows(
    rows: list[Row], published: dict[int, dict[str, Any]], a: str, b: str
) -> list[tuple[Any, float, float, bool, float]]:
    """Per size: (size, model improved %, published improved %, same sign, distance in
    percentage points), improved = (before - after) / before on printed cycles."""
    out = []
    for key, ra, rb in rows:
        p = published.get(key) if isinstance(key, int) else None
        if not p or ra is None or rb is None:
            continue
        ca, cb = (ra.cycles, rb.cycles) if a == "before" else (rb.cycles, ra.cycles)
        model, pub = _pct(ca, cb), _pct(p["before"]["cycles"], p["after"]["cycles"])
        if model is None or pub is None:
            continue
        model, pub = round(model, 1), round(pub, 1)
        same = (model > 0) == (pub > 0) or model == pub
        out.append((key, model, pub, same, round(abs(model - pub), 1)))
    return out


def fidelity_lines(
    rows: list[Row], published: dict[int, dict[str, Any]], setup: str, a: str, b: str
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


def tables(doc: Document) -> list[Table]:
    """The same comparison as a table for the table/markdown formats, with the
    core-cycle estimate and (``--published``) the post's figures as columns."""
    a, b, rows = comparison(doc)
    if not rows:
        return []
    cfg = _config(doc)
    want_published = cfg.published and cfg.test == "01"
    published = published_rows() if want_published else {}
    ratio = doc.core_per_tsc()
    headers = table_headers("bulk", a, b) + [f"{a} est. core cycles", f"{b} est. core cycles"]
    if published:
        headers += ["published before", "published after", "published improved %"]
    out = []
    for row, (key, ra, rb) in zip(table_rows(rows), rows, strict=True):
        row += [_estimate(p, ratio) for p in (ra, rb)]
        if published:
            p = published.get(key) if isinstance(key, int) else None
            if p:
                bc, ac = p["before"]["cycles"], p["after"]["cycles"]
                row += [bc, ac, round((bc - ac) / bc * 100, 1)]
            else:
                row += ["", "", ""]
        out.append(row)
    head = header_line("bulk", LABELS.get(a, a), LABELS.get(b, b))
    title = (
        f"{head}  (improved = (A-B)/A; est. core cycles = cycles(tsc) x {ratio:.3f} core/TSC, "
        f"an estimate; setup {cfg.setup})"
        if ratio
        else f"{head}  (improved = (A-B)/A)"
    )
    return [Table(title, headers, out)]


def _estimate(p: Point | None, ratio: float | None) -> int | str:
    return round(p.cycles * ratio) if p and ratio else ""
