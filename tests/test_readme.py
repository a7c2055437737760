"""The README's commands run as written, in order, in a copy of a fresh clone.

Every line of an indented command block that starts with ``skbbench`` (or ``mkdir``), and
every ``$ skbbench ...`` line that heads a block of real output, is run with bash in a
temporary directory holding the repository's tracked files, with ``skbbench`` meaning this
checkout's package. A trailing ``# exit N`` comment states the exit status the command must
have (0 otherwise; a comparison may also exit 1). Repeated commands run once. ``pip
install``, ``python -m pytest`` and ``python tools/...`` lines
are covered elsewhere (CI runs the install and test commands; the tools have their own
tests) and skipped here; so is ``skbbench plot`` when matplotlib is not installed.

Each section (``## ...``) runs in a clone of its own, so sections run in parallel
(pytest-xdist) on the CPU of their worker; a command that needs more CPUs (it says so) is
run again on every CPU, alone.
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

from tests.conftest import ALL_CPUS, on_all_cpus
from tests.readmecmds import readme_commands, readme_sections

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


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


SECTIONS = readme_sections(README.read_text())


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40]


def _clone(tmp: Path) -> dict[str, str]:
    """A fresh clone's files in ``tmp``; the environment its commands run in."""
    _fresh_clone(tmp)
    bindir = tmp / ".bin"
    bindir.mkdir()
    wrapper = bindir / "skbbench"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m skbbench "$@"\n')
    wrapper.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bindir}:{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "SKBBENCH_BASELINES": str(tmp / "baselines"),
    }


# families whose default run has modules on several CPUs (MIN_CPUS, parallel cases)
SEVERAL_CPUS = re.compile(r"^skbbench (alfq|pages|pagepool|parallel)\b|--threads 2")


def _needs_more_cpus(p: subprocess.CompletedProcess[str]) -> bool:
    """The command said it needs more CPUs than its worker has (a usage error, or a
    module skipped with a note)."""
    return "CPU(s) allowed" in p.stderr or "allowed CPUs, only" in p.stderr


def _run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


def test_every_command_belongs_to_a_section():
    commands = readme_commands(README.read_text())
    assert sum(len(cmds) for _, cmds in SECTIONS) == len(commands)


@pytest.mark.parametrize(
    "title, commands",
    [
        pytest.param(t, c, id=_slug(t), marks=pytest.mark.xdist_group(f"readme-{_slug(t)}"))
        for t, c in SECTIONS
    ],
)
def test_readme_commands_run_as_written(title, commands, tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    env = _clone(tmp_path)
    try:
        import matplotlib  # noqa: F401

        have_plot = True
    except ImportError:
        have_plot = False
    failures = []
    done: set[str] = set()
    for number, command, expect in commands:
        if command.startswith("skbbench plot") and not have_plot or command in done:
            continue
        done.add(command)
        # a comparison's verdict is its result, not a failure: exit 1 (regression) is an
        # answer too (two runs of one config disagree in about 1 pair in 20, by design)
        allowed = {expect, 1} if command.startswith("skbbench compare") else {expect}

        if SEVERAL_CPUS.search(command):
            with on_all_cpus():
                p = _run(command, tmp_path, env)
        else:
            p = _run(command, tmp_path, env)
        if _needs_more_cpus(p) and len(ALL_CPUS) > len(os.sched_getaffinity(0)):
            with on_all_cpus():
                p = _run(command, tmp_path, env)
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        if p.returncode == 2 and len(ALL_CPUS) < 2 and "CPU(s) allowed" in tail:
            continue  # a command that asks for two CPUs (--threads 2) on a one-CPU machine
        if p.returncode not in allowed:
            failures.append(f"README line {number}: `{command}` exit {p.returncode}: {tail}")
    assert not failures, "\n".join(failures)
