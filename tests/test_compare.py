"""Comparison statistics and verdicts on synthetic samples (no numba, no benchmark run)."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from skbbench.compare.counters import counter_diffs
from skbbench.errors import UsageError
from skbbench.stats import _u_cumulative, mann_whitney_u, min_p_value
from tests.resultdocs import case, compare, document, noisy, sweep


def _brute_force(x: list[float], y: list[float]) -> tuple[float, float]:
    """U of x and its two-sided p by enumerating every split of the pooled sample."""
    pooled, m = x + y, len(x)

    def u_of(idx: set[int]) -> float:
        xs = [pooled[i] for i in idx]
        ys = [pooled[i] for i in range(len(pooled)) if i not in idx]
        return sum((a > b) + 0.5 * (a == b) for a in xs for b in ys)

    u0, mu = u_of(set(range(m))), m * len(y) / 2
    splits = list(itertools.combinations(range(len(pooled)), m))
    extreme = sum(abs(u_of(set(s)) - mu) >= abs(u0 - mu) - 1e-9 for s in splits)
    return u0, extreme / len(splits)


@pytest.mark.parametrize("m, n", [(1, 1), (2, 3), (3, 3), (4, 4), (5, 3), (6, 6), (3, 8)])
def test_exact_p_matches_enumeration(m, n):
    rng = random.Random(m * 100 + n)
    for shift in (0.0, 0.3, 1.0):
        x = [rng.random() for _ in range(m)]
        y = [rng.random() + shift for _ in range(n)]
        res = mann_whitney_u(x, y)
        u, p = _brute_force(x, y)
        assert res.method == "exact"
        assert res.u == pytest.approx(u)
        assert res.p == pytest.approx(p, rel=1e-12)


def test_exact_distribution_counts_every_arrangement():
    for m, n in [(1, 5), (4, 7), (10, 10), (20, 13)]:
        cum, total = _u_cumulative(m, n)
        assert total == math.comb(m + n, m) == cum[-1]
        assert len(cum) == m * n + 1
        counts = [cum[0]] + [b - a for a, b in zip(cum, cum[1:], strict=False)]
        assert counts == counts[::-1]  # U is symmetric about m*n/2
        assert all(c > 0 for c in counts)


def test_normal_approximation_is_close_to_exact_for_moderate_samples(monkeypatch):
    rng = random.Random(7)
    x = [rng.gauss(0, 1) for _ in range(30)]
    y = [rng.gauss(0.4, 1) for _ in range(30)]
    exact = mann_whitney_u(x, y)
    monkeypatch.setattr("skbbench.stats.EXACT_MAX", 0)
    approx = mann_whitney_u(x, y)
    assert (exact.method, approx.method) == ("exact", "normal")
    assert approx.p == pytest.approx(exact.p, abs=0.01)


def test_ties_use_the_tie_corrected_normal_approximation():
    res = mann_whitney_u([1, 1, 2, 2, 3], [2, 3, 3, 4, 4])
    assert res.method == "normal"
    # by hand: mid-ranks of x = 1.5+1.5+4+4+7 -> U1 = 3; tie groups 2,3,3,2 -> sum(t^3-t)
    # = 60; var = 25/12 * (11 - 60/90); z = (|3 - 12.5| - 0.5) / sqrt(var)
    assert res.u == pytest.approx(3.0)
    var = 25 / 12 * (11 - 60 / 90)
    assert res.p == pytest.approx(math.erfc(9 / math.sqrt(var) / math.sqrt(2)))
    assert res.p == pytest.approx(0.0524, abs=1e-4)
    assert mann_whitney_u([5, 5, 5], [5, 5]).p == 1.0


def test_min_p_value_needs_four_repeats_for_alpha_005():
    assert min_p_value(3, 3) == pytest.approx(0.1)
    assert min_p_value(4, 4) < 0.05
    assert mann_whitney_u([1, 2, 3], [10, 11, 12]).p == pytest.approx(0.1)


def _verdict(base: list[float], cur: list[float], **kw) -> str:
    comp = compare(document([case("a", base)]), document([case("a", cur)]), **kw)
    return comp.cases[0].verdict


# Benchmark-like noise: 3 % one-sided jitter above the floor, 5 % of repeats hit by a
# 10-50 % outlier (interrupt, steal time).
NOISE = {"cv": 0.03, "outlier_p": 0.05}


def test_identical_distributions_are_no_change_in_at_least_95_percent_of_seeds():
    verdicts = [
        _verdict(
            noisy(random.Random(s), 100, 10, **NOISE),
            noisy(random.Random(s + 10**6), 100, 10, **NOISE),
        )
        for s in range(400)
    ]
    share = verdicts.count("no change") / len(verdicts)
    assert share >= 0.95, share


def test_false_alarms_stay_near_alpha_even_when_noise_exceeds_the_threshold():
    # 20 % noise: medians of identical distributions often differ by > 5 %, but the
    # significance test keeps slower/faster verdicts at about alpha.
    verdicts = [
        _verdict(
            noisy(random.Random(s), 100, 10, cv=0.2, outlier_p=0.2),
            noisy(random.Random(s + 10**6), 100, 10, cv=0.2, outlier_p=0.2),
        )
        for s in range(400)
    ]
    alarms = sum(v in ("slower", "faster") for v in verdicts) / len(verdicts)
    assert "not significant" in verdicts
    assert alarms <= 0.08, alarms


@pytest.mark.parametrize("factor, expected", [(1.10, "slower"), (0.90, "faster")])
def test_a_10_percent_shift_with_10_repeats_is_detected(factor, expected):
    verdicts = [
        _verdict(
            noisy(random.Random(s), 100, 10, **NOISE),
            noisy(random.Random(s + 10**6), 100 * factor, 10, **NOISE),
        )
        for s in range(200)
    ]
    assert verdicts.count(expected) / len(verdicts) >= 0.95


def test_significant_but_small_shift_is_no_change_and_big_noisy_one_not_significant():
    rng = random.Random(1)
    base = [100 + rng.random() * 0.1 for _ in range(10)]
    assert _verdict(base, [v * 1.02 for v in base]) == "no change"  # p tiny, effect 2 %
    assert _verdict(base, [v * 1.02 for v in base], threshold=0.01) == "slower"
    comp = compare(document([case("a", [100, 101, 102])]), document([case("a", [150, 151, 152])]))
    c = comp.cases[0]
    assert c.verdict == "not significant" and "3 vs 3 repeats" in c.detail
    assert comp.exit_status == 0


def test_slower_case_is_a_regression_faster_is_not():
    rng = random.Random(3)
    base = document([case("a", noisy(rng, 100, 10)), case("b", noisy(rng, 100, 10))])
    cur = document([case("a", noisy(rng, 130, 10)), case("b", noisy(rng, 70, 10))])
    comp = compare(base, cur)
    assert [c.verdict for c in comp.cases] == ["slower", "faster"]
    assert comp.exit_status == 1 and "1 case(s) slower" in comp.failures()[0]
    ns = compare(base, cur, metric="ns")
    assert [c.verdict for c in ns.cases] == ["slower", "faster"]


def test_failed_case_and_missing_data():
    base = document([case("a", [1, 2, 3, 4]), case("b", [], error="ABORT: x")])
    cur = document([case("a", [], error="ABORT: timing took ZERO TSC time"), case("b", [1, 2])])
    comp = compare(base, cur)
    assert [c.verdict for c in comp.cases] == ["failed", "no data"]
    assert comp.cases[1].detail == "baseline: ABORT: x"
    assert comp.exit_status == 1


def test_counters_are_compared_exactly_and_every_difference_listed():
    diffs = counter_diffs(
        "k", {"a": 1, "b": {"x": 2, "y": 3}, "gone": 0}, {"a": 1, "b": {"x": 2, "y": 4}, "new": 5}
    )
    assert [(d.counter, d.baseline, d.current) for d in diffs] == [
        ("b.y", 3, 4),
        ("gone", 0, "(absent)"),
        ("new", "(absent)", 5),
    ]
    base = document([case("a", [1, 1, 1, 1], {"slowpath": 10})])
    same = compare(base, document([case("a", [1, 1, 1, 1], {"slowpath": 10})]))
    assert same.counters == [] and same.exit_status == 0
    diff = compare(base, document([case("a", [1, 1, 1, 1], {"slowpath": 11})]))
    assert diff.exit_status == 1 and diff.counters[0].counter == "slowpath"


def test_no_case_in_common_is_a_usage_error():
    with pytest.raises(UsageError, match="no case in common"):
        compare(document([case("a", [1])]), document([case("b", [1])]))


def test_cases_on_one_side_only_are_listed_as_warnings():
    comp = compare(
        document([case("a", [1]), case("b", [1])]), document([case("a", [1]), case("c", [1])])
    )
    assert comp.only_baseline == ["b"] and comp.only_current == ["c"]
    assert any("missing" in w for w in comp.warnings)


def test_different_machines_warn_and_different_configs_are_refused():
    comp = compare(document([case("a", [1])], cpu="A"), document([case("a", [1])], cpu="B"))
    text = " ".join(comp.warnings)
    assert "different machines" in text and "cpu_model" in text
    with pytest.raises(UsageError, match=r"different configurations .*loops: None vs 5"):
        compare(
            document([case("a", [1])], cpu="A"),
            document([case("a", [1])], cpu="B", config={"loops": 5}),
        )
    # how long or how often a run measured is not what it measured: allowed to differ
    longer = {"benchmark": "test", "repeat": 9, "processes": 3, "warmup": 2, "cpu": 1}
    assert compare(document([case("a", [1])]), document([case("a", [1])], config=longer))
    same = compare(document([case("a", [1])], mhz=2500.0), document([case("a", [1])], mhz=2500.4))
    assert not any("machines" in w for w in same.warnings)


def _bulk_cost(speedup: float):
    return {"fallback": lambda s: 60.0, "bulk": lambda s: 60.0 * speedup / (1 + s / 16)}


def test_relative_mode_compares_variant_ratios_not_absolute_cycles():
    sizes = [1, 8, 16, 64]
    base = document(sweep(random.Random(1), sizes, _bulk_cost(1.0)), cpu="A")
    # another machine, everything 2x slower, same ratios
    twice = {"fallback": lambda s: 120.0, "bulk": lambda s: 120.0 / (1 + s / 16)}
    slow = document(sweep(random.Random(2), sizes, twice), cpu="B")
    comp = compare(base, slow, mode="relative", ratio="bulk/fallback", tolerance=0.1)
    assert [r.verdict for r in comp.ratios] == ["ok"] * 4
    assert [r.group for r in comp.ratios] == ["size=1", "size=8", "size=16", "size=64"]
    assert comp.exit_status == 0
    assert any("absolute cycles are not judged" in w for w in comp.warnings)
    absolute = compare(base, slow)
    assert absolute.exit_status == 1  # the absolute mode would cry regression


def test_relative_mode_flags_a_moved_ratio_both_ways():
    sizes = [1, 16]
    base = document(sweep(random.Random(1), sizes, _bulk_cost(1.0)))
    worse = document(sweep(random.Random(2), sizes, _bulk_cost(1.5)))
    better = document(sweep(random.Random(3), sizes, _bulk_cost(0.5)))
    comp = compare(base, worse, mode="relative", ratio="bulk/fallback", tolerance=0.2)
    assert {r.verdict for r in comp.ratios} == {"worse"}
    assert comp.exit_status == 1
    comp = compare(base, better, mode="relative", ratio="bulk/fallback", tolerance=0.2)
    assert {r.verdict for r in comp.ratios} == {"better"}
    assert comp.exit_status == 1


def test_relative_mode_missing_group_and_bad_ratio_spec():
    base = document(sweep(random.Random(1), [1, 16], _bulk_cost(1.0)))
    cur = document(sweep(random.Random(2), [1], _bulk_cost(1.0)))
    comp = compare(base, cur, mode="relative", ratio="bulk/fallback")
    assert [r.verdict for r in comp.ratios] == ["ok", "missing"]
    assert comp.exit_status == 1
    with pytest.raises(UsageError, match="no variant 'after'"):
        compare(base, cur, mode="relative", ratio="after/before")
    with pytest.raises(UsageError, match="NUMERATOR/DENOMINATOR"):
        compare(base, cur, mode="relative", ratio="bulk")
    plain = document([case("a", [1, 2])])
    with pytest.raises(UsageError, match="params.variant"):
        compare(plain, plain, mode="relative", ratio="a/b")


def test_relative_mode_without_ratio_checks_counters_only():
    base = document([case("a", [1, 2], {"n": 1})])
    comp = compare(base, document([case("a", [5, 6], {"n": 1})], cpu="other"), mode="relative")
    assert comp.ratios == [] and comp.exit_status == 0
    comp = compare(base, document([case("a", [5, 6], {"n": 2})]), mode="relative")
    assert comp.exit_status == 1


@pytest.mark.parametrize(
    "kw, needle",
    [
        ({"metric": "watts"}, "--metric .watts.: not one of cycles, ns"),
        ({"threshold": -0.1}, "threshold"),
        ({"alpha": 1.5}, "alpha"),
        ({"mode": "fuzzy"}, "--mode .fuzzy.: not one of absolute, relative"),
    ],
)
def test_bad_parameters(kw, needle):
    doc = document([case("a", [1])])
    with pytest.raises(UsageError, match=needle):
        compare(doc, doc, **kw)


def test_relative_groups_drop_params_that_restate_the_variant():
    # slab_bulk_test03 shape: one step, scenarios, a "block" param equal to the variant,
    # and a fallback variant run in both blocks
    cases = []
    for block in ("before", "after"):
        for scen in ("N=2", "N=10", "worse-case"):
            cost = {"before": 100.0, "after": 50.0}[block]
            for variant, value in ((block, cost), ("fallback", 80.0)):
                params = {"variant": variant, "block": block, "scenario": scen}
                cases.append(
                    case(
                        f"{scen}|{variant}|{block}",
                        [value] * 4,
                        params=params,
                        name=f"{scen}-{variant}",
                    )
                )
    doc = document(cases)
    comp = compare(doc, doc, mode="relative", ratio="after/before")
    assert [(r.group, r.base_ratio) for r in comp.ratios] == [
        ("scenario=N=2", 0.5),
        ("scenario=N=10", 0.5),
        ("scenario=worse-case", 0.5),
    ]
    comp = compare(doc, doc, mode="relative", ratio="before/fallback")
    assert [r.group for r in comp.ratios] == [
        "block=before scenario=N=2",
        "block=before scenario=N=10",
        "block=before scenario=worse-case",
    ]
    assert {r.base_ratio for r in comp.ratios} == {1.25}
