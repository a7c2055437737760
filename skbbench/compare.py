"""Compare two result documents: per-case statistics and verdicts, exact counter checks,
and a relative mode (ratios between two variants of the same run) for CI across machines.

Reads documents only (``skbbench.results``); no numba, no scipy.

Significance test: Mann-Whitney U, two-sided, on the per-repeat values
------------------------------------------------------------------------
Per-repeat cycles/element of a micro-benchmark are not normal: they are bounded below by
the true cost and have a long right tail (interrupts, steal time, migrations, a cold
cache line). A rank test makes no normality assumption, is insensitive to a single
outlier repeat, and is what asv and Google Benchmark use (pyperf's t-test assumes
normality). Only the per-repeat values enter the test; never the individual loop
iterations, which are not independent.

- No ties and both samples <= ``EXACT_MAX`` (50): the exact null distribution of U,
  counted as the coefficients of the Gaussian binomial ``[m+n choose m]_q`` (polynomial
  arithmetic on Python integers, cached per (m, n)). Benchmarks typically run 5-20
  repeats, where the normal approximation is noticeably off in the tails.
- Ties, or larger samples: the normal approximation with the tie-corrected variance
  ``m*n/12 * ((N+1) - sum(t^3 - t) / (N*(N-1)))`` and a continuity correction. Ties are
  rare for float cycles/element; they appear with identical integer windows.
- All values equal on both sides: U carries no evidence, p = 1.

The smallest achievable two-sided p-value is ``2 / C(m+n, m)``: with 3 repeats per side
it is 0.1, so at alpha = 0.05 a difference can only be called significant with >= 4
repeats per side (the output says so when repeats are too few).

Verdict per case (``ratio`` = median(current) / median(baseline), lower is better)
---------------------------------------------------------------------------------
- ``no change``: ``|ratio - 1| < threshold`` (the minimum effect: a difference below it is
  not worth reporting, significant or not);
- ``slower`` / ``faster``: the effect reaches the threshold AND p < alpha;
- ``not significant``: the effect reaches the threshold but the repeats cannot tell it
  from noise (p >= alpha) -- rerun with more repeats on a quieter machine;
- ``failed``: the current run of the case failed (an ABORT, a runner error);
- ``no data``: no usable repeat on one side (e.g. the baseline case failed).

Requiring both the test and the minimum effect bounds the false-alarm rate for identical
distributions by alpha whatever the noise, and keeps statistically significant but
irrelevant 1 % shifts out of the report.

Relative mode (CI across machines)
----------------------------------
Absolute cycles do not travel between machines; the ratio between two variants measured
in the same run (``after/before``, ``bulk/fallback``) does far better, because both
variants saw the same CPU, clock and noise. Cases carry ``params["variant"]``; cases with
the same remaining params (e.g. ``size``) form a group; per group the ratio
``stat(numerator) / stat(denominator)`` is computed in each file and the two ratios are
compared: ``|cur/base - 1| <= tolerance`` is ``ok``, otherwise ``worse`` / ``better``,
both failures (a moved ratio means the model or the baseline is stale). Absolute cycles
are not judged in this mode; without a ratio it checks only counters and failed cases.

Event counters are deterministic model facts (slow-path entries, cmpxchg counts, pages
allocated ...): they are compared exactly in both modes and every difference is listed.
"""

from __future__ import annotations

import functools
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from skbbench.errors import UsageError
from skbbench.results import repeat_values, same_machine_fields

EXACT_MAX = 50
METRICS = ("cycles", "ns")
MODES = ("absolute", "relative")
STATS = ("median", "min")
VERDICTS = ("faster", "slower", "no change", "not significant", "failed", "no data")
RATIO_VERDICTS = ("ok", "worse", "better", "missing")

DEFAULT_THRESHOLD = 0.05
DEFAULT_ALPHA = 0.05
DEFAULT_TOLERANCE = 0.25


# --------------------------------------------------------------------------------------
# Mann-Whitney U


@dataclass(frozen=True)
class MannWhitney:
    u: float  # U statistic of the first sample
    p: float  # two-sided p-value
    method: str  # "exact" | "normal" | "degenerate"


@functools.lru_cache(maxsize=256)
def _u_cumulative(m: int, n: int) -> tuple[tuple[int, ...], int]:
    """Cumulative counts of U = 0..m*n under H0 (no ties) and C(m+n, m).

    The number of arrangements with U = u is the coefficient of q^u in the Gaussian
    binomial prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i); each factor is applied in place:
    a multiplication by (1 - q^k) then an exact division by (1 - q^i)."""
    size = m * n + m + n + 1
    poly = [0] * size
    poly[0] = 1
    for i in range(1, n + 1):
        k = m + i
        for d in range(size - 1, k - 1, -1):
            poly[d] -= poly[d - k]
        for d in range(i, size):
            poly[d] += poly[d - i]
    counts = poly[: m * n + 1]
    cum = []
    total = 0
    for c in counts:
        total += c
        cum.append(total)
    return tuple(cum), total


def _ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Mid-ranks (1-based) of ``values`` and the sizes of the tie groups (> 1)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mid = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = mid
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def mann_whitney_u(x: Sequence[float], y: Sequence[float]) -> MannWhitney:
    """Two-sided Mann-Whitney U test of ``x`` against ``y`` (see the module docstring)."""
    m, n = len(x), len(y)
    if m == 0 or n == 0:
        raise ValueError("Mann-Whitney U needs at least one value in each sample")
    ranks, ties = _ranks(list(x) + list(y))
    u1 = sum(ranks[:m]) - m * (m + 1) / 2
    if not ties and m <= EXACT_MAX and n <= EXACT_MAX:
        cum, total = _u_cumulative(m, n)
        k = int(round(min(u1, m * n - u1)))
        return MannWhitney(u1, min(1.0, 2 * cum[k] / total), "exact")
    big_n = m + n
    tie_term = sum(t * t * t - t for t in ties) / (big_n * (big_n - 1))
    var = m * n / 12 * ((big_n + 1) - tie_term)
    if var <= 0:
        return MannWhitney(u1, 1.0, "degenerate")
    z = max(0.0, abs(u1 - m * n / 2) - 0.5) / math.sqrt(var)
    return MannWhitney(u1, min(1.0, math.erfc(z / math.sqrt(2))), "normal")


def min_p_value(m: int, n: int) -> float:
    """Smallest two-sided p the exact test can produce with m and n repeats."""
    if m == 0 or n == 0:
        return 1.0
    return min(1.0, 2 / math.comb(m + n, m))


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
    detail: str = ""


@dataclass
class Comparison:
    baseline: str
    current: str
    metric: str
    mode: str
    threshold: float
    alpha: float
    tolerance: float | None = None
    ratio: str | None = None
    stat: str = "median"
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
        doc["failures"] = self.failures()
        doc["regression"] = self.regression
        doc["exit_status"] = self.exit_status
        return doc


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:g}%"


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


def compare_case(
    base: dict[str, Any], cur: dict[str, Any], metric: str, threshold: float, alpha: float
) -> CaseComparison:
    bv, cv = repeat_values(base, metric), repeat_values(cur, metric)
    reps = (len(bv), len(cv))
    common = dict(
        key=cur["key"],
        name=cur["name"],
        step=cur.get("step", 0),
        params=cur.get("params", {}),
        repeats=reps,
    )
    if cur.get("error"):
        bm = statistics.median(bv) if bv else None
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
    if not bv or not cv:
        side = "baseline" if not bv else "current"
        why = base.get("error") if not bv and base.get("error") else "no repeat with values"
        return CaseComparison(
            **common,
            base_median=statistics.median(bv) if bv else None,
            cur_median=statistics.median(cv) if cv else None,
            ratio=None,
            p_value=None,
            method="",
            verdict="no data",
            detail=f"{side}: {why}",
        )
    bm, cm = statistics.median(bv), statistics.median(cv)
    test = mann_whitney_u(bv, cv)
    if bm <= 0:
        ratio = 1.0 if cm == bm else math.inf
    else:
        ratio = cm / bm
    change = ratio - 1
    detail = ""
    if abs(change) < threshold:
        verdict = "no change"
    elif test.p < alpha:
        verdict = "slower" if change > 0 else "faster"
    else:
        verdict = "not significant"
        if min_p_value(*reps) >= alpha:
            detail = f"{reps[0]} vs {reps[1]} repeats cannot reach p < {alpha:g}"
    return CaseComparison(
        **common,
        base_median=bm,
        cur_median=cm,
        ratio=ratio,
        p_value=test.p,
        method=test.method,
        verdict=verdict,
        detail=detail,
    )


def _config_differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out = []
    for k in list(a) + [k for k in b if k not in a]:
        if a.get(k) != b.get(k):
            out.append(f"{k}: {_brief(a.get(k))} vs {_brief(b.get(k))}")
    return out


def _brief(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 30 else s[:27] + "..."


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


def _stat(values: list[float], stat: str) -> float | None:
    if not values:
        return None
    return min(values) if stat == "min" else statistics.median(values)


def _doc_ratios(
    groups: dict[str, dict[str, dict[str, Any]]], num: str, den: str, metric: str, stat: str
) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for label, variants in groups.items():
        if num not in variants or den not in variants:
            continue
        a = _stat(repeat_values(variants[num], metric), stat)
        b = _stat(repeat_values(variants[den], metric), stat)
        out[label] = a / b if a is not None and b else None
    return out


def _group_sort_key(label: str) -> list[Any]:
    """Natural order: step=2 before step=16, N=2 before N=10."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", label)
    ]


def compare_ratios(
    base_cases: list[dict[str, Any]],
    cur_cases: list[dict[str, Any]],
    ratio: str,
    tolerance: float,
    metric: str = "cycles",
    stat: str = "median",
    variant_key: str = "variant",
    base_label: str = "baseline",
) -> list[RatioComparison]:
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
    base_r = _doc_ratios(_variant_groups(btag, varying), num, den, metric, stat)
    cur_r = _doc_ratios(_variant_groups(ctag, varying), num, den, metric, stat)
    if not base_r:
        raise UsageError(f"{base_label}: no group has both variants '{num}' and '{den}'")
    out = []
    for label in sorted(base_r, key=_group_sort_key):
        br, cr = base_r[label], cur_r.get(label)
        if label not in cur_r:
            out.append(
                RatioComparison(
                    label, num, den, br, None, None, "missing", "not in the current run"
                )
            )
            continue
        if br is None or cr is None:
            out.append(
                RatioComparison(
                    label, num, den, br, cr, None, "missing", "a variant has no usable repeat"
                )
            )
            continue
        change = cr / br - 1
        if abs(change) <= tolerance:
            verdict = "ok"
        else:
            verdict = "worse" if change > 0 else "better"
        out.append(RatioComparison(label, num, den, br, cr, change, verdict))
    return out


def compare_documents(
    base: dict[str, Any],
    cur: dict[str, Any],
    *,
    baseline_name: str = "baseline",
    current_name: str = "current",
    metric: str = "cycles",
    threshold: float = DEFAULT_THRESHOLD,
    alpha: float = DEFAULT_ALPHA,
    mode: str = "absolute",
    ratio: str | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    stat: str = "median",
    variant_key: str = "variant",
) -> Comparison:
    """Compare two validated documents (``results.load_document``)."""
    if metric not in METRICS:
        raise UsageError(f"unknown metric '{metric}' (choose from {', '.join(METRICS)})")
    if mode not in MODES:
        raise UsageError(f"unknown mode '{mode}' (choose from {', '.join(MODES)})")
    if stat not in STATS:
        raise UsageError(f"unknown statistic '{stat}' (choose from {', '.join(STATS)})")
    if not 0 <= threshold < 10:
        raise UsageError(f"threshold {threshold * 100:g}% out of range (0% <= threshold < 1000%)")
    if not 0 < alpha < 1:
        raise UsageError(f"alpha {alpha:g} out of range (0 < alpha < 1)")
    if not 0 <= tolerance < 10:
        raise UsageError(f"tolerance {tolerance * 100:g}% out of range (0% <= tolerance < 1000%)")
    bcases = {c["key"]: c for c in base["cases"]}
    ccases = {c["key"]: c for c in cur["cases"]}
    common = [k for k in bcases if k in ccases]
    if not common:
        raise UsageError(
            f"{baseline_name} and {current_name} have no case in common "
            f"({len(bcases)} vs {len(ccases)} cases)"
        )
    comp = Comparison(
        baseline=baseline_name,
        current=current_name,
        metric=metric,
        mode=mode,
        threshold=threshold,
        alpha=alpha,
        stat=stat,
        tolerance=tolerance if mode == "relative" else None,
        ratio=ratio if mode == "relative" else None,
        only_baseline=[k for k in bcases if k not in ccases],
        only_current=[k for k in ccases if k not in bcases],
    )
    for key in common:
        b, c = bcases[key], ccases[key]
        comp.cases.append(compare_case(b, c, metric, threshold, alpha))
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
    cfg = _config_differences(base.get("config", {}), cur.get("config", {}))
    if cfg:
        comp.warnings.append("the runs used different configurations (" + "; ".join(cfg) + ")")
    if comp.only_baseline:
        comp.warnings.append(
            f"{len(comp.only_baseline)} baseline case(s) missing from {current_name}"
        )
    if comp.only_current:
        comp.warnings.append(
            f"{len(comp.only_current)} case(s) of {current_name} not in {baseline_name}"
        )
    return comp
