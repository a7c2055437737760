"""Render a result document in the global --format: kernel, table, markdown, csv, json, yaml."""

from __future__ import annotations

import csv
import io
from typing import Any

from skbbench.results import dump_json

FORMATS = ("kernel", "table", "json", "yaml", "markdown", "csv")

COLUMNS = (
    "case",
    "step",
    "params",
    "cycles_median",
    "cycles_min",
    "cycles_max",
    "cycles_stddev",
    "ns_median",
    "ns_min",
    "ns_max",
    "repeats",
    "note",
)


def _params(case: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(case.get("params", {}).items()) if k != "cpus")


def summary_rows(doc: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for case in doc["cases"]:
        st = case.get("stats", {})
        cyc, ns = st.get("cycles", {}), st.get("ns", {})
        note = case.get("error") or (
            "parallel CPUs " + ",".join(map(str, case["params"].get("cpus", [])))
            if case.get("kind") == "parallel"
            else ""
        )
        rows.append(
            [
                case["name"],
                case["step"],
                _params(case),
                _r(cyc.get("median")),
                _r(cyc.get("min")),
                _r(cyc.get("max")),
                _r(cyc.get("stddev")),
                _r(ns.get("median"), 3),
                _r(ns.get("min"), 3),
                _r(ns.get("max"), 3),
                st.get("repeats", 0),
                note,
            ]
        )
    return rows


def _r(value: float | None, digits: int = 2) -> float | str:
    return "" if value is None else round(value, digits)


def render(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "kernel":
        from skbbench.report.kernel import render_kernel

        return render_kernel(doc)
    if fmt == "json":
        return dump_json(doc)
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(doc, sort_keys=False, width=120)
    rows = summary_rows(doc)
    headers = [c.replace("_", " ") for c in COLUMNS]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        return buf.getvalue()
    from tabulate import tabulate

    headers[3] = "cycles(tsc) median"
    tablefmt = "github" if fmt == "markdown" else "simple"
    out = tabulate(rows, headers=headers, tablefmt=tablefmt, floatfmt="g")
    extra = _extra_tables(doc, tablefmt)
    return out + "\n" + ("\n" + extra if extra else "")


def _extra_tables(doc: dict[str, Any], tablefmt: str) -> str:
    """Family-specific tables (e.g. before/after) rendered with tabulate."""
    from tabulate import tabulate

    from skbbench.report.families import tables

    parts = [
        f"{title}\n" + tabulate(rows, headers=headers, tablefmt=tablefmt, floatfmt="g")
        for title, headers, rows in tables(doc)
    ]
    return "\n\n".join(parts) + ("\n" if parts else "")
