"""Cold and warm start of the README's commands: each one run with an empty kernel cache
(a first run after install), then again with the cache it left (a second run).

    python tools/cold_start.py                      # every skbbench command of the README
    python tools/cold_start.py --match "bulk" --warm 3
    python tools/cold_start.py --command "skbbench --help" --command "skbbench bulk"

Each cold run gets a new empty ``XDG_CACHE_HOME`` (``NUMBA_CACHE_DIR`` unset), so nothing
compiled by an earlier command is reused: the figure is what a new user waits for that
command alone. Prints one line per command (cold seconds, warm min/median seconds, exit
status) and a summary. Run it on an idle machine: a test suite beside it doubles the
figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.readmecmds import readme_commands  # noqa: E402


def _env(cache: str, bindir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = cache
    env["PATH"] = f"{bindir}:{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _timed(command: str, cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    p = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - t0, p.returncode


def measure(command: str, warm: int, work: Path, bindir: Path) -> tuple[float, list[float], int]:
    """(cold seconds, warm seconds, exit status of the cold run)."""
    with tempfile.TemporaryDirectory(prefix="skbbench-cold-") as cache:
        env = _env(cache, bindir)
        cold, status = _timed(command, work, env)
        warms = [_timed(command, work, env)[0] for _ in range(warm)]
    return cold, warms, status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--command", action="append", default=[], help="a command to time")
    ap.add_argument("--match", default="", help="only README commands matching this regex")
    ap.add_argument("--warm", type=int, default=2, help="warm runs after the cold one")
    args = ap.parse_args()
    commands = args.command or [
        c
        for _, c, _ in readme_commands((ROOT / "README.md").read_text())
        if c.startswith("skbbench ") and re.search(args.match, c)
    ]
    commands = list(dict.fromkeys(commands))
    with tempfile.TemporaryDirectory(prefix="skbbench-work-") as tmp:
        work = Path(tmp)
        (work / "results").mkdir()
        (work / "configs").symlink_to(ROOT / "configs")
        bindir = work / ".bin"
        bindir.mkdir()
        wrapper = bindir / "skbbench"
        wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m skbbench "$@"\n')
        wrapper.chmod(0o755)
        print(f"{'cold s':>7} {'warm s (min/med)':>17} {'exit':>4}  command", flush=True)
        colds = []
        for command in commands:
            cold, warms, status = measure(command, args.warm, work, bindir)
            colds.append(cold)
            w = f"{min(warms):.1f}/{statistics.median(warms):.1f}" if warms else "-"
            print(f"{cold:7.1f} {w:>17} {status:>4}  {command}", flush=True)
        if colds:
            print(
                f"{len(colds)} commands: cold max {max(colds):.1f} s, median "
                f"{statistics.median(colds):.1f} s, total {sum(colds):.0f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
