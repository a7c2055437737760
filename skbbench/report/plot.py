"""``skbbench plot``: cycles (or ns) per element against a swept parameter, one line per
series: bulk size and variant by default; a family's spec names its own (``PLOT_SERIES``,
``PLOT_X``, ``PLOT_XLABEL``, ``PLOT_YUNIT``), e.g. pages per outstanding N, recycle per
holding delay.

matplotlib is the optional ``plot`` extra (``pip install 'skbbench[plot]'``); it is
imported only here, lazily, and its absence is a one-line usage error.

Plotted cases are those with the series param (``params["variant"]`` by default); x is
the x param (``params["size"]`` by default, else the case's step), on a log2 axis; y is
the median of the repeats with a band from the first to the third quartile. Documents
whose cases are per workload (``napi``) are drawn per workload instead: one line per
variant across the workloads. Published values (the seed posts' tables, from
skbbench.report.families.PUBLISHED) are drawn as markers for the variants plotted.
"""

from __future__ import annotations

import io
import statistics
from pathlib import Path
from typing import Any

from skbbench.errors import UsageError
from skbbench.outfile import check_output_path, write_output
from skbbench.results import repeat_values, split_document

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
MISSING_MESSAGE = (
    "plotting needs matplotlib, which is not installed: "
    "pip install 'skbbench[plot]' (or pip install matplotlib)"
)


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UsageError(MISSING_MESSAGE) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


Series = dict[str, list[tuple[float, float, float, float]]]  # variant -> (x, median, q1, q3)


def _quartiles(values: list[float]) -> tuple[float, float]:
    """First and third quartile (the band: robust to the odd disturbed repeat)."""
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def categories(doc: dict[str, Any]) -> list[str]:
    """The workloads of a document whose cases are per workload (napi), in run order:
    such documents are plotted per workload (x = 1, 2, ...) instead of against a size."""
    out: list[str] = []
    for case in doc.get("cases", []):
        params = case.get("params", {})
        w = params.get("workload")
        if "variant" in params and isinstance(w, str) and w not in out:
            out.append(w)
    return out


def axes(doc: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """(series param, x param, x label, y unit, title) the document's family plots with."""
    from skbbench import registry
    from skbbench.errors import UsageError as _Usage
    from skbbench.spec import RunConfig

    family: type[RunConfig] = RunConfig
    try:
        family = registry.get(doc.get("command", ""))
    except _Usage:
        pass
    return (
        family.PLOT_SERIES,
        family.PLOT_X,
        family.PLOT_XLABEL,
        family.PLOT_YUNIT,
        family.PLOT_TITLE,
    )


def sweep_series(doc: dict[str, Any], metric: str = "cycles") -> Series:
    """series -> sorted points (x, median, first quartile, third quartile)."""
    series_key, x_key, *_ = axes(doc)
    out: Series = {}
    cats = categories(doc)
    for case in doc["cases"]:
        params = case.get("params", {})
        if series_key not in params:
            continue
        if case.get("kind", "single") != "single" and cats:
            continue
        x = params.get(x_key, case.get("step"))
        if cats:
            x = cats.index(params["workload"]) + 1
        if isinstance(x, bool) or not isinstance(x, (int, float)) or x <= 0:
            continue
        values = repeat_values(case, metric)
        if not values:
            continue
        q1, q3 = _quartiles(values)
        out.setdefault(str(params[series_key]), []).append(
            (float(x), statistics.median(values), q1, q3)
        )
    for points in out.values():
        points.sort()
    return out


def published_series(doc: dict[str, Any]) -> dict[str, dict[float, float]]:
    """The seed post's cycles per element for ``doc``'s family (variant -> x -> cycles),
    {} when nothing was published for it."""
    from skbbench.report.families import published_series as family_series

    return family_series(doc)


def plot_documents(
    docs: list[tuple[str, dict[str, Any]]],
    output: str | Path,
    metric: str = "cycles",
    published: bool = True,
    title: str | None = None,
) -> int:
    """Plot ``(label, document)`` pairs into ``output`` (.png, .svg or .pdf), checked
    before drawing and written safely (skbbench.outfile). Returns the number of lines drawn."""
    out = Path(output)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise UsageError(
            f"{output}: the image type comes from the suffix: use one of "
            f"{', '.join(IMAGE_SUFFIXES)}"
        )
    target = check_output_path(out)  # before drawing: a bad path costs nothing
    series: list[tuple[str, dict[str, Any], Series]] = []
    for label, doc in docs:
        found = False
        parts = split_document(doc)
        for part, run in zip(
            parts, doc.get("config", {}).get("runs", [{}] * len(parts)), strict=False
        ):
            s = sweep_series(part, metric)
            if s:
                name = f"{label} {run['label']}" if len(parts) > 1 and "label" in run else label
                series.append((name, part, s))
                found = True
        if not found:
            raise UsageError(
                f"{label}: no case with params.{axes(doc)[0]} and a positive "
                f"{axes(doc)[1]} to plot (plot draws sweeps: bulk sizes, outstanding pages, "
                "holding delays)"
            )
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    lines = 0
    sizes: set[float] = set()
    many = len(series) > 1
    published_done: set[str] = set()
    colors: dict[str, str] = {}
    for label, part, s in series:
        for variant, points in s.items():
            xs = [p[0] for p in points]
            sizes.update(xs)
            name = f"{label}: {variant}" if many else variant
            (line,) = ax.plot(xs, [p[1] for p in points], marker=".", label=name)
            colors.setdefault(variant, line.get_color())
            ax.fill_between(
                xs,
                [p[2] for p in points],
                [p[3] for p in points],
                color=line.get_color(),
                alpha=0.15,
                linewidth=0,
            )
            lines += 1
        if published and metric == "cycles":
            for variant, pts in published_series(part).items():
                if variant not in s or variant in published_done:
                    continue
                published_done.add(variant)
                ks = sorted(pts)
                ax.scatter(
                    ks,
                    [pts[k] for k in ks],
                    marker="x",
                    s=30,
                    color=colors.get(variant),
                    label=f"published: {variant}",
                    zorder=3,
                )
    cats = categories(series[0][1]) if series else []
    _, _, xlabel, yunit, default_title = axes(series[0][1]) if series else axes({})
    if cats:
        ax.set_xticks(range(1, len(cats) + 1))
        ax.set_xticklabels(cats)
        ax.set_xlabel("workload")
        ax.set_ylabel(f"cycles(tsc) per {yunit}" if metric == "cycles" else f"ns per {yunit}")
        ax.set_title(title or f"{default_title} (median, quartiles)")
    else:
        ax.set_xscale("log", base=2)
        ticks = sorted(sizes)
        if ticks and len(ticks) <= 20:
            ax.set_xticks(ticks)
            ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"cycles(tsc) per {yunit}" if metric == "cycles" else f"ns per {yunit}")
        ax.set_title(title or f"{default_title} (median, quartile band)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=out.suffix.lower().lstrip("."))
    plt.close(fig)
    write_output(target, buf.getvalue())
    return lines
