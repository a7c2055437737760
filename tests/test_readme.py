"""The README's commands run as written, in order, in a copy of a fresh clone.

Every line of an indented command block that starts with ``skbbench`` (or ``mkdir``), and
every ``$ skbbench ...`` line that heads a block of real output, is run with bash in a
temporary directory holding the repository's tracked files, with ``skbbench`` meaning this
checkout's package. A trailing ``# exit N`` comment states the exit status the command must
have (0 otherwise; a comparison may also exit 1). Repeated commands run once. ``pip
install``, ``python -m pytest`` and ``python tools/...`` lines
are covered elsewhere (CI runs the install and test commands; the tools have their own
tests) and skipped here; so is ``skbbench plot`` when matplotlib is not installed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RUNNABLE = ("skbbench ", "mkdir ")


def readme_commands(text: str) -> list[tuple[int, str, int]]:
    """(line number, command, expected exit status) in README order."""
    out = []
    fenced = False
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("```"):
            fenced = not fenced
            continue
        line = raw
        if fenced and line.startswith("$ skbbench "):
            line = re.sub(r"\s{2,}\(.*\)\s*$", "", line[2:])  # "(tails cut ...)" notes
        elif not fenced and raw.startswith("    "):
            line = raw[4:]
        else:
            continue
        if not line.startswith(RUNNABLE):
            continue
        expect = 0
        m = re.search(r"#\s*exit (\d+)\s*$", line)
        if m:
            expect = int(m.group(1))
        command = line.split(" #", 1)[0].strip()
        out.append((number, command, expect))
    return out


def _fresh_clone(tmp: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        src = ROOT / name
        if name.startswith(("skbbench/", "tests/")) or not src.is_file():
            continue
        dst = tmp / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def test_the_readme_has_commands():
    commands = readme_commands(README.read_text())
    assert len(commands) >= 10
    assert any(c.startswith("skbbench compare") for _, c, _ in commands)


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tmp = tmp_path_factory.mktemp("clone")
    _fresh_clone(tmp)
    bindir = tmp_path_factory.mktemp("bin")
    wrapper = bindir / "skbbench"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m skbbench "$@"\n')
    wrapper.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bindir}:{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "SKBBENCH_BASELINES": str(tmp / "baselines"),
    }
    return tmp, env


def test_readme_commands_run_as_written(clone):
    tmp, env = clone
    try:
        import matplotlib  # noqa: F401

        have_plot = True
    except ImportError:
        have_plot = False
    failures = []
    done: set[str] = set()
    one_cpu = len(os.sched_getaffinity(0)) < 2
    for number, command, expect in readme_commands(README.read_text()):
        if command.startswith("skbbench plot") and not have_plot or command in done:
            continue
        done.add(command)
        # a comparison's verdict is its result, not a failure: exit 1 (regression) is an
        # answer too (two runs of one config disagree in about 1 pair in 20, by design)
        allowed = {expect, 1} if command.startswith("skbbench compare") else {expect}
        p = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        if p.returncode == 2 and one_cpu and "CPU(s) allowed" in tail:
            continue  # a command that asks for two CPUs (--threads 2) on a one-CPU machine
        if p.returncode not in allowed:
            failures.append(f"README line {number}: `{command}` exit {p.returncode}: {tail}")
    assert not failures, "\n".join(failures)
