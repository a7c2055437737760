"""A case's history as a time-series plot: its value in each run, the level of each
segment between change points, and the change points as dashed vertical lines.
matplotlib (the ``plot`` extra) is imported lazily, as in skbbench.report.plot."""

from __future__ import annotations

import io
import statistics
import textwrap

from skbbench.history import CaseHistory, History
from skbbench.report.plot import _pyplot


def _short(label: str) -> str:
    name = label.rsplit("/", 1)[-1]
    return name if len(name) <= 14 else name[:13] + "~"


def history_svg(history: History, case: CaseHistory) -> bytes:
    """The plot of one case's history as SVG."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 2.8), dpi=100)
    xs = [i + 1 for i, v in enumerate(case.values) if v is not None]
    ys = [v for v in case.values if v is not None]
    ax.plot(xs, ys, marker="o", markersize=4, linewidth=1, color="#2b5d8c", label="run value")
    cuts = [s.run for s in case.steps]
    bounds = [0, *cuts, len(case.values)]
    for n, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        seg = [v for v in case.values[a:b] if v is not None]
        if seg:
            ax.hlines(
                statistics.median(seg),
                a + 0.6,
                b + 0.4,
                colors="#e69a28",
                linewidth=2,
                label="segment median" if n == 0 else None,
            )
    for n, s in enumerate(case.steps):
        ax.axvline(
            s.run + 0.5,
            color="#b00020",
            linestyle="--",
            linewidth=1.2,
            label="change point" if n == 0 else None,
        )
        ax.annotate(
            f"{s.change * 100:+.1f}%",
            (s.run + 0.5, max(ys)),
            color="#b00020",
            fontsize=8,
            ha="left",
            va="top",
        )
    ax.set_xticks(range(1, len(history.runs) + 1))
    labels = [_short(r.label) for r in history.runs]
    ax.set_xticklabels(labels, rotation=30 if len(labels) > 6 else 0, fontsize=7, ha="right")
    ax.set_ylabel(f"{history.unit}", fontsize=8)
    title = f"{case.key} (latest level: {case.trend.value})"
    ax.set_title("\n".join(textwrap.wrap(title, 110)), fontsize=8)
    ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    buf = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue()
