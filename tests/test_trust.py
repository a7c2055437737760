"""Repeats across processes, per-process statistics, the clock probe and its use in
compare, scatter warnings, and the CLI conventions of issue #9."""

from __future__ import annotations

import csv
import io
import json
import math
import random

import pytest

from skbbench.compare.samples import process_clocks
from skbbench.document import SCHEMA_VERSION, Case, load_document
from skbbench.document.merge import merge_documents
from skbbench.document.stats import scatter_warnings
from skbbench.errors import ModelError, UsageError
from skbbench.stats import t_two_sided_p, welch_t
from tests.clirunner import invoke
from tests.resultdocs import case, compare, document, noisy, record, typed


def multi(key: str, per_process: list[list[float]], **kw) -> dict:
    """A case whose repeats come from several worker processes."""
    c = case(key, [v for vs in per_process for v in vs], **kw)
    runs = []
    for p, vs in enumerate(per_process):
        for v in vs:
            runs.append([{**record(v), "process": p}])
    c["runs"] = runs
    c["stats"] = Case.from_dict(c).stats.to_dict()
    return c


def with_clocks(doc: dict, clocks: list[float]) -> dict:
    doc["processes"] = len(clocks)
    doc["machine"]["processes"] = [
        {"process": p, "clock_before": {"core_per_tsc": r}, "clock_after": {"core_per_tsc": r}}
        for p, r in enumerate(clocks)
    ]
    return doc


# --------------------------------------------------------------------------------------
# statistics


def test_student_t_tail_matches_tables():
    # two-sided 5% critical values: df 1 -> 12.706, df 10 -> 2.228, df inf -> 1.960
    assert t_two_sided_p(12.706, 1) == pytest.approx(0.05, abs=1e-4)
    assert t_two_sided_p(2.228, 10) == pytest.approx(0.05, abs=1e-4)
    assert t_two_sided_p(1.96, 1e7) == pytest.approx(0.05, abs=1e-4)
    assert t_two_sided_p(0.0, 5) == pytest.approx(1.0)


def test_welch_matches_a_hand_computation():
    res = welch_t([1, 2, 3, 4], [2, 3, 4, 5])
    # means 2.5 and 3.5, variances 5/3 each: t = 1 / sqrt(5/6), df = 6
    assert res.t == pytest.approx(1 / math.sqrt(5 / 6))
    assert res.df == pytest.approx(6.0)
    assert 0.3 < res.p < 0.33


# --------------------------------------------------------------------------------------
# per-process statistics and compare on them


def test_case_stats_keep_one_median_per_process():
    c = multi("a", [[10, 11, 30], [20, 21, 22]])
    st = c["stats"]
    assert st["processes"] == 2 and st["repeats"] == 6
    assert st["process_medians"]["cycles"] == pytest.approx([11, 21])


def _aa(seed: int, shift: float = 1.0, between: float = 0.03, processes: int = 5) -> tuple:
    rng = random.Random(seed)

    def side(factor: float) -> dict:
        per = []
        for _ in range(processes):
            level = 100 * factor * (1 + rng.gauss(0, between))  # the process's own level
            per.append(noisy(rng, level, 5, cv=0.005, outlier_p=0.1))
        return document([multi("a", per)])

    return side(1.0), side(shift)


def test_between_process_noise_is_what_the_test_sees():
    # Repeats agree to 0.5 % within a process, processes differ by 3 %: a test on the
    # repeats would call identical distributions different most of the time.
    verdicts = [compare(*_aa(s)).cases[0] for s in range(300)]
    alarms = sum(v.verdict in ("slower", "faster") for v in verdicts) / len(verdicts)
    assert alarms <= 0.05, alarms
    assert all(v.method == "welch-t/processes" for v in verdicts)


def test_the_per_process_value_is_the_minimum_of_its_repeats_by_default():
    # Every process has the same floor (10) and a preempted tail that differs between the
    # runs: the minimum sees identical runs, the median a 20% slowdown.
    base = document([multi("c", [[10, 10.1, 10.2, 11, 11]] * 3)])
    cur = document([multi("c", [[10, 10.1, 12, 12, 12]] * 3)])
    default = compare(base, cur).cases[0]
    assert default.verdict == "no change" and default.base_median == pytest.approx(10)
    median = compare(base, cur, stat="median").cases[0]
    assert median.base_median == pytest.approx(10.2) and median.cur_median == pytest.approx(12)
    assert median.verdict != "no change"


def test_a_shift_beyond_the_noise_is_detected():
    verdicts = [compare(*_aa(s, shift=1.2)).cases[0].verdict for s in range(100)]
    assert verdicts.count("slower") / len(verdicts) >= 0.9


def test_auto_threshold_follows_the_between_process_noise():
    quiet = compare(*_aa(1, between=0.001))
    noisy_ = compare(*_aa(1, between=0.05))
    assert quiet.threshold == pytest.approx(0.02)  # the floor
    assert noisy_.threshold > 0.05 and "between-process CV" in noisy_.threshold_source
    one = compare(document([case("a", [1, 2, 3])]), document([case("a", [1, 2, 3])]))
    assert one.threshold == pytest.approx(0.05) and "one process" in one.threshold_source
    assert any("one worker process" in w for w in one.warnings)
    assert compare(*_aa(1), threshold=0.5).threshold == 0.5


def test_a_core_clock_drift_is_shown_and_undone():
    # the same work; the current run's core clock is 19 % slower, so cycles(tsc) rise
    base = with_clocks(document([multi("a", [[100, 100.2]] * 4)]), [1.29] * 4)
    slow = 1.29 * 0.81
    cur = with_clocks(document([multi("a", [[100 / 0.81, 100.3 / 0.81]] * 4)]), [slow] * 4)
    comp = compare(base, cur)
    assert comp.clock is not None and comp.clock.flagged and comp.clock.normalized
    assert comp.clock.change == pytest.approx(-0.19)
    assert comp.cases[0].verdict == "no change"
    assert any("core clock drift" in w for w in comp.warnings)
    raw = compare(base, cur, clock="raw")
    assert raw.cases[0].verdict == "slower" and raw.clock is not None and raw.clock.flagged
    assert process_clocks(typed(document([case("a", [1])]))) == {}


def test_several_files_per_side_pool_their_processes(tmp_path):
    paths = []
    for i in range(3):
        doc = with_clocks(document([multi("a", [[100 + i, 101 + i]])]), [1.3])
        path = tmp_path / f"r{i}.json"
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    from skbbench.baselines import load_side

    doc, label = load_side(",".join(paths))
    assert doc.processes == 3 and label == ",".join(paths)
    assert doc.cases[0].stats.process_medians_cycles == pytest.approx((100.5, 101.5, 102.5))
    assert sorted(p.process for p in doc.machine.processes) == [0, 1, 2]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(document([case("a", [1])], config={"loops": 7})))
    with pytest.raises(UsageError, match="not a run of the same config"):
        load_side(f"{paths[0]},{other}")


def test_schema_1_documents_are_read_as_one_process(tmp_path):
    doc = document([case("a", [1.0, 2.0, 3.0])])
    doc["schema"] = 1
    for c in doc["cases"]:
        c["stats"].pop("processes")
        c["stats"].pop("process_medians")
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    read = load_document(path)
    assert read.schema == SCHEMA_VERSION and read.processes == 1
    assert read.cases[0].stats.processes == 1
    doc["cases"][0]["runs"][0][0]["process"] = 1
    path.write_text(json.dumps(doc))
    with pytest.raises(UsageError, match="process: not in schema 1"):
        load_document(path)


def test_scatter_warnings_name_the_case():
    def stats(c: dict):
        return Case.from_dict(c).stats

    assert scatter_warnings("a", 1, stats(multi("a", [[100, 100.1, 100.2]]))) == []
    (line,) = scatter_warnings("x", 8, stats(multi("a", [[100, 100.1, 400]])))
    assert line.startswith("unstable: 'x' (step:8): the median is in doubt") and "4.00x" in line
    # one slow repeat of five does not move the median: a scatter note, not "unstable"
    (line,) = scatter_warnings("y", 8, stats(multi("a", [[100, 100.1, 100.2, 100.1, 400]])))
    assert line.startswith("scatter: 'y' (step:8): repeats scatter") and "not moved" in line
    # two slow repeats of five: the middle repeats are apart, the median is in doubt
    (line,) = scatter_warnings("z", 8, stats(multi("a", [[100, 100.1, 100.2, 190, 200]])))
    assert line.startswith("unstable: 'z' (step:8): the median is in doubt by +-45%")
    apart = stats(multi("a", [[100, 100], [120, 120]]))
    assert any("between processes" in w for w in scatter_warnings("a", 1, apart))


# --------------------------------------------------------------------------------------
# runs in worker processes (real subprocesses)


def test_a_run_in_worker_processes_tags_every_repeat(tmp_path):
    out = tmp_path / "r.json"
    p = invoke(
        "sample",
        "--loops",
        "20000",
        "--repeat",
        "2",
        "--processes",
        "2",
        "--tests",
        "for_loop",
        "-o",
        str(out),
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    # 2 processes, or up to 2 more when the host disturbed one (skbbench.disturbance)
    n = doc["processes"]
    assert doc["schema"] == SCHEMA_VERSION and 2 <= n <= 4
    assert f"in {n} worker processes" in p.stderr
    assert (n > 2) == ("measuring in one more process" in p.stderr)
    assert doc["config"]["processes"] == 2
    assert [r[0]["process"] for r in doc["cases"][0]["runs"]] == [i // 2 for i in range(2 * n)]
    procs = doc["machine"]["processes"]
    assert [q["process"] for q in procs] == list(range(n)) and len({q["pid"] for q in procs}) == n
    for q in procs:  # every process probed its core clock and the for_loop cost
        assert 0.2 < q["clock_before"]["core_per_tsc"] < 5.0
        assert q["clock_after"]["for_loop_cycles"] > 0


def test_a_worker_error_is_one_line_and_its_exit_status():
    p = invoke("sample", "--loops", "20000", "--processes", "2", "--cpu", "4095")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("skbbench: error: ")


def test_the_clock_probe_is_plausible():
    from skbbench.harness.clock import probe_clock

    probe = probe_clock(windows=3, iterations=2000)
    assert 0.2 < probe.core_per_tsc < 5.0 and probe.spread >= 0.0
    assert probe.for_loop_cycles > 0.05


def test_the_injection_knob_is_read_from_the_environment(monkeypatch):
    from skbbench.harness.window import W_INJECT, new_window

    monkeypatch.delenv("SKBBENCH_INJECT_SLOWDOWN", raising=False)
    assert new_window()[W_INJECT] == 0
    monkeypatch.setenv("SKBBENCH_INJECT_SLOWDOWN", "0.25")
    assert new_window()[W_INJECT] == 1 << 18
    monkeypatch.setenv("SKBBENCH_INJECT_SLOWDOWN", "nonsense")
    assert new_window()[W_INJECT] == 0


# --------------------------------------------------------------------------------------
# CLI conventions


def test_format_after_the_command_and_quiet():
    p = invoke(
        "sample",
        "--loops",
        "20000",
        "--repeat",
        "1",
        "--tests",
        "for_loop",
        "--format",
        "csv",
        "-o",
        "/dev/null",
    )
    assert p.returncode == 0, p.stderr
    rows = list(csv.reader(io.StringIO(p.stdout)))
    assert rows[0][0] == "case" and rows[1][0] == "for_loop"
    q = invoke("-q", "sample", "--loops", "20000", "--repeat", "1", "--tests", "for_loop")
    assert q.returncode == 0 and q.stderr == ""


def test_info_csv_is_real_csv():
    p = invoke("info", "--format", "csv")
    rows = list(csv.reader(io.StringIO(p.stdout)))
    assert rows[0] == ["key", "value"]
    table = dict(r for r in rows[1:] if r[0] != "warning")
    assert float(table["tsc_mhz"]) > 0


def test_a_run_with_an_aborted_case_exits_4():
    # test02 keeps the original's 32-bit guard: this bulk size aborts, the other runs
    p = invoke(
        "bulk",
        "--test",
        "02",
        "--sizes",
        "8,250",
        "--loops",
        "10000000",
        "--profile",
        "zero",
        "--repeat",
        "1",
        "--warmup",
        "0",
    )
    assert p.returncode == 4, p.stderr
    assert "Loop cnt too big will overflow 32-bit" in p.stdout
    assert "case(s) failed" in p.stderr


def test_a_model_invariant_violation_has_its_own_exit_status(monkeypatch):
    def broken(*args, **kwargs):
        raise ModelError("SLUB x: double free of object 0x40 (object already free)")

    monkeypatch.setattr("skbbench.session.execute", broken)
    p = invoke("sample", "--loops", "20000")
    assert p.returncode == 3
    assert (
        p.stderr.strip()
        == "skbbench: error: SLUB x: double free of object 0x40 (object already free)"
    )


def test_compare_csv_has_numbers():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.json", Path(tmp) / "b.json"
        base, cur = _aa(3, shift=1.3)
        a.write_text(json.dumps(base))
        b.write_text(json.dumps(cur))
        p = invoke("compare", str(a), str(b), "--format", "csv")
    assert p.returncode == 1
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert float(rows[0]["change_percent"]) > 20 and 0 <= float(rows[0]["p"]) < 0.05
    assert int(rows[0]["processes_baseline"]) == 5


def test_each_config_of_a_merged_run_keeps_its_own_clock_probes(tmp_path):
    # skbbench run a.yaml b.yaml: the current run's config b ran with a 19% slower core
    # clock; its processes are normalised with their own probes, not config a's
    def both(b_clock: float, b_scale: float) -> dict:
        a = with_clocks(document([multi("x", [[100, 100.1]] * 3)]), [1.3] * 3)
        b = with_clocks(
            document([multi("y", [[200 * b_scale, 200.2 * b_scale]] * 3)]), [b_clock] * 3
        )
        return merge_documents([typed(a), typed(b)], ["a", "b"])

    base, cur = both(1.3, 1.0), both(1.3 * 0.81, 1 / 0.81)
    assert len(cur.machine.processes) == 6 and cur.processes == 3
    verdicts = {c.key: c.verdict for c in compare(base, cur).cases}
    assert verdicts == {"a:x": "no change", "b:y": "no change"}
    # two such files on a side pool their processes per config, numbered apart
    from skbbench.baselines import load_side

    paths = []
    for i in range(2):
        path = tmp_path / f"m{i}.json"
        path.write_text(json.dumps(base.to_dict()))
        paths.append(str(path))
    pooled, _ = load_side(",".join(paths))
    per_case = {c.key: sorted({r.process for r in c.repeats}) for c in pooled.cases}
    assert per_case == {"a:x": [0, 1, 2, 3, 4, 5], "b:y": [0, 1, 2, 3, 4, 5]}
