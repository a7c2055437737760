"""``skbbench report``: result documents as a static site (index.html and its style
sheet) that works from the file system.

The page has an index of the runs (command, config, machine, warnings, disturbed
processes); per run and family the kernel format in <pre> (the posts' lines and tables),
the summary and the family's tables as HTML tables, the family's plot as inline SVG, the
counters; with a baseline the comparison (verdict per case, effect with its 95% interval,
counter differences); with several runs of one config their history (change points per
case, a time-series plot each). Plots need matplotlib (the ``plot`` extra); without it
the page says so in one line. Written whole and atomically (skbbench.outdir).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from skbbench import __version__
from skbbench.compare import CompareOptions, Comparison, compare_documents
from skbbench.compare.configs import config_differences
from skbbench.compare.interval import LEVEL, case_intervals
from skbbench.disturbance import describe, disturbed_by_run
from skbbench.document import Document
from skbbench.document.merge import split_document
from skbbench.errors import UsageError
from skbbench.history import History, HistoryOptions, build_history
from skbbench.outdir import check_output_dir, write_directory
from skbbench.report import html
from skbbench.report.compare_table import counter_rows, summary_line
from skbbench.report.families import family_of, tables
from skbbench.report.formats import COLUMNS, summary_rows
from skbbench.report.history_table import HEADERS as HISTORY_HEADERS
from skbbench.report.history_table import case_row, header_lines
from skbbench.report.history_table import summary_line as history_summary
from skbbench.report.kernel import render_kernel
from skbbench.report.machine import machine_rows
from skbbench.report.plot import MISSING_MESSAGE

Note = Callable[[str], None]


@dataclasses.dataclass
class Site:
    """What was written: the directory, the plots drawn, the notes put in the page."""

    path: Path
    plots: int = 0
    tables: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)


def _flatten(counters: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in counters.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


class _Builder:
    def __init__(self, plots: bool) -> None:
        self.plots = plots
        self.site_plots = 0
        self.site_tables = 0
        self.notes: list[str] = []

    def table(self, headers: Any, rows: Any, caption: str = "", **kw: Any) -> str:
        self.site_tables += 1
        return html.table(headers, rows, caption, **kw)

    def svg(self, draw: Callable[[], bytes], ident: str, caption: str) -> str:
        if not self.plots:
            return html.para(f"No plot: {MISSING_MESSAGE}", "note")
        try:
            data = draw()
        except UsageError as exc:
            return html.para(f"No plot: {exc}", "note")
        self.site_plots += 1
        return html.inline_svg(data, ident, caption)

    # ----------------------------------------------------------------------------------

    def run_index(self, runs: list[tuple[str, Document]]) -> list[str]:
        rows = []
        for i, (label, doc) in enumerate(runs, 1):
            disturbed = sum(len(d) for d in disturbed_by_run(doc).values())
            rows.append(
                [
                    i,
                    label,
                    doc.command,
                    doc.created or "",
                    doc.machine.git_commit or "",
                    doc.processes,
                    len(doc.cases),
                    len(doc.warnings) + len(doc.case_warnings()),
                    disturbed,
                ]
            )
        headers = [
            "#",
            "result",
            "command",
            "created",
            "git commit",
            "processes",
            "cases",
            "warnings",
            "disturbed processes",
        ]
        links = "".join(
            f'<li><a href="#{html.anchor("run", i)}">{html.text(label)}</a></li>'
            for i, (label, _) in enumerate(runs, 1)
        )
        return [
            '<h2 id="runs">Runs</h2>',
            self.table(headers, rows, cls="runs"),
            f"<nav><ul>{links}</ul></nav>",
        ]

    def run_section(self, n: int, label: str, doc: Document) -> list[str]:
        out = [f'<h2 id="{html.anchor("run", n)}">Run {n}: {html.text(label)}</h2>']
        argv = doc.machine.argv or f"skbbench {doc.command}"
        out.append(
            f"<p>Command: <code>{html.text(argv)}</code>; created {doc.created}; "
            f"skbbench {html.text(doc.skbbench)}, schema {doc.schema}</p>"
        )
        out.append("<h3>Config</h3>")
        out.append(
            html.pre(
                yaml.safe_dump(doc.config, sort_keys=False, width=100, default_flow_style=None)
            )
        )
        out.append("<h3>Machine</h3>")
        out.append(self.table(["field", "value"], machine_rows(doc.machine), cls="machine"))
        lines = list(doc.warnings) + doc.case_warnings()
        out.append("<h3>Warnings</h3>")
        out.append(html.warnings(lines) if lines else html.para("none", "note"))
        out.append("<h3>Disturbed worker processes</h3>")
        by_run = disturbed_by_run(doc)
        if by_run:
            out.extend(
                html.para((f"{lbl}: " if lbl else "") + describe(d)) for lbl, d in by_run.items()
            )
        else:
            out.append(html.para(f"none of {len(doc.machine.processes)}", "note"))
        for part in split_document(doc):
            out.extend(self.family_section(n, label, part))
        return out

    def family_section(self, n: int, label: str, doc: Document) -> list[str]:
        family = family_of(doc)
        name = family.name if family else doc.command
        ident = html.anchor("run", n, name)
        out = [f'<h3 id="{ident}">{html.text(name)}: results</h3>']
        out.append(html.pre(render_kernel(doc), "kernel"))
        headers = [c.replace("_", " ") for c in COLUMNS]
        out.append(self.table(headers, summary_rows(doc), "summary per case", cls="summary"))
        for t in tables(doc):
            out.append(self.table(t.headers, t.rows, t.title, cls="family"))
        if family is not None and family.plot is None:
            out.append(html.para(f"The {name} family has no plot.", "note"))
        else:
            from skbbench.report.plot import render_plot

            out.append(
                self.svg(
                    lambda: render_plot([(label, doc)], "svg")[0],
                    html.anchor("plot", n, name),
                    f"{name}: {label}",
                )
            )
        out.extend(self.counters(doc))
        return out

    def counters(self, doc: Document) -> list[str]:
        """One row per counter (nested ones as ``group.name``), one column per case that
        has counters; counters that are zero or empty in every case are left out."""
        cases = [c for c in doc.cases if c.counters]
        out = ["<h4>Counters</h4>"]
        if not cases:
            return [*out, html.para("no counters in this run", "note")]
        flat = [_flatten(c.counters) for c in cases]
        names: list[str] = []
        for f in flat:
            names.extend(k for k in f if k not in names)
        shown = [k for k in names if any(f.get(k) not in (None, 0, 0.0, "") for f in flat)]
        headers = ["counter", *(f"{c.name} {c.step}" if c.step else c.name for c in cases)]
        rows = [[k, *(f.get(k, "") for f in flat)] for k in shown]
        hidden = len(names) - len(shown)
        caption = f"{len(shown)} counters" + (
            f" ({hidden} zero in every case not shown)" if hidden else ""
        )
        out.append(self.table(headers, rows, caption, cls="counters"))
        return out

    def comparison(
        self, n: int, label: str, base: tuple[str, Document], doc: Document
    ) -> list[str]:
        ident = html.anchor("compare", n)
        out = [f'<h3 id="{ident}">Compared with {html.text(base[0])}</h3>']
        try:
            comp = compare_documents(base[1], doc, CompareOptions(), base[0], label)
        except UsageError as exc:
            self.notes.append(f"{label}: not compared: {exc}")
            return [*out, html.para(f"Not compared: {exc}", "note")]
        out.extend(self.comparison_body(comp, base[1], doc))
        return out

    def comparison_body(self, comp: Comparison, base: Document, doc: Document) -> list[str]:
        intervals = case_intervals(base, doc, comp)
        out = [
            html.para(
                f"minimum effect {comp.threshold * 100:.3g}% ({comp.threshold_source}); "
                f"Welch t on per-process values, alpha {comp.options.alpha:g}; interval: "
                f"{LEVEL:.0%} confidence interval of the change"
            )
        ]
        out.append(html.warnings(comp.warnings))
        rows, classes = [], []
        for c in comp.cases:
            lo_hi = intervals.get(c.key)
            rows.append(
                [
                    c.key,
                    "" if c.base_median is None else round(c.base_median, 3),
                    "" if c.cur_median is None else round(c.cur_median, 3),
                    "" if c.ratio is None else f"{(c.ratio - 1) * 100:+.1f}%",
                    ""
                    if lo_hi is None
                    else f"{(lo_hi[0] - 1) * 100:+.1f}% .. {(lo_hi[1] - 1) * 100:+.1f}%",
                    "" if c.p_value is None else f"{c.p_value:.3g}",
                    c.verdict.value,
                ]
            )
            classes.append(c.verdict.value.replace(" ", "-"))
        headers = ["case", "baseline", "current", "change", f"{LEVEL:.0%} interval", "p", "verdict"]
        out.append(
            self.table(headers, rows, "verdict per case", cls="compare", row_classes=classes)
        )
        if comp.counters:
            out.append(
                self.table(
                    ["case", "counter", "baseline", "current"],
                    counter_rows(comp),
                    f"counter differences ({len(comp.counters)})",
                    cls="counter-diffs",
                )
            )
        else:
            out.append(html.para("Counters: identical in all common cases"))
        cls = "regression" if comp.regression else ""
        out.append(html.para(summary_line(comp), cls))
        return out

    def history(self, hist: History) -> list[str]:
        out = ['<h2 id="history">History</h2>']
        out.extend(html.para(line) for line in header_lines(hist))
        rows = [case_row(hist, c) for c in hist.cases]
        classes = [c.trend.value.replace(" ", "-") for c in hist.cases]
        out.append(self.table(HISTORY_HEADERS, rows, cls="history", row_classes=classes))
        out.append(html.para(history_summary(hist), "regression" if hist.regressions() else ""))
        from skbbench.report.history_plot import history_svg

        for i, c in enumerate(hist.cases):
            out.append(
                self.svg(
                    lambda c=c: history_svg(hist, c),  # type: ignore[misc]
                    html.anchor("history", i, c.key),
                    f"history of {c.key}",
                )
            )
        return out


def _history_of(runs: list[tuple[str, Document]], note: Note) -> History | None:
    if len(runs) < 2:
        return None
    first = runs[0][1]
    if any(config_differences(first, d) for _, d in runs[1:]):
        note("no history: the results are not all runs of one config")
        return None
    return build_history(runs, HistoryOptions())


def build_site(
    runs: list[tuple[str, Document]],
    baseline: tuple[str, Document] | None = None,
    plots: bool | None = None,
    note: Note | None = None,
) -> tuple[dict[str, bytes], _Builder]:
    """The site's files (name -> content) for ``runs`` ((label, document) pairs)."""
    say = note or (lambda _line: None)
    b = _Builder(_have_matplotlib() if plots is None else plots)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        "<h1>skbbench report</h1>",
        html.para(
            f"{len(runs)} run(s)"
            + (f", compared with {baseline[0]}" if baseline else "")
            + f"; made {when} by skbbench {__version__}"
        ),
    ]
    if not b.plots:
        body.append(html.para(f"No plots in this report: {MISSING_MESSAGE}", "note"))
    body.extend(b.run_index(runs))
    hist = _history_of(runs, say)
    if hist is not None:
        body.extend(b.history(hist))
    for n, (label, doc) in enumerate(runs, 1):
        body.extend(b.run_section(n, label, doc))
        if baseline is not None:
            body.extend(b.comparison(n, label, baseline, doc))
    for line in b.notes:
        say(line)
    files = {
        "index.html": html.page("skbbench report", body).encode(),
        html.STYLESHEET: html.CSS.encode(),
    }
    return files, b


def write_report(
    runs: list[tuple[str, Document]],
    output: str | Path,
    baseline: tuple[str, Document] | None = None,
    plots: bool | None = None,
    note: Note | None = None,
) -> Site:
    """Write the site of ``runs`` into the directory ``output`` (checked first)."""
    check_output_dir(output)
    files, b = build_site(runs, baseline, plots, note)
    path = write_directory(output, files)
    return Site(path, b.site_plots, b.site_tables, b.notes)
