"""A benchmark family added without editing skbbench: the toy family of tests/toyfamily
(spec and descriptor, a bench module with a jitted kernel, a report) is registered by a
``skbbench.families`` entry point -- the distribution metadata a ``pip install`` of a
package declaring it would write -- and runs through the real CLI in fresh processes:
the command and its help, every --format, -o, a config with ``skbbench run``, worker
processes, compare in both modes, and plot. This is CONTRIBUTING.md's recipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--sizes", "4,32", "--loops", "20000", "--repeat", "2"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    dist = site / "toyfamily-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toyfamily\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[skbbench.families]\ntoy = tests.toyfamily.spec:FAMILY\n"
    )
    path = os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


def skbbench(env, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skbbench", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=600,
    )


def test_the_family_is_a_command_with_its_help(env):
    p = skbbench(env, "--help")
    assert p.returncode == 0 and "toy       toy_bench" in p.stdout
    assert "Benchmark families:" in p.stdout and "napi, toy." in " ".join(p.stdout.split())
    p = skbbench(env, "toy", "--help")
    assert p.returncode == 0 and "toy_bench: a per-CPU array stack" in " ".join(p.stdout.split())
    assert "--sizes" in p.stdout and "--processes" in p.stdout
    p = skbbench(env, "plot", "--help")
    assert "toy: per element against objects per call" in " ".join(p.stdout.split())
    p = skbbench(env, "toy", "--sizes", "0")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "below the minimum 1" in p.stderr


def test_the_family_runs_in_every_format_and_writes_results(env, tmp_path):
    p = skbbench(env, "toy", *SMALL, "-o", str(tmp_path / "a.json"))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert sum(line.startswith("Type:toy stack push+pop Per elem:") for line in lines) == 4
    assert "toy- one - bulk" in lines and any(line.startswith("32 - ") for line in lines)
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["command"] == "toy" and len(doc["cases"]) == 4
    assert doc["cases"][0]["counters"] == {"toy": {"pushes": 20000}}
    for fmt, check in (
        ("table", "toy- one - bulk"),
        ("markdown", "toy- one - bulk\n| "),
        ("csv", "case,step,params"),
        ("json", '"command": "toy"'),
        ("yaml", "command: toy"),
    ):
        p = skbbench(env, "--format", fmt, "toy", *SMALL)
        assert p.returncode == 0 and check in p.stdout, (fmt, p.stderr)
    p = skbbench(env, "toy", *SMALL, "-o", str(tmp_path / "a.yaml"))
    assert p.returncode == 0 and (tmp_path / "a.yaml").read_text().startswith("schema: 2")


def test_the_family_runs_from_a_config_in_worker_processes_and_compares(env, tmp_path):
    config = tmp_path / "toy.yaml"
    config.write_text("benchmark: toy\nsizes: [4, 32]\nloops: 20000\nrepeat: 2\nprocesses: 2\n")
    for name in ("a", "b"):
        p = skbbench(env, "run", str(config), "-o", str(tmp_path / f"{name}.json"))
        assert p.returncode == 0, p.stderr
        assert "worker processes" in p.stderr
    p = skbbench(env, "compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert p.returncode in (0, 1), p.stderr  # a verdict either way
    assert "Counters: identical in all common cases" in p.stdout
    p = skbbench(
        env,
        "compare",
        str(tmp_path / "a.json"),
        str(tmp_path / "b.json"),
        "--mode",
        "relative",
        "--ratio",
        "bulk/one",
        "--tolerance",
        "300",
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2/2 variant ratios within tolerance" in p.stdout


def test_the_family_plots_as_its_descriptor_says(env, tmp_path):
    pytest.importorskip("matplotlib")  # the plot extra: CI installs it
    p = skbbench(env, "toy", *SMALL, "-o", str(tmp_path / "a.json"))
    assert p.returncode == 0, p.stderr
    p = skbbench(env, "plot", str(tmp_path / "a.json"), "-o", str(tmp_path / "a.svg"))
    assert p.returncode == 0, p.stderr
    svg = (tmp_path / "a.svg").read_text()
    assert "per-object cost against call size" in svg and "objects per call" in svg
