"""Compile a config's counter-replay kernels in a helper process, beside the run.

A cold cache makes a run compile two flavors of each model chain: the timed one (no
counters) and the replay's (counters compiled in). They are independent, so while the
run's process compiles the timed kernels (``Case.compile(False)``), this helper process
compiles the replay's (``Case.compile(True)``) into the same cache, and the run loads
them when it replays. The run waits for the helper before it times anything, so no
compile runs beside a timed window. Started as ``python -m skbbench.session.precompile``
with the config as JSON on stdin; prints nothing, and a failure only costs the run the
compile it would have done anyway.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from skbbench.spec import RunConfig

MODULE = "skbbench.session.precompile"


def start(cfg: RunConfig, cpus: list[int]) -> subprocess.Popen[str] | None:
    """The helper process compiling ``cfg``'s replay kernels on ``cpus`` (None if it
    cannot start)."""
    proc = None
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdin is not None
        os.sched_setaffinity(proc.pid, cpus)  # not the run's CPU, which it inherited
        proc.stdin.write(json.dumps(cfg.to_dict()))
        proc.stdin.close()
    except (OSError, ValueError):
        if proc is not None:
            proc.kill()
            proc.wait()
        return None
    return proc


def main() -> int:
    from skbbench.bench.build import build_cases
    from skbbench.config import resolve_mapping
    from skbbench.harness.runner import Case

    cfg = resolve_mapping(json.loads(sys.stdin.read()), "precompile request")
    for case in build_cases(cfg, []):
        if isinstance(case, Case) and case.compile is not None:
            case.compile(True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
