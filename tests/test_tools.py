"""The measuring tools run and report what they say they report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool(*args: str) -> str:
    p = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_cold_start_times_a_command_cold_and_warm():
    out = _tool("tools/cold_start.py", "--command", "skbbench --help", "--warm", "2")
    line = next(x for x in out.splitlines() if x.endswith("skbbench --help"))
    cold, warm, status = line.split()[:3]
    assert float(cold) > 0 and re.fullmatch(r"[\d.]+/[\d.]+", warm) and status == "0"
    assert "1 commands: cold max" in out


def test_run_to_run_reports_the_spread_of_each_case_and_each_run():
    out = _tool(
        "tools/run_to_run.py",
        "--runs",
        "2",
        "--",
        "sample",
        "--tests",
        "for_loop",
        "--loops",
        "100000",
        "--repeat",
        "1",
    )
    assert re.search(r"^\s*[\d.]+%\s+\d+\s+for_loop step=0$", out, re.MULTILINE), out
    assert "run 1:" in out and "run 2:" in out
    assert "2 runs of `skbbench sample" in out and "median per-case spread" in out
