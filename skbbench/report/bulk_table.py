"""The before/after table of the detached-freelist post, from a `bulk` result document.

The seed post compares slab_bulk_test01's ``kmem bulk_quick_reuse`` on two kernels::

    bulk- Bulk-API-before - Bulk-API with patchset
    1 - 42 cycles(tsc) 10.520 ns - 47 cycles(tsc) 11.931 ns - improved -11.9%

one line per bulk size: cycles and ns per element of A and B (time_bench's truncating
arithmetic) and ``improved = (A - B) / A`` on the printed cycles, one decimal. A and B
follow ``--compare``; test 02 has one row per bulk size, test 03 one per scenario
(worse-case, N-page-match N). ``--published`` appends the post's numbers to the rows it
has (data: skbbench/data/published_bulk.yaml). No numba here: documents only.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from skbbench.config import document_config
from skbbench.results import case_runs
from skbbench.specs.bulk import LABELS, BulkConfig
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


def comparison(doc: dict[str, Any]) -> tuple[str, str, list[tuple[Any, Any, Any]]]:
    """(A, B, rows) with rows = (key, (cycles, ns) of A or None, ... of B)."""
    cfg = _config(doc)
    a, b = cfg.compare[0], cfg.compare[1]
    found: dict[tuple[Any, str], tuple[int, str] | None] = {}
    keys: list[Any] = []
    for case in doc.get("cases", []):
        if not _comparable(case):
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


def render_kernel(doc: dict[str, Any]) -> list[str]:
    """Lines printed after the Type lines in the kernel format."""
    a, b, rows = comparison(doc)
    if not rows:
        return []
    cfg = _config(doc)
    want_published = cfg.published
    test = cfg.test
    published = published_rows() if want_published and test == "01" else {}
    lines = [header_line(LABELS.get(a, a), LABELS.get(b, b))]
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
        if published and key in published:
            p = published[key]
            line += (
                f" | published: {p['before']['cycles']} - {p['after']['cycles']} cycles(tsc)"
                f" - {improved(p['before']['cycles'], p['after']['cycles'])}"
            )
        lines.append(line)
    if want_published and test != "01":
        lines.append(f"(no published table for slab_bulk_test{test}: the seed post has test01)")
    return lines


def render_tables(doc: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The same comparison as a table for the table/markdown formats."""
    a, b, rows = comparison(doc)
    if not rows:
        return []
    cfg = _config(doc)
    want_published = cfg.published and cfg.test == "01"
    published = published_rows() if want_published else {}
    headers = ["bulk", f"{a} cycles(tsc)", f"{a} ns", f"{b} cycles(tsc)", f"{b} ns", "improved %"]
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
        if published:
            p = published.get(key) if isinstance(key, int) else None
            if p:
                bc, ac = p["before"]["cycles"], p["after"]["cycles"]
                row += [bc, ac, round((bc - ac) / bc * 100, 1)]
            else:
                row += ["", "", ""]
        out.append(row)
    title = f"{header_line(LABELS.get(a, a), LABELS.get(b, b))}  (improved = (A-B)/A)"
    return [(title, headers, out)]
