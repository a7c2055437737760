"""History: E-divisive means against a brute-force statistic, change points on synthetic
series, the order of runs (creation time, git commit), and `skbbench history` in every
format with its exit statuses (no numba, no benchmark run)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
import subprocess

import numpy as np
import pytest
import yaml

from skbbench.errors import UsageError
from skbbench.history import HistoryOptions, Trend, build_history, change_points
from skbbench.history.edivisive import _best_split
from skbbench.history.order import BY_COMMIT, BY_CREATED, order_runs
from skbbench.history.series import analyse_series
from tests.clirunner import invoke
from tests.resultdocs import case, document, typed, write_json


def _q_brute(x: list[float], tau: int, e: float) -> float:
    left, right = x[:tau], x[tau:]
    m, n = len(left), len(right)
    between = sum(abs(a - b) ** e for a in left for b in right) / (m * n)
    wl = sum(abs(a - b) ** e for a, b in itertools.combinations(left, 2)) / (m * (m - 1) / 2)
    wr = sum(abs(a - b) ** e for a, b in itertools.combinations(right, 2)) / (n * (n - 1) / 2)
    return m * n / (m + n) * (2 * between - wl - wr)


@pytest.mark.parametrize("seed, e", [(s, e) for s in range(4) for e in (1.0, 0.2)])
def test_the_split_statistic_matches_its_definition(seed, e):
    rng = random.Random(seed)
    x = [rng.gauss(0, 1) + (2 if i > 7 else 0) for i in range(15)]
    tau, q = _best_split(np.array(x), 3, e)
    brute = {t: _q_brute(x, t, e) for t in range(3, len(x) - 3 + 1)}
    best = max(brute, key=lambda t: brute[t])
    assert tau == best
    assert q == pytest.approx(brute[best], rel=1e-9)


def _noise(seed: int, n: int, cv: float = 0.01) -> list[float]:
    rng = random.Random(seed)
    return [100 * (1 + rng.gauss(0, cv)) for _ in range(n)]


def test_no_change_point_in_most_noise_series():
    found = sum(bool(change_points(_noise(s, 20))) for s in range(40))
    assert found <= 6  # alpha 0.05: about 2 of 40 expected


@pytest.mark.parametrize("at", [5, 10, 14])
def test_a_step_is_found_where_it_is(at):
    x = _noise(at, 20)
    x = x[:at] + [v * 1.10 for v in x[at:]]
    cps = change_points(x)
    assert [c.index for c in cps] == [at]
    assert cps[0].p_value < 0.05


def test_two_steps_are_both_found():
    x = _noise(3, 30)
    x = x[:10] + [v * 1.2 for v in x[10:20]] + [v * 0.9 for v in x[20:]]
    assert [c.index for c in change_points(x)] == [10, 20]


def test_short_and_bad_series():
    assert change_points([1.0, 2.0, 3.0, 4.0, 5.0]) == []
    with pytest.raises(ValueError):
        change_points([1.0, float("nan"), 2.0, 3.0, 4.0, 5.0])


def test_the_same_series_gives_the_same_answer():
    x = _noise(9, 16, 0.03)
    assert change_points(x) == change_points(list(x))


# --------------------------------------------------------------------------------------
# Histories of documents


def _doc(level: float, hour: int, seed: int, commit: str | None = None, step_case: bool = True):
    rng = random.Random(seed)
    cases = [
        case("a", [level * (1 + abs(rng.gauss(0, 0.005))) for _ in range(4)]),
        case("b", [50 * (1 + abs(rng.gauss(0, 0.005))) for _ in range(4)]),
    ]
    if not step_case:
        cases[0] = case("a", [100 * (1 + abs(rng.gauss(0, 0.005))) for _ in range(4)])
    d = document(cases)
    d["created"] = f"2026-01-{1 + hour // 24:02d}T{hour % 24:02d}:00:00+00:00"
    d["machine"]["git_commit"] = commit
    return d


def _series(levels: list[float]) -> list[dict]:
    return [_doc(level, i, i) for i, level in enumerate(levels)]


def test_a_slower_latest_level_is_a_regression():
    docs = _series([100.0] * 6 + [110.0] * 6)
    hist = build_history([(f"r{i}", typed(d)) for i, d in enumerate(docs)])
    a, b = hist.cases
    assert [s.run for s in a.steps] == [6]
    assert a.steps[0].change == pytest.approx(0.10, abs=0.01)
    assert a.trend is Trend.SLOWER and b.trend is Trend.STABLE and not b.steps
    assert hist.exit_status == 1


def test_a_faster_latest_level_is_not_a_regression():
    docs = _series([110.0] * 6 + [100.0] * 6)
    hist = build_history([(f"r{i}", typed(d)) for i, d in enumerate(docs)])
    assert hist.cases[0].trend is Trend.FASTER
    assert hist.exit_status == 0


def test_a_step_below_the_minimum_effect_is_not_a_change_point():
    docs = _series([100.0] * 6 + [103.0] * 6)
    runs = [(f"r{i}", typed(d)) for i, d in enumerate(docs)]
    assert build_history(runs).cases[0].steps == []
    small = build_history(runs, HistoryOptions(min_effect=0.01)).cases[0]
    assert [s.run for s in small.steps] == [6]


def test_runs_are_ordered_by_creation_time():
    docs = _series([100.0] * 6 + [110.0] * 6)
    shuffled = list(enumerate(docs))
    random.Random(1).shuffle(shuffled)
    hist = build_history([(f"r{i}", typed(d)) for i, d in shuffled])
    assert hist.ordered_by == BY_CREATED
    assert [r.label for r in hist.runs] == [f"r{i}" for i in range(12)]
    assert [s.run for s in hist.cases[0].steps] == [6]


def _git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_runs_are_ordered_by_git_commit_when_git_knows_them(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    commits = []
    for i in range(3):
        (repo / "f").write_text(str(i))
        _git(repo, "add", "f")
        _git(
            repo,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "-m",
            str(i),
            "--date",
            f"2026-01-0{i + 1}T00:00:00",
        )
        commits.append(_git(repo, "rev-parse", "HEAD"))
    # created times in the opposite order of the commits
    docs = [
        typed(_doc(100, 10 - i, i, commits[i] + ("-dirty" if i == 1 else ""))) for i in range(3)
    ]
    runs = [(f"c{i}", d) for i, d in enumerate(docs)]
    monkeypatch.chdir(repo)
    order, how = order_runs(runs)
    assert (order, how) == ([0, 1, 2], BY_COMMIT)
    monkeypatch.chdir(tmp_path)  # not a checkout: creation time
    order, how = order_runs(runs)
    assert (order, how) == ([2, 1, 0], BY_CREATED)


def test_runs_of_other_configs_are_refused():
    a = typed(_doc(100, 0, 0))
    other = _doc(100, 1, 1)
    other["config"] = {"benchmark": "test", "loops": 5}
    with pytest.raises(UsageError, match="different configurations"):
        build_history([("a", a), ("b", typed(other))])
    with pytest.raises(UsageError, match="at least two"):
        build_history([("a", a)])


# --------------------------------------------------------------------------------------
# The command


@pytest.fixture
def stepped(tmp_path):
    docs = _series([100.0] * 6 + [110.0] * 6)
    return [str(write_json(tmp_path / f"r{i:02d}.json", d)) for i, d in enumerate(docs)]


def test_history_exits_1_on_a_regression_and_prints_the_change_point(stepped):
    p = invoke("history", *stepped)
    assert p.returncode == 1, p.stderr
    assert "ordered by creation time" in p.stdout
    row = next(line for line in p.stdout.splitlines() if line.startswith("a "))
    assert "run 7" in row and "+10." in row and row.rstrip().endswith("slower")
    assert "REGRESSION" in p.stdout.splitlines()[-1]


def test_history_exits_0_without_a_regression(tmp_path):
    docs = [_doc(100, i, i, step_case=False) for i in range(8)]
    paths = [str(write_json(tmp_path / f"s{i}.json", d)) for i, d in enumerate(docs)]
    p = invoke("history", *paths)
    assert p.returncode == 0, p.stderr
    assert "no regression" in p.stdout


@pytest.mark.parametrize("fmt", ["table", "kernel", "markdown", "csv", "json", "yaml"])
def test_history_in_every_format(stepped, fmt):
    p = invoke("--format", fmt, "history", *stepped)
    assert p.returncode == 1, p.stderr
    if fmt == "json":
        data = json.loads(p.stdout)
    elif fmt == "yaml":
        data = yaml.safe_load(p.stdout)
    else:
        data = None
    if data is not None:
        assert data["regressions"] == ["a"]
        (cp,) = data["cases"][0]["change_points"]
        assert cp["run"] == 6 and cp["label"].endswith("r06.json")
        assert len(data["cases"][0]["values"]) == 12
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        assert len(rows) == 24
        marked = [r for r in rows if r["change_point"] == "1"]
        assert [(r["key"], r["run"]) for r in marked] == [("a", "7")]
    elif fmt == "markdown":
        assert "| case" in p.stdout and "slower" in p.stdout
    else:
        assert "change points" in p.stdout and "slower" in p.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--min-effect", "x"], "--min-effect"),
        (["--alpha", "2"], "--alpha"),
        (["--permutations", "5"], "--permutations"),
    ],
)
def test_bad_options_are_one_line_exit_2(stepped, args, message):
    p = invoke("history", *stepped, *args)
    assert p.returncode == 2
    assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_bad_input_is_one_line_exit_2(stepped, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    for args in ([stepped[0]], [stepped[0], str(bad)], [stepped[0], str(tmp_path / "none")]):
        p = invoke("history", *args)
        assert p.returncode == 2, (args, p.stdout)
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_a_step_is_found_despite_disturbed_runs():
    x = _noise(11, 20, 0.005)
    x = x[:10] + [v * 1.10 for v in x[10:]]
    for i in (2, 7, 13, 17):  # runs the host slowed down by half or more
        x[i] *= 1.5 + i / 20
    # with the distances themselves (exponent 1) the outliers hide the step
    assert change_points(x, exponent=1.0) == []
    assert [c.index for c in change_points(x)] == [10]
    assert [s[0] for s in analyse_series(x, HistoryOptions())] == [10]
