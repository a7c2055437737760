"""``skbbench plot``: cycles(tsc) (or ns) per element as each family's descriptor says
(skbbench.family.PlotAxes): one line per series against a numeric x (bulk size, pages
outstanding, release delay), with a tick at every measured x and a log axis when the
sizes span a decade or more; or, for a categorical x (napi's workloads), grouped bars,
one group per x and one bar per series. y is the median of a case's kept repeats; the
band (or error bar) spans the per-process medians when the run had several worker
processes, else the repeats' quartiles, so one disturbed repeat cannot stretch it. The
posts' published values are drawn as markers, named in the legend.

matplotlib is the optional ``plot`` extra; it is imported only here, lazily, and its
absence is a one-line usage error. PNG, SVG or PDF by the output's suffix.
"""

from __future__ import annotations

import io
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skbbench.document import Case, Document, Metric
from skbbench.document.merge import split_document
from skbbench.errors import UsageError
from skbbench.family import PlotAxes
from skbbench.outfile import check_output_path, write_output
from skbbench.report.families import family_of, published_series

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
INSTALL_HINT = "pip install '.[plot]' in the skbbench checkout"
MISSING_MESSAGE = (
    f"plotting needs matplotlib, which is not installed: {INSTALL_HINT} (or pip install matplotlib)"
)
LOG_SPAN = 10  # a log x axis when the largest x is at least 10 x the smallest
# a document of a family this installation does not know: its variants against its sizes
UNKNOWN_FAMILY = PlotAxes(
    x="size", xlabel="size (params.size, else the step)", title="per-element cost"
)


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UsageError(MISSING_MESSAGE) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@dataclass(frozen=True)
class PlotPoint:
    x: float | str
    median: float
    low: float
    high: float


Series = dict[str, list[PlotPoint]]  # series name -> points in x order


def _spread(case: Case, metric: Metric, values: list[float]) -> tuple[float, float]:
    """The band of one point: the per-process medians' range with two or more worker
    processes, else the first to third quartile of the repeats."""
    by_process = case.values_by_process(metric, exclude=case.left_out)
    if len(by_process) >= 2:
        medians = [statistics.median(v) for v in by_process.values()]
        return min(medians), max(medians)
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def _x_of(case: Case, axes: PlotAxes) -> float | str | None:
    x = case.step if axes.x == "step" else case.params.get(axes.x, case.step)
    if axes.categorical:
        return str(x)
    if isinstance(x, bool) or not isinstance(x, (int, float)) or x <= 0:
        return None
    return float(x)


def sweep_series(doc: Document, axes: PlotAxes, metric: Metric = Metric.CYCLES) -> Series:
    """series -> points (x, median, band low, band high), in x order (a categorical x:
    in run order)."""
    out: Series = {}
    for case in doc.cases:
        if axes.series not in case.params or (axes.categorical and case.parallel):
            continue
        x = _x_of(case, axes)
        values = case.values(metric)
        if x is None or not values:
            continue
        low, high = _spread(case, metric, values)
        name = str(case.params[axes.series])
        out.setdefault(name, []).append(PlotPoint(x, statistics.median(values), low, high))
    if not axes.categorical:
        for points in out.values():
            points.sort(key=lambda p: float(p.x))
    return out


@dataclass
class _Drawn:
    label: str
    doc: Document
    axes: PlotAxes
    series: Series


def _collect(docs: list[tuple[str, Document]], metric: Metric) -> list[_Drawn]:
    drawn: list[_Drawn] = []
    for label, doc in docs:
        parts = split_document(doc)
        names = [p.label for p in doc.runs()] or [""]
        found = False
        why = ""
        for part, run in zip(parts, names, strict=False):
            family = family_of(part)
            axes = UNKNOWN_FAMILY if family is None else family.plot
            if axes is None:
                why = f"the {part.command} family has no plot"
                continue
            s = sweep_series(part, axes, metric)
            if s:
                name = f"{label} {run}" if len(parts) > 1 and run else label
                drawn.append(_Drawn(name, part, axes, s))
                found = True
            else:
                why = f"no case with params.{axes.series} and a {axes.x} to plot"
        if not found:
            raise UsageError(f"{label}: nothing to plot ({why or 'no cases'})")
    kinds = {(d.axes.x, d.axes.categorical) for d in drawn}
    if len(kinds) > 1:
        raise UsageError("the files plot different quantities: draw each family on its own")
    return drawn


def plot_documents(
    docs: list[tuple[str, Document]],
    output: str | Path,
    metric: Metric = Metric.CYCLES,
    published: bool = True,
    title: str | None = None,
) -> int:
    """Plot ``(label, document)`` pairs into ``output`` (.png, .svg or .pdf), checked
    before drawing and written safely (skbbench.outfile). Returns the number of series
    drawn."""
    out = Path(output)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise UsageError(
            f"{output}: the image type comes from the suffix: use one of "
            f"{', '.join(IMAGE_SUFFIXES)}"
        )
    target = check_output_path(out)  # before drawing: a bad path costs nothing
    data, lines = render_plot(docs, out.suffix.lower().lstrip("."), metric, published, title)
    write_output(target, data)
    return lines


def render_plot(
    docs: list[tuple[str, Document]],
    fmt: str = "svg",
    metric: Metric = Metric.CYCLES,
    published: bool = True,
    title: str | None = None,
) -> tuple[bytes, int]:
    """The plot of ``(label, document)`` pairs as an image of type ``fmt`` (png, svg or
    pdf) and the number of series drawn."""
    drawn = _collect(docs, metric)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    axes = drawn[0].axes
    if axes.categorical:
        lines = _bars(ax, drawn)
    else:
        lines = _lines(ax, drawn, metric, published)
    unit = "cycles(tsc)" if metric is Metric.CYCLES else "ns"
    ax.set_ylabel(f"{unit} per {axes.unit}")
    ax.set_xlabel(axes.xlabel)
    band = "per-process range" if any(_several(d) for d in drawn) else "quartiles of the repeats"
    ax.set_title(title or f"{axes.title} (median; band: {band})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    # SVG text stays text (searchable, selectable), not glyph outlines
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt)
    plt.close(fig)
    return buf.getvalue(), lines


def _several(d: _Drawn) -> bool:
    return d.doc.processes > 1


def _lines(ax: Any, drawn: list[_Drawn], metric: Metric, published: bool) -> int:
    lines = 0
    xs_all: set[float] = set()
    colors: dict[str, str] = {}
    many = len(drawn) > 1
    marked: set[str] = set()
    for d in drawn:
        for name, points in d.series.items():
            xs = [float(p.x) for p in points]
            xs_all.update(xs)
            label = f"{d.label}: {name}" if many else name
            (line,) = ax.plot(xs, [p.median for p in points], marker=".", label=label)
            colors.setdefault(name, line.get_color())
            ax.fill_between(
                xs,
                [p.low for p in points],
                [p.high for p in points],
                color=line.get_color(),
                alpha=0.15,
                linewidth=0,
            )
            lines += 1
        if published and metric is Metric.CYCLES:
            for name, pts in published_series(d.doc).items():
                if name not in d.series or name in marked:
                    continue
                marked.add(name)
                ks = sorted(pts)
                xs_all.update(ks)
                ax.scatter(
                    ks,
                    [pts[k] for k in ks],
                    marker="x",
                    s=30,
                    color=colors.get(name),
                    label=f"published: {name}",
                    zorder=3,
                )
    ticks = sorted(xs_all)
    log = bool(drawn[0].axes.log_x and ticks and ticks[-1] >= LOG_SPAN * ticks[0])
    if log:
        ax.set_xscale("log", base=2)
    ax.set_xticks(ticks)
    ax.set_xticklabels(tick_labels(ticks, log), rotation=90 if len(ticks) > 12 else 0)
    ax.minorticks_off()
    return lines


def tick_labels(ticks: list[float], log: bool, gap: float = 0.02) -> list[str]:
    """A label for every tick that lies at least ``gap`` of the axis from the last one
    labelled (a tick stays at every x; close ones, such as 30, 32, 34, would overprint)."""
    if not ticks:
        return []
    pos = [math.log2(t) for t in ticks] if log else list(ticks)
    span = (pos[-1] - pos[0]) or 1.0
    out, last = [], None
    for t, x in zip(ticks, pos, strict=True):
        if last is None or (x - last) / span >= gap:
            out.append(f"{t:g}")
            last = x
        else:
            out.append("")
    return out


def _bars(ax: Any, drawn: list[_Drawn]) -> int:
    cats: list[str] = []
    bars: list[tuple[str, dict[str, PlotPoint]]] = []
    many = len(drawn) > 1
    for d in drawn:
        for name, points in d.series.items():
            for p in points:
                if str(p.x) not in cats:
                    cats.append(str(p.x))
            bars.append((f"{d.label}: {name}" if many else name, {str(p.x): p for p in points}))
    width = 0.8 / max(1, len(bars))
    for i, (name, by_cat) in enumerate(bars):
        xs = [j + (i - (len(bars) - 1) / 2) * width for j, c in enumerate(cats) if c in by_cat]
        pts = [by_cat[c] for c in cats if c in by_cat]
        ax.bar(
            xs,
            [p.median for p in pts],
            width=width,
            yerr=[[p.median - p.low for p in pts], [p.high - p.median for p in pts]],
            capsize=2,
            label=name,
        )
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels(cats)
    return len(bars)
