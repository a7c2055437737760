"""Run-to-run spread of a default command: what a user who runs it once can trust.

    python tools/run_to_run.py                        # skbbench bulk, 10 runs
    python tools/run_to_run.py --runs 6 -- napi --workloads drop,forward
    python tools/run_to_run.py --runs 10 -- bulk --no-interleave

Runs ``skbbench --format json ARGS`` K times back to back (each a fresh process, as a
user runs it) and reports per case the spread of the reported median across the runs
(max/min - 1) and how many runs were more than 10% off the median of the runs; per run
the cases more than 10% off, the warning lines it printed (WARNING, unstable, scatter) and
whether it said the host was slow (host_slow / a slow spell). Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OFF = 0.10


def one_run(args: list[str]) -> tuple[dict[str, float], list[str], bool]:
    """(case key -> median cycles, warning lines printed, said the host was slow)."""
    p = subprocess.run(
        [sys.executable, "-m", "skbbench", "--format", "json", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if p.returncode not in (0, 4, 5):
        raise SystemExit(f"skbbench {' '.join(args)} exited {p.returncode}: {p.stderr[-300:]}")
    doc = json.loads(p.stdout)
    medians = {
        c["key"]: c["stats"]["cycles"]["median"]
        for c in doc["cases"]
        if c.get("stats", {}).get("cycles")
    }
    notes = [
        line
        for line in p.stderr.splitlines()
        if any(k in line for k in ("unstable", "scatter", "slow spell", "not representative"))
    ]
    slow = any(proc.get("host_slow") for proc in doc["machine"].get("processes", []))
    return medians, notes, slow or any("slow spell" in n for n in notes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("args", nargs="*", default=["bulk"], help="the skbbench command")
    ns = ap.parse_args()
    runs = [one_run(ns.args) for _ in range(ns.runs)]
    keys = [k for k in runs[0][0] if all(k in r[0] for r in runs)]
    spreads = []
    off_by_run = [0] * len(runs)
    print(f"{'spread':>7} {'runs >10% off':>13}  case")
    for key in keys:
        values = [r[0][key] for r in runs]
        mid = statistics.median(values)
        spread = max(values) / min(values) - 1 if min(values) > 0 else 0.0
        off = [i for i, v in enumerate(values) if mid and abs(v / mid - 1) > OFF]
        for i in off:
            off_by_run[i] += 1
        spreads.append(spread)
        print(f"{spread:7.1%} {len(off):13d}  {key.split('|')[0]} {key.split('|')[1]}")
    print()
    for i, (_, notes, slow) in enumerate(runs, 1):
        said = "said slow host" if slow else ""
        print(f"run {i}: {off_by_run[i - 1]} case(s) >10% off, {len(notes)} note(s) {said}")
    honest = sum(1 for i, r in enumerate(runs) if off_by_run[i] == 0 or r[2])
    print(
        f"\n{ns.runs} runs of `skbbench {' '.join(ns.args)}`: median per-case spread "
        f"{statistics.median(spreads):.1%}, runs with no case >10% off or saying so: "
        f"{honest}/{ns.runs}, notes per run: "
        f"{statistics.median(len(r[1]) for r in runs):g} (median)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
