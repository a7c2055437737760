"""Render a result document in the global --format: kernel, table, markdown, csv, json,
yaml."""

from __future__ import annotations

import csv
import io
from typing import Any

from skbbench.document import Case, Document, dump_json
from skbbench.report.kit import Table

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


def _params(case: Case) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(case.params.items()) if k != "cpus")


def _r(value: float | None, digits: int = 2) -> float | str:
    return "" if value is None else round(value, digits)


def summary_rows(doc: Document) -> list[list[Any]]:
    rows = []
    for case in doc.cases:
        st = case.stats
        cyc, ns = st.cycles, st.ns
        note = case.error or (
            "parallel CPUs " + ",".join(map(str, case.params.get("cpus", [])))
            if case.parallel
            else ""
        )
        rows.append(
            [
                case.name,
                case.step,
                _params(case),
                _r(cyc.median if cyc else None),
                _r(cyc.min if cyc else None),
                _r(cyc.max if cyc else None),
                _r(cyc.stddev if cyc else None),
                _r(ns.median if ns else None, 3),
                _r(ns.min if ns else None, 3),
                _r(ns.max if ns else None, 3),
                st.repeats,
                note,
            ]
        )
    return rows


def render_tables(tables: list[Table], tablefmt: str) -> str:
    """Tables as text (tabulate ``simple``) or GitHub markdown, each under its title."""
    from tabulate import tabulate

    parts = [
        f"{t.title}\n" + tabulate(t.rows, headers=t.headers, tablefmt=tablefmt, floatfmt="g")
        for t in tables
    ]
    return "\n\n".join(parts) + ("\n" if parts else "")


def render(doc: Document, fmt: str) -> str:
    if fmt == "kernel":
        from skbbench.report.kernel import render_kernel

        return render_kernel(doc)
    if fmt == "json":
        return dump_json(doc)
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(doc.to_dict(), sort_keys=False, width=120))
    rows = summary_rows(doc)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        return buf.getvalue()
    from skbbench.report.families import tables

    headers = [c.replace("_", " ") for c in COLUMNS]
    headers[3] = "cycles(tsc) median"
    tablefmt = "github" if fmt == "markdown" else "simple"
    out = render_tables([Table("", headers, rows)], tablefmt).lstrip("\n")
    extra = render_tables(tables(doc), tablefmt)
    return out + ("\n" + extra if extra else "")
