"""A warm cache stays warm: runs that need no new code compile nothing, in any process."""

from __future__ import annotations

import json
import subprocess
import sys


def _run(*args: str) -> dict:
    p = subprocess.run(
        [sys.executable, "-m", "skbbench", "--format", "json", "-q", *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def _compiled(doc: dict) -> list[int]:
    return [proc["compiled"] for proc in doc["machine"]["processes"]]


def test_option_changes_and_worker_processes_compile_nothing_once_warm():
    first = _run("bulk", "--sizes", "8", "--repeat", "1", "--loops", "20000")
    assert len(_compiled(first)) == 1  # whatever the cache held before: now it is warm
    for args in (
        ["--sizes", "8", "--repeat", "1", "--loops", "20000"],
        ["--sizes", "16,34", "--repeat", "2", "--loops", "30000", "--warmup", "2"],
        ["--sizes", "8", "--repeat", "1", "--loops", "20000", "--processes", "2"],
    ):
        doc = _run("bulk", *args)
        assert _compiled(doc) == [0] * doc["processes"], (args, doc["machine"]["processes"])
