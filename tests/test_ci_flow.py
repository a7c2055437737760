"""The CI flow end to end on a tiny config: run, save a baseline, rerun, compare (through
the real .ci/bench-compare script), a counter change fails with the table printed, bad
input exits 2. Also the compare/baseline/plot commands' exit statuses on synthetic files.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirunner import invoke
from tests.resultdocs import case, document, sweep

ROOT = Path(__file__).resolve().parent.parent
TINY = "benchmark: sample\nloops: 20000\nrepeat: 3\ntests: [for_loop, cmpxchg]\n"


def cli(*args, env=None, cwd=None):
    return invoke(*args, env=env, cwd=cwd or ROOT)


def ci_script(tmp_path, config, baseline, ratio="", tolerance="35"):
    env = {
        **os.environ,
        "SKBBENCH_CI_CONFIG": str(config),
        "SKBBENCH_CI_BASELINE": str(baseline),
        "SKBBENCH_CI_RATIO": ratio,
        "SKBBENCH_CI_ATTEMPTS": "2",
        "SKBBENCH_CI_TOLERANCE": tolerance,
        "SKBBENCH": f"{sys.executable} -m skbbench",
    }
    return subprocess.run(
        ["bash", str(ROOT / ".ci" / "bench-compare")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )


def test_ci_flow_end_to_end_on_a_tiny_config(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    bdir = tmp_path / "baselines"
    env = {"SKBBENCH_BASELINES": str(bdir)}

    p = cli(
        "run", str(config), "-o", str(tmp_path / "first.json"), "--save-baseline", "tiny", env=env
    )
    assert p.returncode == 0, p.stderr
    assert "Type:for_loop" in p.stdout and "saved baseline 'tiny'" in p.stderr
    stored = json.loads((bdir / "tiny.json").read_text())
    assert [c["name"] for c in stored["cases"]] == ["for_loop", "cmpxchg"]
    assert stored["config"]["loops"] == 20000 and len(stored["cases"][0]["runs"]) == 3

    # the stored baseline is listed and not silently replaced
    p = cli("baseline", "list", env=env)
    assert p.returncode == 0 and "tiny" in p.stdout
    p = cli("baseline", "save", "tiny", str(tmp_path / "first.json"), env=env)
    assert p.returncode == 2 and "already exists" in p.stderr

    # CI script: same config, same machine -> passes, one summary line
    p = ci_script(tmp_path, config, bdir / "tiny.json")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "attempt 1/2" in p.stdout and "no regression" in p.stdout

    # a counter the current run does not reproduce -> fails on both attempts, table printed
    stored["cases"][1]["counters"] = {"cmpxchg_fail": 10000}
    (bdir / "tiny.json").write_text(json.dumps(stored))
    p = ci_script(tmp_path, config, bdir / "tiny.json")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "attempt 2/2" in p.stdout and "rerunning" in p.stdout
    assert "Counter differences (1):" in p.stdout and "cmpxchg_fail" in p.stdout
    assert "REGRESSION" in p.stdout and "baseline update" in p.stdout

    # update puts it right again
    p = cli("baseline", "update", "tiny", str(tmp_path / "first.json"), env=env)
    assert p.returncode == 0 and "updated baseline 'tiny'" in p.stdout

    # a baseline from another benchmark measured something else -> usage error, exit 2
    other = document([case("x|step=0", [1.0, 2.0])])
    (bdir / "other.json").write_text(json.dumps(other))
    p = ci_script(tmp_path, config, bdir / "other.json")
    assert p.returncode == 2 and "measured different configurations" in p.stderr


TINY_BULK = (
    'benchmark: bulk\ntest: "01"\nsizes: [16, 64]\ncompare: [before, after]\n'
    "loops: 20000\nrepeat: 3\n"
)


def test_ci_flow_relative_mode_on_the_bulk_sweep(tmp_path):
    """What CI does: variant ratios of the bulk sweep against a stored baseline."""
    config = tmp_path / "tinybulk.yaml"
    config.write_text(TINY_BULK)
    bdir = tmp_path / "baselines"
    p = cli(
        "run", str(config), "--save-baseline", "tinybulk", env={"SKBBENCH_BASELINES": str(bdir)}
    )
    assert p.returncode == 0, p.stderr
    path = bdir / "tinybulk.json"
    p = ci_script(tmp_path, config, path, ratio="after/before", tolerance="100")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2/2 variant ratios within tolerance" in p.stdout

    # make the baseline's "after" 4x faster: the fresh run's after/before ratio is then 4x
    # the stored one, far outside any noise, and every attempt fails
    doc = json.loads(path.read_text())
    for c in doc["cases"]:
        if c.get("params", {}).get("variant") == "after":
            for run in c["runs"]:
                for r in run:
                    r["tsc_stop"] = r["tsc_start"] + (r["tsc_stop"] - r["tsc_start"]) // 4
    path.write_text(json.dumps(doc))
    p = ci_script(tmp_path, config, path, ratio="after/before", tolerance="100")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Variant ratios after/before" in p.stdout and "worse" in p.stdout
    assert "FAILED 2 times" in p.stdout


def _files(tmp_path, base_cases, cur_cases, **kw):
    b, c = tmp_path / "base.json", tmp_path / "cur.json"
    b.write_text(json.dumps(document(base_cases, **kw)))
    c.write_text(json.dumps(document(cur_cases)))
    return str(b), str(c)


def test_compare_exit_statuses_and_output_formats(tmp_path):
    rng = random.Random(5)
    same = [case("a", [100 + rng.random() for _ in range(8)])]
    b, c = _files(tmp_path, same, same)
    p = cli("compare", b, c)
    assert p.returncode == 0, p.stderr
    assert "1 no change -> no regression" in p.stdout

    slower = [case("a", [130 + rng.random() for _ in range(8)])]
    b, c = _files(tmp_path, same, slower, cpu="Other CPU")
    p = cli("compare", b, c)
    assert p.returncode == 1
    assert "slower" in p.stdout and "REGRESSION" in p.stdout
    assert "WARNING: the files come from different machines" in p.stdout
    p = cli("compare", b, c, "--threshold", "40%")
    assert p.returncode == 0 and "no change" in p.stdout
    p = cli("--format", "json", "compare", b, c)
    data = json.loads(p.stdout)
    assert p.returncode == 1 and data["cases"][0]["verdict"] == "slower"
    assert data["exit_status"] == 1
    p = cli("--format", "csv", "compare", b, c)
    assert p.stdout.splitlines()[0].startswith("key,case,step,baseline,current,ratio")


def test_compare_relative_mode_from_the_command_line(tmp_path):
    cost = {"fallback": lambda s: 60.0, "bulk": lambda s: 60.0 / (1 + s / 16)}
    moved = {"fallback": lambda s: 60.0, "bulk": lambda s: 90.0 / (1 + s / 16)}
    b, c = _files(
        tmp_path, sweep(random.Random(1), [1, 16], cost), sweep(random.Random(2), [1, 16], moved)
    )
    p = cli("compare", b, c, "--mode", "relative", "--ratio", "bulk/fallback")
    assert p.returncode == 1
    assert "Variant ratios bulk/fallback" in p.stdout and "worse" in p.stdout
    p = cli("compare", b, c, "--mode", "relative", "--ratio", "bulk/fallback", "--tolerance", "60")
    assert p.returncode == 0, p.stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["compare", "MISSING.json", "CUR"], "MISSING.json: no such result file"),
        (["compare", "BASE", "EMPTY"], "file is empty"),
        (["compare", "BASE", "TRUNC"], "not valid JSON (file truncated?)"),
        (["compare", "BASE", "SCHEMA9"], "schema: result schema version 9 is not supported"),
        (["compare", "BASE", "OTHER"], "no case in common"),
        (["compare", "BASE", "CUR", "--threshold", "abc"], "--threshold 'abc'"),
        (["compare", "BASE", "CUR", "--alpha", "2"], "--alpha 2: out of range"),
        (["compare", "BASE", "CUR", "--metric", "watts"], "--metric"),
        (["compare", "BASE", "CUR", "--mode", "relative", "--ratio", "a/b"], "params.variant"),
        (["compare", "BASE"], "CURRENT"),
        (["baseline", "save", "../evil", "CUR"], "baseline name '../evil'"),
        (["baseline", "update", "nobaseline", "CUR"], "does not exist"),
        (["plot", "CUR", "-o", "x.txt"], "use one of .png"),
        (["plot", "CUR", "-o", "OUT.png"], "no case with params.variant"),
        (["run", "NOCONFIG.yaml"], "NOCONFIG.yaml: no such config file"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, args, needle):
    base = document([case("a", [1.0, 2.0])])
    files = {
        "BASE": base,
        "CUR": base,
        "OTHER": document([case("b", [1.0])]),
        "SCHEMA9": {**base, "schema": 9},
    }
    paths = {}
    for name, doc in files.items():
        paths[name] = tmp_path / f"{name.lower()}.json"
        paths[name].write_text(json.dumps(doc))
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "trunc.json").write_text(json.dumps(base)[:50])
    paths.update(EMPTY=tmp_path / "empty.json", TRUNC=tmp_path / "trunc.json")
    argv = [str(paths[a]) if a in paths else a for a in args]
    argv = [
        str(tmp_path / a) if a.endswith((".yaml", ".json", ".png", ".txt")) and "/" not in a else a
        for a in argv
    ]
    p = cli(*argv, env={"SKBBENCH_BASELINES": str(tmp_path / "bl")})
    assert p.returncode == 2, (p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert needle in lines[0]


def test_plot_says_matplotlib_is_missing_in_one_line(tmp_path, monkeypatch):
    cost = {"fallback": lambda s: 60.0, "bulk": lambda s: 60.0 / (1 + s / 16)}
    res = tmp_path / "sweep.json"
    res.write_text(json.dumps(document(sweep(random.Random(1), [1, 2, 4, 16, 64], cost))))
    out = tmp_path / "sweep.png"
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    p = cli("plot", str(res), "-o", str(out))
    assert p.returncode == 2 and not out.exists()
    assert p.stderr.strip() == (
        "skbbench: error: plotting needs matplotlib, which is not "
        "installed: pip install '.[plot]' in the skbbench checkout (or pip install "
        "matplotlib)"
    )


def test_plot_draws_a_sweep(tmp_path):
    pytest.importorskip("matplotlib")  # the plot extra: CI installs it
    cost = {"fallback": lambda s: 60.0, "bulk": lambda s: 60.0 / (1 + s / 16)}
    res = tmp_path / "sweep.json"
    res.write_text(json.dumps(document(sweep(random.Random(1), [1, 2, 4, 16, 64], cost))))
    out = tmp_path / "sweep.png"
    p = cli("plot", str(res), str(res), "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "4 line(s)" in p.stderr
