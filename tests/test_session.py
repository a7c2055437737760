"""The worker boundary: a worker's error reaches the user as the same one-line error and
exit status as in-process, Ctrl-C stops a multi-process run with no traceback from any
process, and a run made with the slowdown knob set says so in its document."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skbbench.errors import (
    EXIT_INTERRUPTED,
    ModelError,
    ModelParameterError,
    UsageError,
    error_from_reply,
    error_reply,
)

ROOT = Path(__file__).resolve().parent.parent


def skbbench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skbbench", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


@pytest.mark.parametrize("cls", [UsageError, ModelParameterError, ModelError])
def test_an_error_crosses_the_boundary_with_its_type(cls):
    back = error_from_reply(json.loads(json.dumps(error_reply(cls("x: broken")))))
    assert type(back) is cls and str(back) == "x: broken"
    assert back.exit_status == cls("").exit_status


def test_a_workers_usage_error_is_the_same_line_and_status_as_in_process():
    # for_loop runs loops x 10 = 500 elements: time_bench refuses it, in the worker
    args = ["sample", "--tests", "for_loop", "--loops", "50"]
    local = skbbench(*args)
    workers = skbbench(*args, "--processes", "2")
    assert local.returncode == workers.returncode == 2
    assert local.stderr.strip().splitlines()[-1] == workers.stderr.strip().splitlines()[-1]
    assert "too few loops for timing" in workers.stderr and "Traceback" not in workers.stderr


def _worker_of(group: int) -> int | None:
    """A worker process in process group ``group``, from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            if b"skbbench.session.worker" in cmd and os.getpgid(int(entry.name)) == group:
                return int(entry.name)
        except OSError:
            continue
    return None


def test_ctrl_c_stops_every_process_without_a_traceback():
    proc = subprocess.Popen(
        [sys.executable, "-m", "skbbench", "sample", "--loops", "100000000", "--processes", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,  # its own process group: Ctrl-C reaches the group
    )
    try:
        deadline = time.monotonic() + 120
        worker = None
        while time.monotonic() < deadline and worker is None:  # wait for a busy worker
            time.sleep(0.5)
            worker = _worker_of(proc.pid)
        assert worker, "no worker process started"
        time.sleep(3)  # inside the worker's run (compiling or measuring)
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == EXIT_INTERRUPTED
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1] == "skbbench: interrupted"


def test_a_run_with_the_slowdown_knob_records_it(tmp_path):
    out = tmp_path / "r.json"
    p = skbbench(
        "sample",
        "--tests",
        "for_loop",
        "--loops",
        "20000",
        "--repeat",
        "1",
        "-o",
        str(out),
        env={"SKBBENCH_INJECT_SLOWDOWN": "0.25"},
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    assert doc["machine"]["injected_slowdown"] == 0.25
    assert any("not a measurement" in w for w in doc["warnings"])
    assert "made 25% longer" in p.stderr
    p = skbbench(
        "sample", "--tests", "for_loop", "--loops", "20000", "--repeat", "1", "-o", str(out)
    )
    assert "injected_slowdown" not in json.loads(out.read_text())["machine"]
