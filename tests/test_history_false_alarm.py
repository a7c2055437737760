"""tools/history_false_alarm.py on the stored CI baseline: its resampled runs come from
the file's own worker processes, and a short measurement prints its rates (the figures
in the README come from longer runs of the same tool)."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

from skbbench.document import load_document
from tools.history_false_alarm import pools, run_value

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "baselines" / "ci.json"


def test_pools_hold_every_kept_process_of_every_source():
    doc = load_document(CI)
    one = pools([doc])
    two = pools([doc, doc])
    assert [p.key for p in one] == [c.key for c in doc.cases]
    assert all(len(p.processes) == doc.processes for p in one)
    assert all(len(b.processes) == 2 * len(a.processes) for a, b in zip(one, two, strict=True))
    assert all(len(reps) == 5 for p in one for reps in p.processes)


def test_a_resampled_run_lies_within_the_measured_process_values():
    pool = pools([load_document(CI)])[5]
    lowest = min(min(reps) for reps in pool.processes)
    highest = max(max(reps) for reps in pool.processes)
    rng = random.Random(3)
    values = [run_value(rng, pool, 3, 5) for _ in range(200)]
    assert all(lowest <= v <= highest for v in values)
    assert len(set(values)) > 1


def test_the_tool_reports_false_alarms_and_power():
    p = subprocess.run(
        [sys.executable, "tools/history_false_alarm.py", "--series", "1", "--runs", "12"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    aa = re.search(r"series with any change point (\d+)/(\d+)", p.stdout)
    found = re.search(r"found at run 7 \+-1 in (\d+)/(\d+)", p.stdout)
    assert aa and found, p.stdout
    assert int(aa.group(2)) == int(found.group(2)) == len(load_document(CI).cases)
    assert int(found.group(1)) >= int(found.group(2)) - 2  # a 10% step in 6 + 6 runs


def test_whole_runs_draw_the_processes_of_one_source_run(tmp_path):
    import json

    data = json.loads(CI.read_text())
    for c in data["cases"]:  # a second source run twice as slow
        for rep in c["runs"]:
            for r in rep:
                r["tsc_stop"] = r["tsc_start"] + 2 * (r["tsc_stop"] - r["tsc_start"])
    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps(data))
    pool = pools([load_document(CI), load_document(slow)])[5]
    assert len(pool.of_run(0)) == len(pool.of_run(1)) == 3
    rng = random.Random(1)
    fast_top = max(max(r) for r in pool.of_run(0))
    slow_bottom = min(min(r) for r in pool.of_run(1))
    assert fast_top < slow_bottom
    assert all(run_value(rng, pool, 3, 5, 0) <= fast_top for _ in range(50))
    assert all(run_value(rng, pool, 3, 5, 1) >= slow_bottom for _ in range(50))
