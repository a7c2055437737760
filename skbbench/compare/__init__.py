"""Compare result documents: per-case verdicts on per-process values, the core clock's
drift shown and undone, exact counter checks, and a relative mode (ratios between two
variants measured in the same run) for CI across machines.

Reads documents only (``skbbench.document``); no numba. The method -- the process as
the unit of the test, the minimum effect from the measured between-process noise, the
clock probe -- and the measured false-alarm and detection rates are in
docs/measurement.md. Modules: ``options`` (what is asked), ``samples`` (the values),
``absolute`` and ``relative`` (the two modes), ``clock``, ``counters``, ``configs``
(whether two documents are comparable), ``result`` (what was found).
"""

from __future__ import annotations

from skbbench.compare.absolute import ONE_PROCESS_THRESHOLD, Sides, auto_threshold, compare_case
from skbbench.compare.clock import clock_drift
from skbbench.compare.configs import config_differences, machine_differences, result_config
from skbbench.compare.counters import counter_diffs
from skbbench.compare.options import (
    Clock,
    CompareOptions,
    Metric,
    Mode,
    RatioVerdict,
    Stat,
    Verdict,
    parse_ratio,
)
from skbbench.compare.relative import compare_ratios
from skbbench.compare.result import (
    CaseComparison,
    ClockDrift,
    Comparison,
    CounterDiff,
    RatioComparison,
)
from skbbench.compare.samples import process_clocks
from skbbench.disturbance import ByRun, describe, disturbed_by_run
from skbbench.document import Document
from skbbench.errors import UsageError

__all__ = [
    "CaseComparison",
    "Clock",
    "ClockDrift",
    "CompareOptions",
    "Comparison",
    "CounterDiff",
    "Metric",
    "Mode",
    "RatioComparison",
    "RatioVerdict",
    "Stat",
    "Verdict",
    "compare_documents",
    "parse_ratio",
    "result_config",
]


def compare_documents(
    base: Document,
    cur: Document,
    options: CompareOptions | None = None,
    baseline_name: str = "baseline",
    current_name: str = "current",
) -> Comparison:
    """Compare two documents of one config (``skbbench.document.load_document``)."""
    opts = options or CompareOptions()
    differ = config_differences(base, cur)
    if differ:
        raise UsageError(
            f"{baseline_name} and {current_name} measured different configurations ("
            + "; ".join(differ)
            + "): compare runs of one config (repeat, warmup, processes and cpu may differ)"
        )
    bcases = {c.key: c for c in base.cases}
    ccases = {c.key: c for c in cur.cases}
    common = [k for k in bcases if k in ccases]
    if not common:
        raise UsageError(
            f"{baseline_name} and {current_name} have no case in common "
            f"({len(bcases)} vs {len(ccases)} cases)"
        )
    exclude = (disturbed_by_run(base), disturbed_by_run(cur))
    drift = clock_drift(base, cur, opts.normalize, exclude)
    clocks = (process_clocks(base), process_clocks(cur)) if drift.normalized else None
    sides = Sides(opts.metric, opts.stat, clocks, exclude)
    pairs = [(bcases[k], ccases[k]) for k in common]
    # The auto minimum effect comes from the cases with two or more processes a side; a
    # case left with one process on a side (disturbed ones excluded) is held to at least
    # the one-process default.
    if opts.threshold is None:
        floor = ONE_PROCESS_THRESHOLD
        threshold, source = auto_threshold(pairs, sides)
    else:
        floor, threshold, source = 0.0, opts.threshold, "given"
    comp = Comparison(
        baseline=baseline_name,
        current=current_name,
        options=opts,
        threshold=threshold,
        threshold_source=source,
        clock=drift,
        only_baseline=[k for k in bcases if k not in ccases],
        only_current=[k for k in ccases if k not in bcases],
    )
    for b, c in pairs:
        comp.cases.append(compare_case(b, c, sides, threshold, opts.alpha, floor))
        comp.counters.extend(counter_diffs(c.key, b.counters, c.counters))
    if opts.mode is Mode.RELATIVE and opts.ratio:
        comp.ratios = compare_ratios(
            [bcases[k] for k in common] + [bcases[k] for k in comp.only_baseline],
            [ccases[k] for k in common] + [ccases[k] for k in comp.only_current],
            opts,
            baseline_name,
            exclude,
        )
    comp.warnings = _warnings(comp, base, cur, exclude)
    return comp


def _warnings(
    comp: Comparison, base: Document, cur: Document, exclude: tuple[ByRun, ByRun]
) -> list[str]:
    out = []
    for name, side in zip((comp.baseline, comp.current), exclude, strict=True):
        for label, procs in side.items():
            where = f"{name}" + (f" ({label})" if label else "")
            out.append(f"{where}: {describe(procs, 'left out')}")
    one = [c for c in comp.cases if min(c.processes) < 2 and c.repeats[0] and c.repeats[1]]
    if one and comp.mode is Mode.ABSOLUTE:
        out.append(
            f"{len(one)} case(s) have one worker process on a side: the test sees only the "
            "repeats of that process, not the noise between processes (2-3% on a VM); run "
            "with --processes 5 (or more) for a sound comparison"
        )
    drift = comp.clock
    if drift is not None and drift.flagged:
        how = (
            "cycles compared as estimated core cycles (--clock raw to compare cycles(tsc))"
            if drift.normalized
            else "cycles(tsc) compared as measured"
        )
        out.append(
            f"core clock drift: core cycles per TSC tick {drift.baseline:.3f} -> "
            f"{drift.current:.3f} ({drift.change:+.1%}, noise {drift.noise or 0:.1%}): {how}"
        )
    diff_machine = machine_differences(base.machine, cur.machine)
    if diff_machine:
        advice = (
            "compare variant ratios (--mode relative) and counters, not absolute cycles"
            if comp.mode is Mode.ABSOLUTE
            else "absolute cycles are not judged"
        )
        out.append(
            "the files come from different machines (" + "; ".join(diff_machine) + f"): {advice}"
        )
    if comp.only_baseline:
        out.append(f"{len(comp.only_baseline)} baseline case(s) missing from {comp.current}")
    if comp.only_current:
        out.append(f"{len(comp.only_current)} case(s) of {comp.current} not in {comp.baseline}")
    return out
