"""Compare result documents: per-case verdicts on per-process values, the core clock's
drift shown and undone, exact counter checks, and a relative mode (ratios between two
variants measured in the same run) for CI across machines.

Reads documents only (``skbbench.results``); no numba. The method -- the process as the
unit of the test, the minimum effect from the measured between-process noise, the clock
probe -- and the measured false-alarm and detection rates are in docs/measurement.md.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from skbbench.disturbance import ByRun, describe, disturbed_by_run, excluded
from skbbench.errors import UsageError
from skbbench.results import same_machine_fields, values_by_process
from skbbench.stats import mann_whitney_u, min_p_value, welch_t

METRICS = ("cycles", "ns")
MODES = ("absolute", "relative")
STATS = ("median", "min")
# The per-process value compared: the minimum of a process's repeats (timing noise only
# adds; measured with tools/false_alarm.py: fewer false alarms and more detections than
# the median on this VM, README "Comparing runs").
DEFAULT_STAT = "min"
CLOCKS = ("normalize", "raw")
VERDICTS = ("faster", "slower", "no change", "not significant", "failed", "no data")
RATIO_VERDICTS = ("ok", "worse", "better", "missing")

DEFAULT_ALPHA = 0.05
DEFAULT_TOLERANCE = 0.25
THRESHOLD_FACTOR = 3.0  # auto minimum effect: 3 x the between-process CV ...
THRESHOLD_FLOOR = 0.02  # ... and never below 2 %
ONE_PROCESS_THRESHOLD = 0.05  # minimum effect when a side has one process
DRIFT_FLOOR = 0.01  # a core-clock change below 1 % is not called drift
# Options that change how long or how often a run measures, not what it measures.
NOT_RESULT_KEYS = ("repeat", "warmup", "processes", "cpu")


# --------------------------------------------------------------------------------------
# Results of a comparison


@dataclass
class CaseComparison:
    key: str
    name: str
    step: int
    params: dict[str, Any]
    base_median: float | None
    cur_median: float | None
    ratio: float | None
    p_value: float | None
    method: str
    verdict: str
    repeats: tuple[int, int]
    processes: tuple[int, int] = (1, 1)
    detail: str = ""


@dataclass
class CounterDiff:
    key: str
    counter: str
    baseline: Any
    current: Any


@dataclass
class RatioComparison:
    group: str
    numerator: str
    denominator: str
    base_ratio: float | None
    cur_ratio: float | None
    change: float | None
    verdict: str
    p_value: float | None = None
    detail: str = ""


@dataclass
class ClockDrift:
    """The core-clock/TSC ratio of each side (median over its processes)."""

    baseline: float | None
    current: float | None
    change: float | None  # current / baseline - 1
    noise: float | None  # between-process CV of the ratio within the sides
    flagged: bool  # a drift above the noise
    normalized: bool  # cycles were compared as estimated core cycles


@dataclass
class Comparison:
    baseline: str
    current: str
    metric: str
    mode: str
    threshold: float
    alpha: float
    threshold_source: str = "given"
    tolerance: float | None = None
    ratio: str | None = None
    stat: str = DEFAULT_STAT
    clock: ClockDrift | None = None
    cases: list[CaseComparison] = field(default_factory=list)
    ratios: list[RatioComparison] = field(default_factory=list)
    counters: list[CounterDiff] = field(default_factory=list)
    only_baseline: list[str] = field(default_factory=list)
    only_current: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        """One line per reason for exit status 1 (empty: no regression)."""
        out = []
        if self.mode == "absolute":
            slower = [c for c in self.cases if c.verdict == "slower"]
            if slower:
                out.append(f"{len(slower)} case(s) slower")
        failed = [c for c in self.cases if c.verdict == "failed"]
        if failed:
            out.append(f"{len(failed)} case(s) failed in the current run")
        if self.counters:
            keys = {d.key for d in self.counters}
            out.append(f"{len(self.counters)} counter difference(s) in {len(keys)} case(s)")
        moved = [r for r in self.ratios if r.verdict in ("worse", "better")]
        if moved:
            out.append(
                f"{len(moved)} variant ratio(s) outside the +-{_pct(self.tolerance)} tolerance"
            )
        missing = [r for r in self.ratios if r.verdict == "missing"]
        if missing:
            out.append(f"{len(missing)} variant ratio(s) missing in the current run")
        return out

    @property
    def regression(self) -> bool:
        return bool(self.failures())

    @property
    def exit_status(self) -> int:
        return 1 if self.regression else 0

    def verdict_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for c in self.cases:
            counts[c.verdict] += 1
        return {k: v for k, v in counts.items() if v}

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        for c in doc["cases"]:
            c["repeats"] = list(c["repeats"])
            c["processes"] = list(c["processes"])
        doc["failures"] = self.failures()
        doc["regression"] = self.regression
        doc["exit_status"] = self.exit_status
        return doc


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:g}%"


# --------------------------------------------------------------------------------------
# Values of a case: per repeat and per worker process


@dataclass
class Samples:
    """One side of one case: every repeat's value and each process's median."""

    repeats: list[float]
    processes: list[float]


# A worker process: the "run" label of its config in a merged ``run`` document (None
# otherwise) and its number.
ProcessKey = tuple[str | None, int]


def process_clocks(doc: dict[str, Any]) -> dict[ProcessKey, float]:
    """Worker process -> its core-clock/TSC ratio (mean of the probes before and after
    its cases); {} for a document without probes (schema 1)."""
    out: dict[ProcessKey, float] = {}
    for info in doc.get("machine", {}).get("processes", []) or []:
        probes = [info.get(k, {}).get("core_per_tsc") for k in ("clock_before", "clock_after")]
        values = [float(v) for v in probes if isinstance(v, (int, float)) and v > 0]
        if values and isinstance(info.get("process"), int):
            out[(info.get("run"), info["process"])] = sum(values) / len(values)
    return out


def case_samples(
    case: dict[str, Any],
    metric: str,
    clocks: dict[ProcessKey, float] | None,
    stat: str = DEFAULT_STAT,
    exclude: frozenset[int] = frozenset(),
) -> Samples:
    """Per-element values of a case: ``cycles`` from the TSC (times the process's
    core-clock ratio when ``clocks`` is given: estimated core cycles), or ``ns``; the
    value of a process is the ``stat`` (median or min) of its repeats. Processes in
    ``exclude`` (disturbed, ``skbbench.disturbance``) are left out."""
    by_process = values_by_process(case, metric, exclude)
    if clocks is not None and metric == "cycles":
        for p, values in by_process.items():
            ratio = clocks.get((case.get("run"), p), 1.0)
            by_process[p] = [v * ratio for v in values]
    repeats = [v for values in by_process.values() for v in values]
    pick = min if stat == "min" else statistics.median
    return Samples(repeats, [pick(values) for values in by_process.values()])


def _cv(values: list[float]) -> float | None:
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean > 0 else None


# --------------------------------------------------------------------------------------
# Comparing


def _flatten(counters: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in counters.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flatten(v, path))
        else:
            out[path] = v
    return out


def counter_diffs(key: str, base: dict[str, Any], cur: dict[str, Any]) -> list[CounterDiff]:
    """Every counter whose value differs, or that exists on one side only."""
    fb, fc = _flatten(base), _flatten(cur)
    out = []
    for name in list(fb) + [k for k in fc if k not in fb]:
        b, c = fb.get(name, _MISSING), fc.get(name, _MISSING)
        if b != c or type(b) is not type(c) and not _both_numbers(b, c):
            out.append(CounterDiff(key, name, _show(b), _show(c)))
    return out


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


_MISSING = _Missing()


def _both_numbers(a: Any, b: Any) -> bool:
    return isinstance(a, (int, float)) and isinstance(b, (int, float))


def _show(v: Any) -> Any:
    return "(absent)" if v is _MISSING else v


def parse_ratio(spec: str) -> tuple[str, str]:
    """``'after/before'`` -> ('after', 'before')."""
    num, sep, den = spec.partition("/")
    if not sep or not num.strip() or not den.strip() or "/" in den:
        raise UsageError(
            f"--ratio {spec!r}: expected NUMERATOR/DENOMINATOR variant names, e.g. after/before"
        )
    return num.strip(), den.strip()


Tagged = list[tuple[dict[str, Any], str, dict[str, Any]]]


def _tag_variants(
    cases: list[dict[str, Any]], variant_key: str, variants: tuple[str, ...] | None = None
) -> Tagged:
    """(case, variant, group params) for cases that carry ``params[variant_key]`` (only
    ``variants`` when given).

    A case's group is its step (the bulk size) plus its other params, less those that
    merely restate the variant (one value per variant, different between variants, like
    slab_bulk_test03's ``block``). Two cases of one variant that would share a group
    (different scenarios with the same step and params) are told apart by their names."""
    tagged = []
    for case in cases:
        params = case.get("params", {})
        if variant_key not in params:
            continue
        variant = str(params[variant_key])
        if variants is not None and variant not in variants:
            continue
        rest = {k: v for k, v in params.items() if k != variant_key}
        rest["step"] = case.get("step")
        tagged.append((case, variant, rest))
    per_variant: dict[str, dict[str, set[str]]] = {}
    for _, variant, rest in tagged:
        for k, v in rest.items():
            per_variant.setdefault(variant, {}).setdefault(k, set()).add(repr(v))
    if len(per_variant) > 1:
        keys = set.intersection(*(set(d) for d in per_variant.values()))
        restating = {
            k
            for k in keys
            if all(len(d[k]) == 1 for d in per_variant.values())
            and len({next(iter(d[k])) for d in per_variant.values()}) == len(per_variant)
        }
        for _, _, rest in tagged:
            for k in restating:
                rest.pop(k, None)
    seen: dict[tuple[str, str], int] = {}
    for _, variant, rest in tagged:
        ident = (variant, repr(sorted(rest.items())))
        seen[ident] = seen.get(ident, 0) + 1
    for case, variant, rest in tagged:
        if seen[(variant, repr(sorted(rest.items())))] > 1:
            rest["case"] = case.get("name")
    return tagged


def _varying(*tagged: Tagged) -> list[str]:
    """Group params whose value differs somewhere (they make the group labels)."""
    rows = [r for t in tagged for _, _, r in t]
    keys = sorted({k for r in rows for k in r})
    return [k for k in keys if len({repr(r.get(k)) for r in rows}) > 1]


def _variant_groups(tagged: Tagged, varying: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """group label (``step=16``, only what varies) -> variant -> case."""
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for case, variant, rest in tagged:
        label = " ".join(f"{k}={rest.get(k)}" for k in varying) or "(all)"
        groups.setdefault(label, {})[variant] = case
    return groups


def _group_sort_key(label: str) -> list[Any]:
    """Natural order: step=2 before step=16, N=2 before N=10."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", label)
    ]


Excluded = tuple[ByRun, ByRun]  # each side's disturbed processes (skbbench.disturbance)
NO_EXCLUSION: Excluded = ({}, {})


def compare_case(
    base: dict[str, Any],
    cur: dict[str, Any],
    metric: str,
    threshold: float,
    alpha: float,
    clocks: tuple[dict[ProcessKey, float], dict[ProcessKey, float]] | None = None,
    stat: str = DEFAULT_STAT,
    exclude: Excluded = NO_EXCLUSION,
    one_process_floor: float = 0.0,
) -> CaseComparison:
    """The verdict of one case: on per-process values (``stat`` of each process's repeats)
    when both sides have two or more processes (Welch's t-test on logs), else on the
    repeats (Mann-Whitney U), with a minimum effect of at least ``one_process_floor``.
    ``exclude``: each side's disturbed processes, left out."""
    bs = case_samples(base, metric, clocks[0] if clocks else None, stat, excluded(base, exclude[0]))
    cs = case_samples(cur, metric, clocks[1] if clocks else None, stat, excluded(cur, exclude[1]))
    common: dict[str, Any] = dict(
        key=cur["key"],
        name=cur["name"],
        step=cur.get("step", 0),
        params=cur.get("params", {}),
        repeats=(len(bs.repeats), len(cs.repeats)),
        processes=(len(bs.processes), len(cs.processes)),
    )
    if cur.get("error"):
        bm = statistics.median(bs.processes) if bs.processes else None
        return CaseComparison(
            **common,
            base_median=bm,
            cur_median=None,
            ratio=None,
            p_value=None,
            method="",
            verdict="failed",
            detail=cur["error"],
        )
    if not bs.repeats or not cs.repeats:
        side = "baseline" if not bs.repeats else "current"
        why = base.get("error") if not bs.repeats and base.get("error") else "no repeat with values"
        return CaseComparison(
            **common,
            base_median=statistics.median(bs.processes) if bs.processes else None,
            cur_median=statistics.median(cs.processes) if cs.processes else None,
            ratio=None,
            p_value=None,
            method="",
            verdict="no data",
            detail=f"{side}: {why}",
        )
    detail = ""
    if len(bs.processes) >= 2 and len(cs.processes) >= 2:
        bm, cm = statistics.median(bs.processes), statistics.median(cs.processes)
        test = welch_t([math.log(v) for v in bs.processes], [math.log(v) for v in cs.processes])
        p, method = test.p, "welch-t/processes"
    else:
        bm, cm = statistics.median(bs.repeats), statistics.median(cs.repeats)
        mw = mann_whitney_u(bs.repeats, cs.repeats)
        p, method = mw.p, f"mann-whitney/repeats ({mw.method})"
        detail = "one process: between-process noise not measured"
        threshold = max(threshold, one_process_floor)
    ratio = (1.0 if cm == bm else math.inf) if bm <= 0 else cm / bm
    change = ratio - 1
    if abs(change) < threshold:
        verdict = "no change"
    elif p < alpha:
        verdict = "slower" if change > 0 else "faster"
    else:
        verdict = "not significant"
        n = common["processes"] if method.startswith("welch") else common["repeats"]
        if not method.startswith("welch") and min_p_value(*n) >= alpha:
            detail = f"{n[0]} vs {n[1]} repeats cannot reach p < {alpha:g}"
    return CaseComparison(
        **common,
        base_median=bm,
        cur_median=cm,
        ratio=ratio,
        p_value=p,
        method=method,
        verdict=verdict,
        detail=detail,
    )


def clock_drift(
    base: dict[str, Any],
    cur: dict[str, Any],
    normalize: bool,
    exclude: Excluded = NO_EXCLUSION,
) -> ClockDrift:
    """Each side's core-clock/TSC ratio (disturbed processes left out) and whether the
    change is above the noise."""
    bc, cc = (
        {k: v for k, v in process_clocks(doc).items() if k[1] not in skip.get(k[0], {})}
        for doc, skip in ((base, exclude[0]), (cur, exclude[1]))
    )
    if not bc or not cc:
        return ClockDrift(None, None, None, None, False, False)
    b, c = statistics.median(bc.values()), statistics.median(cc.values())
    cvs = [v for v in (_cv(list(bc.values())), _cv(list(cc.values()))) if v is not None]
    noise = max(cvs) if cvs else None
    change = c / b - 1
    flagged = abs(change) > max(DRIFT_FLOOR, THRESHOLD_FACTOR * (noise or 0.0))
    return ClockDrift(b, c, change, noise, flagged, normalize)


def auto_threshold(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    metric: str,
    clocks: tuple[dict[ProcessKey, float], dict[ProcessKey, float]] | None,
    stat: str = DEFAULT_STAT,
    exclude: Excluded = NO_EXCLUSION,
) -> tuple[float, str]:
    """The minimum effect from the measured between-process noise: THRESHOLD_FACTOR times
    the median CV of the per-process values (``stat``; both sides, every case with two or
    more processes), at least THRESHOLD_FLOOR; ONE_PROCESS_THRESHOLD without such cases."""
    cvs = []
    for base, cur in pairs:
        for doc, clk, skip in (
            (base, clocks[0] if clocks else None, exclude[0]),
            (cur, clocks[1] if clocks else None, exclude[1]),
        ):
            cv = _cv(case_samples(doc, metric, clk, stat, excluded(doc, skip)).processes)
            if cv is not None:
                cvs.append(cv)
    if not cvs:
        return ONE_PROCESS_THRESHOLD, "one process: default"
    noise = statistics.median(cvs)
    value = max(THRESHOLD_FLOOR, THRESHOLD_FACTOR * noise)
    return value, f"auto: {THRESHOLD_FACTOR:g} x between-process CV {noise:.2%}"


def result_config(doc: dict[str, Any]) -> dict[str, Any]:
    """What a document measured: its config less the options that only change how long or
    how often it measured (a merged ``run`` document: each run's)."""
    cfg = doc.get("config", {})
    if doc.get("command") == "run" and "runs" in cfg:
        return {
            "runs": [
                {
                    **r,
                    "config": {
                        k: v for k, v in (r.get("config") or {}).items() if k not in NOT_RESULT_KEYS
                    },
                }
                for r in cfg["runs"]
            ]
        }
    return {k: v for k, v in cfg.items() if k not in NOT_RESULT_KEYS}


def config_differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    ca, cb = result_config(a), result_config(b)
    out = []
    for k in list(ca) + [k for k in cb if k not in ca]:
        if ca.get(k) != cb.get(k):
            out.append(f"{k}: {_brief(ca.get(k))} vs {_brief(cb.get(k))}")
    return out


def _brief(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 30 else s[:27] + "..."


def _process_ratios(
    variants: dict[str, dict[str, Any]],
    num: str,
    den: str,
    metric: str,
    stat: str,
    disturbed: ByRun | None = None,
) -> list[float]:
    """The ratio num/den of one group in each worker process (both variants measured in
    the same process saw the same clock and load), ``disturbed`` processes left out."""
    pick = min if stat == "min" else statistics.median
    values = {
        name: values_by_process(variants[name], metric, excluded(variants[name], disturbed or {}))
        for name in (num, den)
    }
    common = sorted(set(values[num]) & set(values[den]))
    return [pick(values[num][p]) / pick(values[den][p]) for p in common if pick(values[den][p]) > 0]


def compare_ratios(
    base_cases: list[dict[str, Any]],
    cur_cases: list[dict[str, Any]],
    ratio: str,
    tolerance: float,
    metric: str = "cycles",
    stat: str = DEFAULT_STAT,
    variant_key: str = "variant",
    base_label: str = "baseline",
    alpha: float = DEFAULT_ALPHA,
    exclude: Excluded = NO_EXCLUSION,
) -> list[RatioComparison]:
    """Per group, the ratio of two variants in each process of each side: ``worse`` /
    ``better`` when it moved by more than ``tolerance`` and (with two or more processes a
    side) Welch's t-test on the log ratios says it is not noise."""
    num, den = parse_ratio(ratio)
    variants = sorted(
        {str(c["params"][variant_key]) for c in base_cases if variant_key in c.get("params", {})}
    )
    if not variants:
        raise UsageError(
            f"{base_label}: no case has a params.{variant_key}: relative mode "
            "needs a run with two variants (e.g. the bulk sweep)"
        )
    for name in (num, den):
        if name not in variants:
            raise UsageError(
                f"--ratio {ratio}: {base_label} has no variant '{name}' "
                f"(variants: {', '.join(variants)})"
            )
    btag = _tag_variants(base_cases, variant_key, (num, den))
    ctag = _tag_variants(cur_cases, variant_key, (num, den))
    varying = _varying(btag, ctag)
    bgroups, cgroups = _variant_groups(btag, varying), _variant_groups(ctag, varying)
    base_r = {
        k: _process_ratios(v, num, den, metric, stat, exclude[0])
        for k, v in bgroups.items()
        if num in v and den in v
    }
    if not base_r:
        raise UsageError(f"{base_label}: no group has both variants '{num}' and '{den}'")
    out = []
    for label in sorted(base_r, key=_group_sort_key):
        br = base_r[label]
        cv = cgroups.get(label, {})
        if num not in cv or den not in cv:
            out.append(
                RatioComparison(
                    label,
                    num,
                    den,
                    _median(br),
                    None,
                    None,
                    "missing",
                    detail="not in the current run",
                )
            )
            continue
        cr = _process_ratios(cv, num, den, metric, stat, exclude[1])
        if not br or not cr:
            out.append(
                RatioComparison(
                    label,
                    num,
                    den,
                    _median(br),
                    _median(cr),
                    None,
                    "missing",
                    detail="a variant has no usable repeat",
                )
            )
            continue
        b, c = statistics.median(br), statistics.median(cr)
        change = c / b - 1
        p = None
        detail = ""
        if len(br) >= 2 and len(cr) >= 2:
            p = welch_t([math.log(v) for v in br], [math.log(v) for v in cr]).p
        else:
            detail = "one process: tolerance only"
        if abs(change) <= tolerance or (p is not None and p >= alpha):
            verdict = "ok"
            if abs(change) > tolerance:
                detail = f"moved {change:+.1%} but within the noise (p {p:.2g})"
        else:
            verdict = "worse" if change > 0 else "better"
        out.append(RatioComparison(label, num, den, b, c, change, verdict, p, detail))
    return out


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def compare_documents(
    base: dict[str, Any],
    cur: dict[str, Any],
    *,
    baseline_name: str = "baseline",
    current_name: str = "current",
    metric: str = "cycles",
    threshold: float | None = None,
    alpha: float = DEFAULT_ALPHA,
    mode: str = "absolute",
    ratio: str | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    stat: str = DEFAULT_STAT,
    variant_key: str = "variant",
    clock: str = "normalize",
) -> Comparison:
    """Compare two validated documents (``results.load_document``); ``threshold`` None
    means the minimum effect comes from the documents' between-process noise."""
    if metric not in METRICS:
        raise UsageError(f"unknown metric '{metric}' (choose from {', '.join(METRICS)})")
    if mode not in MODES:
        raise UsageError(f"unknown mode '{mode}' (choose from {', '.join(MODES)})")
    if stat not in STATS:
        raise UsageError(f"unknown statistic '{stat}' (choose from {', '.join(STATS)})")
    if clock not in CLOCKS:
        raise UsageError(f"unknown clock handling '{clock}' (choose from {', '.join(CLOCKS)})")
    if threshold is not None and not 0 <= threshold < 10:
        raise UsageError(f"threshold {threshold * 100:g}% out of range (0% <= threshold < 1000%)")
    if not 0 < alpha < 1:
        raise UsageError(f"alpha {alpha:g} out of range (0 < alpha < 1)")
    if not 0 <= tolerance < 10:
        raise UsageError(f"tolerance {tolerance * 100:g}% out of range (0% <= tolerance < 1000%)")
    differ = config_differences(base, cur)
    if differ:
        raise UsageError(
            f"{baseline_name} and {current_name} measured different configurations ("
            + "; ".join(differ)
            + "): compare runs of one config (repeat, warmup, processes and cpu may differ)"
        )
    bcases = {c["key"]: c for c in base["cases"]}
    ccases = {c["key"]: c for c in cur["cases"]}
    common = [k for k in bcases if k in ccases]
    if not common:
        raise UsageError(
            f"{baseline_name} and {current_name} have no case in common "
            f"({len(bcases)} vs {len(ccases)} cases)"
        )
    exclude = (disturbed_by_run(base), disturbed_by_run(cur))
    drift = clock_drift(base, cur, clock == "normalize" and metric == "cycles", exclude)
    clocks = (process_clocks(base), process_clocks(cur)) if drift.normalized else None
    pairs = [(bcases[k], ccases[k]) for k in common]
    # The auto minimum effect comes from the cases with two or more processes a side; a
    # case left with one process on a side (disturbed ones excluded) is held to at least
    # the one-process default.
    floor = ONE_PROCESS_THRESHOLD if threshold is None else 0.0
    if threshold is None:
        threshold, source = auto_threshold(pairs, metric, clocks, stat, exclude)
    else:
        source = "given"
    comp = Comparison(
        baseline=baseline_name,
        current=current_name,
        metric=metric,
        mode=mode,
        threshold=threshold,
        threshold_source=source,
        alpha=alpha,
        stat=stat,
        clock=drift,
        tolerance=tolerance if mode == "relative" else None,
        ratio=ratio if mode == "relative" else None,
        only_baseline=[k for k in bcases if k not in ccases],
        only_current=[k for k in ccases if k not in bcases],
    )
    for key in common:
        b, c = bcases[key], ccases[key]
        comp.cases.append(
            compare_case(b, c, metric, threshold, alpha, clocks, stat, exclude, floor)
        )
        comp.counters.extend(counter_diffs(key, b.get("counters", {}), c.get("counters", {})))
    if mode == "relative" and ratio:
        comp.ratios = compare_ratios(
            [bcases[k] for k in common] + [bcases[k] for k in comp.only_baseline],
            [ccases[k] for k in common] + [ccases[k] for k in comp.only_current],
            ratio,
            tolerance,
            metric,
            stat,
            variant_key,
            baseline_name,
            alpha,
            exclude,
        )
    for name, side in zip((baseline_name, current_name), exclude, strict=True):
        for label, procs in side.items():
            where = f"{name}" + (f" ({label})" if label else "")
            comp.warnings.append(f"{where}: {describe(procs, 'left out')}")
    one = [c for c in comp.cases if min(c.processes) < 2 and c.repeats[0] and c.repeats[1]]
    if one and mode == "absolute":
        comp.warnings.append(
            f"{len(one)} case(s) have one worker process on a side: the test sees only the "
            "repeats of that process, not the noise between processes (2-3% on a VM); run "
            "with --processes 5 (or more) for a sound comparison"
        )
    if drift.flagged:
        how = (
            "cycles compared as estimated core cycles (--clock raw to compare cycles(tsc))"
            if drift.normalized
            else "cycles(tsc) compared as measured"
        )
        comp.warnings.append(
            f"core clock drift: core cycles per TSC tick {drift.baseline:.3f} -> "
            f"{drift.current:.3f} ({drift.change:+.1%}, noise {drift.noise or 0:.1%}): {how}"
        )
    diff_machine = same_machine_fields(base.get("machine", {}), cur.get("machine", {}))
    if diff_machine:
        advice = (
            "compare variant ratios (--mode relative) and counters, not absolute cycles"
            if mode == "absolute"
            else "absolute cycles are not judged"
        )
        comp.warnings.append(
            "the files come from different machines (" + "; ".join(diff_machine) + f"): {advice}"
        )
    if comp.only_baseline:
        comp.warnings.append(
            f"{len(comp.only_baseline)} baseline case(s) missing from {current_name}"
        )
    if comp.only_current:
        comp.warnings.append(
            f"{len(comp.only_current)} case(s) of {current_name} not in {baseline_name}"
        )
    return comp
