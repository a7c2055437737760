"""Render a :class:`skbbench.compare.Comparison` in the global --format.

``kernel`` and ``table`` print text tables (tabulate ``simple``), ``markdown`` GitHub
tables, ``csv`` one row per case, ``json``/``yaml`` the whole comparison as data.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from skbbench.compare import Comparison, Metric, Mode, RatioVerdict, Verdict
from skbbench.stats import min_p_value

UNITS = {Metric.CYCLES: "cycles(tsc)", Metric.NS: "ns"}
CSV_COLUMNS = (
    "key",
    "case",
    "step",
    "baseline",
    "current",
    "ratio",
    "change_percent",
    "p",
    "verdict",
    "processes_baseline",
    "processes_current",
    "repeats_baseline",
    "repeats_current",
    "method",
    "note",
)


def _unit(comp: Comparison) -> str:
    if comp.options.metric is Metric.CYCLES and comp.clock is not None and comp.clock.normalized:
        return "core cycles (est.)"
    return UNITS[comp.options.metric]


def _num(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "-"
    if x != x or x in (float("inf"), float("-inf")):
        return str(x)
    return f"{x:.{digits}f}"


def _p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _change(r: float | None) -> str:
    if r is None or r != r or r == float("inf"):
        return "-"
    return f"{(r - 1) * 100:+.1f}%"


def _varying_params(comp: Comparison) -> set[str]:
    """Params whose value differs between cases: the only ones worth a column's width."""
    values: dict[str, set[str]] = {}
    for c in comp.cases:
        for k, v in c.params.items():
            values.setdefault(k, set()).add(repr(v))
    return {k for k, v in values.items() if len(v) > 1}


def _case_label(c: Any, show: set[str]) -> str:
    label = f"{c.name} (step:{c.step})" if c.step else c.name
    params = " ".join(f"{k}={v}" for k, v in sorted(c.params.items()) if k in show)
    return f"{label} {params}" if params else label


def case_rows(comp: Comparison, only_changes: bool = False) -> list[list[str]]:
    rows = []
    show = _varying_params(comp)
    for c in comp.cases:
        if only_changes and c.verdict is Verdict.NO_CHANGE:
            continue
        rows.append(
            [
                _case_label(c, show),
                _num(c.base_median),
                _num(c.cur_median),
                _num(c.ratio),
                _change(c.ratio),
                _p(c.p_value),
                c.verdict.value,
                c.detail,
            ]
        )
    return rows


def ratio_rows(comp: Comparison) -> list[list[str]]:
    return [
        [
            r.group,
            _num(r.base_ratio),
            _num(r.cur_ratio),
            "-" if r.change is None else f"{r.change * 100:+.1f}%",
            _p(r.p_value),
            r.verdict.value,
            r.detail,
        ]
        for r in comp.ratios
    ]


def counter_rows(comp: Comparison) -> list[list[str]]:
    return [[d.key, d.counter, str(d.baseline), str(d.current)] for d in comp.counters]


def _header(comp: Comparison) -> list[str]:
    unit = _unit(comp)
    lines = [f"baseline: {comp.baseline}", f"current:  {comp.current}"]
    clock = comp.clock
    if clock is not None and clock.baseline is not None and clock.current is not None:
        lines.append(
            f"core clock: {clock.baseline:.3f} -> {clock.current:.3f} core cycles per TSC tick "
            f"({(clock.change or 0) * 100:+.1f}%"
            + (", DRIFT" if clock.flagged else ", within the noise")
            + ("; cycles normalised to estimated core cycles)" if clock.normalized else ")")
        )
    stat = comp.options.stat.value
    if comp.mode is Mode.ABSOLUTE:
        lines.append(
            f"metric: {unit} per element, {stat} per worker process; minimum effect "
            f"{comp.threshold * 100:.3g}% ({comp.threshold_source}); significance: Welch t "
            f"on per-process values (Mann-Whitney U on the repeats of a single process), "
            f"alpha {comp.options.alpha:g}"
        )
    else:
        what = (
            f"variant ratio {comp.ratio} of the {stat} {unit} per element, "
            f"tolerance +-{(comp.tolerance or 0) * 100:g}%"
            if comp.ratio
            else "no --ratio given: only counters and case failures are checked"
        )
        lines.append(
            f"relative mode: {what}; counters compared exactly; absolute "
            "values shown for information only"
        )
    return lines


def _tabulate(rows: list[list[str]], headers: list[str], tablefmt: str) -> str:
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt=tablefmt, disable_numparse=True)


def summary_line(comp: Comparison) -> str:
    counts = ", ".join(f"{n} {v.value}" for v, n in comp.verdict_counts().items())
    if comp.mode is Mode.RELATIVE:
        ok = sum(r.verdict is RatioVerdict.OK for r in comp.ratios)
        counts = (
            f"{ok}/{len(comp.ratios)} variant ratios within tolerance, " if comp.ratio else ""
        ) + f"counters of {len(comp.cases)} cases compared"
    fails = comp.failures()
    if fails:
        return f"{counts} -> REGRESSION: " + "; ".join(fails)
    return f"{counts} -> no regression"


def render_text(comp: Comparison, tablefmt: str = "simple", only_changes: bool = False) -> str:
    parts = ["\n".join(_header(comp))]
    parts.extend(f"WARNING: {w}" for w in comp.warnings)
    unit = _unit(comp)
    rows = case_rows(comp, only_changes)
    if rows:
        headers = [
            "case",
            f"baseline {unit}",
            f"current {unit}",
            "ratio",
            "change",
            "p",
            "verdict",
            "note",
        ]
        parts.append(_tabulate(rows, headers, tablefmt))
    elif only_changes:
        parts.append(f"all {len(comp.cases)} common cases: no change")
    small = [c for c in comp.cases if c.verdict is Verdict.NOT_SIGNIFICANT and c.detail]
    if small:
        reps = small[0].repeats
        parts.append(
            f"NOTE: with {reps[0]} vs {reps[1]} repeats the smallest possible p is "
            f"{min_p_value(*reps):.3g}: use repeat >= 4 to detect changes at "
            f"alpha {comp.options.alpha:g}"
        )
    if comp.ratios:
        unit = UNITS[comp.options.metric]
        parts.append(
            f"Variant ratios {comp.ratio} ({comp.options.stat.value} {unit} per process; tolerance "
            f"+-{(comp.tolerance or 0) * 100:g}%):"
        )
        parts.append(
            _tabulate(
                ratio_rows(comp),
                ["group", "baseline", "current", "change", "p", "verdict", "note"],
                tablefmt,
            )
        )
    if comp.counters:
        parts.append(f"Counter differences ({len(comp.counters)}):")
        parts.append(
            _tabulate(counter_rows(comp), ["case", "counter", "baseline", "current"], tablefmt)
        )
    else:
        parts.append("Counters: identical in all common cases")
    if comp.only_baseline:
        parts.append(
            "Only in baseline: "
            + ", ".join(comp.only_baseline[:10])
            + (" ..." if len(comp.only_baseline) > 10 else "")
        )
    if comp.only_current:
        parts.append(
            "Only in current: "
            + ", ".join(comp.only_current[:10])
            + (" ..." if len(comp.only_current) > 10 else "")
        )
    parts.append(summary_line(comp))
    return "\n\n".join(parts) + "\n"


def render_comparison(comp: Comparison, fmt: str = "table", only_changes: bool = False) -> str:
    if fmt == "json":
        return json.dumps(comp.to_dict(), indent=1) + "\n"
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(comp.to_dict(), sort_keys=False, width=100)
    if fmt == "csv":
        return render_csv(comp)
    return render_text(comp, "github" if fmt == "markdown" else "simple", only_changes)


def render_csv(comp: Comparison) -> str:
    """One row per case, numbers as numbers (change in percent, p as a float)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in comp.cases:
        writer.writerow(
            [
                c.key,
                c.name,
                c.step,
                _csv_num(c.base_median),
                _csv_num(c.cur_median),
                _csv_num(c.ratio),
                _csv_num(None if c.ratio is None else (c.ratio - 1) * 100),
                _csv_num(c.p_value),
                c.verdict.value,
                c.processes[0],
                c.processes[1],
                c.repeats[0],
                c.repeats[1],
                c.method,
                c.detail,
            ]
        )
    return buf.getvalue()


def _csv_num(x: float | None) -> str:
    if x is None or x != x or x in (float("inf"), float("-inf")):
        return ""
    return f"{x:.6g}"
