"""Run the skbbench CLI in-process with click's CliRunner: the same entry point as the
console script (``skbbench.cli.main``, with its error mapping and exit statuses), without
a new interpreter, numba import and kernel load per call."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from skbbench.cli import main


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def invoke(*args: str, cwd: str | Path | None = None, env: dict[str, str] | None = None) -> Result:
    """``skbbench ARGS...``: exit status, stdout and stderr as text (``env`` is set for
    the call only)."""
    runner = CliRunner()
    old = os.getcwd()
    # a run pins this (main) thread to one CPU: undo it, or every process the tests start
    # afterwards (README commands, .ci scripts) inherits a single CPU
    affinity = os.sched_getaffinity(0)
    code = 0
    with runner.isolation(env=env) as (out, err, _):
        if cwd is not None:
            os.chdir(cwd)
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            os.chdir(old)
            os.sched_setaffinity(0, affinity)
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return Result(code, stdout, stderr)
