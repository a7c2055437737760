"""Relative mode: per group of cases (a bulk size, a workload ...) the ratio between two
variants measured in the same worker process, compared between the sides. A ratio
travels between machines far better than an absolute figure (docs/measurement.md)."""

from __future__ import annotations

import math
import re
import statistics
from typing import Any

from skbbench.compare.options import CompareOptions, RatioVerdict
from skbbench.compare.result import RatioComparison
from skbbench.compare.samples import stat_of
from skbbench.disturbance import ByRun, excluded
from skbbench.document import Case
from skbbench.errors import UsageError
from skbbench.stats import welch_t

Tagged = list[tuple[Case, str, dict[str, Any]]]


def tag_variants(cases: list[Case], variant_key: str, variants: tuple[str, ...]) -> Tagged:
    """(case, variant, group params) for cases that carry ``params[variant_key]`` among
    ``variants``.

    A case's group is its step (the bulk size) plus its other params, less those that
    merely restate the variant (one value per variant, different between variants, like
    slab_bulk_test03's ``block``). Two cases of one variant that would share a group
    (different scenarios with the same step and params) are told apart by their names."""
    tagged = []
    for case in cases:
        if variant_key not in case.params:
            continue
        variant = str(case.params[variant_key])
        if variant not in variants:
            continue
        rest = {k: v for k, v in case.params.items() if k != variant_key}
        rest["step"] = case.step
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
            rest["case"] = case.name
    return tagged


def _varying(*tagged: Tagged) -> list[str]:
    """Group params whose value differs somewhere (they make the group labels)."""
    rows = [r for t in tagged for _, _, r in t]
    keys = sorted({k for r in rows for k in r})
    return [k for k in keys if len({repr(r.get(k)) for r in rows}) > 1]


def _variant_groups(tagged: Tagged, varying: list[str]) -> dict[str, dict[str, Case]]:
    """group label (``step=16``, only what varies) -> variant -> case."""
    groups: dict[str, dict[str, Case]] = {}
    for case, variant, rest in tagged:
        label = " ".join(f"{k}={rest.get(k)}" for k in varying) or "(all)"
        groups.setdefault(label, {})[variant] = case
    return groups


def _group_sort_key(label: str) -> list[Any]:
    """Natural order: step=2 before step=16, N=2 before N=10."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", label)
    ]


def _process_ratios(
    variants: dict[str, Case], num: str, den: str, opts: CompareOptions, disturbed: ByRun
) -> list[float]:
    """The ratio num/den of one group in each worker process (both variants measured in
    the same process saw the same clock and load), ``disturbed`` processes left out."""
    pick = stat_of(opts.stat)
    values = {
        name: variants[name].values_by_process(opts.metric, excluded(variants[name], disturbed))
        for name in (num, den)
    }
    common = sorted(set(values[num]) & set(values[den]))
    return [pick(values[num][p]) / pick(values[den][p]) for p in common if pick(values[den][p]) > 0]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def compare_ratios(
    base_cases: list[Case],
    cur_cases: list[Case],
    opts: CompareOptions,
    base_label: str,
    exclude: tuple[ByRun, ByRun],
) -> list[RatioComparison]:
    """Per group, the ratio of two variants in each process of each side: ``worse`` /
    ``better`` when it moved by more than the tolerance and (with two or more processes a
    side) Welch's t-test on the log ratios says it is not noise."""
    assert opts.ratio_pair is not None
    num, den = opts.ratio_pair
    key = opts.variant_key
    variants = sorted({str(c.params[key]) for c in base_cases if key in c.params})
    if not variants:
        raise UsageError(
            f"{base_label}: no case has a params.{key}: relative mode "
            "needs a run with two variants (e.g. the bulk sweep)"
        )
    for name in (num, den):
        if name not in variants:
            raise UsageError(
                f"--ratio {opts.ratio}: {base_label} has no variant '{name}' "
                f"(variants: {', '.join(variants)})"
            )
    btag = tag_variants(base_cases, key, (num, den))
    ctag = tag_variants(cur_cases, key, (num, den))
    varying = _varying(btag, ctag)
    bgroups, cgroups = _variant_groups(btag, varying), _variant_groups(ctag, varying)
    base_r = {
        k: _process_ratios(v, num, den, opts, exclude[0])
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
                    RatioVerdict.MISSING,
                    detail="not in the current run",
                )
            )
            continue
        cr = _process_ratios(cv, num, den, opts, exclude[1])
        if not br or not cr:
            out.append(
                RatioComparison(
                    label,
                    num,
                    den,
                    _median(br),
                    _median(cr),
                    None,
                    RatioVerdict.MISSING,
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
        if abs(change) <= opts.tolerance or (p is not None and p >= opts.alpha):
            verdict = RatioVerdict.OK
            if abs(change) > opts.tolerance:
                detail = f"moved {change:+.1%} but within the noise (p {p:.2g})"
        else:
            verdict = RatioVerdict.WORSE if change > 0 else RatioVerdict.BETTER
        out.append(RatioComparison(label, num, den, b, c, change, verdict, p, detail))
    return out
