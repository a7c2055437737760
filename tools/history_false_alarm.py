"""Measure `skbbench history`'s false alarms and power on series of runs.

No benchmark runs: the series are made of real measurements by resampling. Each synthetic
run of a case draws, like a run of the config, PROCESSES worker processes, each one a
worker process of the source result files picked at random (with replacement), and
REPEAT of that process's repeats (with replacement); the process's value is the minimum
of its repeats, the run's the median of its processes (history's value: compare's, in
estimated core cycles from each process's clock probes). So a series carries the
between-process and within-process noise of the stored runs; pooling several source
files (runs made at different times) adds the noise between runs.

- identical code: SERIES series of RUNS runs per case. A false alarm is a series in
  which history reports any change point.
With --whole-runs a synthetic run resamples the processes of one source run drawn at
random, so the series also carries the level of each real run (the noise between runs:
the host, the core clock) as it was measured.

- a step: the same with every value from run RUNS/2 on made STEP larger. Detected when a
  change point is reported at that run +-1; the share flagged as a regression (the exit
  status 1 of `skbbench history`) and the change points elsewhere are counted too.

    python tools/history_false_alarm.py [--source baselines/ci.json ...] [--runs 20]
                                        [--series 50] [--step 0.10] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skbbench.compare.samples import process_clocks  # noqa: E402
from skbbench.disturbance import disturbed_by_run, excluded  # noqa: E402
from skbbench.document import Document, load_document  # noqa: E402
from skbbench.history import HistoryOptions  # noqa: E402
from skbbench.history.series import analyse_series  # noqa: E402


@dataclass
class Pool:
    """One case's measured worker processes (each: its repeats), from every source, and
    the source run each came from."""

    key: str
    processes: list[list[float]]
    runs: list[int]

    def of_run(self, run: int) -> list[list[float]]:
        return [p for p, r in zip(self.processes, self.runs, strict=True) if r == run]


def pools(docs: list[Document]) -> list[Pool]:
    """Per case of the first document, the kept processes of every document that has
    it, in estimated core cycles (cycles(tsc) where a document has no clock probes)."""
    out: dict[str, Pool] = {}
    for run, doc in enumerate(docs):
        clocks = process_clocks(doc)
        by_run = disturbed_by_run(doc)
        for case in doc.cases:
            if case.error:
                continue
            pool = out.setdefault(case.key, Pool(case.key, [], []))
            for p, values in case.values_by_process(exclude=excluded(case, by_run)).items():
                ratio = clocks.get((case.run, p), 1.0)
                pool.processes.append([v * ratio for v in values])
                pool.runs.append(run)
    first = [c.key for c in docs[0].cases]
    return [out[k] for k in first if k in out and len(out[k].processes) >= 2]


def run_value(
    rng: random.Random, pool: Pool, processes: int, repeat: int, run: int | None = None
) -> float:
    """A synthetic run's value: ``processes`` processes drawn from the pool (from source
    run ``run`` only, when given), each the minimum of ``repeat`` of its repeats drawn."""
    choices = pool.processes if run is None else pool.of_run(run)
    values = []
    for _ in range(processes):
        reps = rng.choice(choices)
        values.append(min(rng.choice(reps) for _ in range(repeat)))
    return statistics.median(values)


def rate(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.1%}" if total else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", nargs="+", default=[str(ROOT / "baselines" / "ci.json")])
    ap.add_argument("--runs", type=int, default=20, help="runs per series")
    ap.add_argument("--series", type=int, default=50, help="series per case and kind")
    ap.add_argument("--step", type=float, default=0.10, help="the injected step")
    ap.add_argument("--processes", type=int, default=None, help="default: the source's")
    ap.add_argument("--repeat", type=int, default=None, help="default: the source's")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--whole-runs",
        action="store_true",
        help="each synthetic run resamples the processes of one source run drawn at random "
        "(keeps the level of each real run: the noise between runs), not of all sources",
    )
    ap.add_argument("--per-case", action="store_true", help="a line per case too")
    args = ap.parse_args()
    docs = [load_document(p) for p in args.source]
    first = docs[0]
    processes = args.processes or int(first.config.get("processes") or first.processes or 1)
    repeat = args.repeat or int(first.config.get("repeat") or 5)
    cases = pools(docs)
    opts = HistoryOptions()
    rng = random.Random(args.seed)
    at = args.runs // 2
    start = time.monotonic()
    totals = {"aa": 0, "aa_series": 0, "hit": 0, "flagged": 0, "extra": 0, "step_series": 0}
    per_case = []
    for pool in cases:
        alarms = hits = 0

        def value(pool: Pool = pool) -> float:
            run = rng.choice(sorted(set(pool.runs))) if args.whole_runs else None
            return run_value(rng, pool, processes, repeat, run)

        for _ in range(args.series):
            plain = [value() for _ in range(args.runs)]
            if analyse_series(plain, opts):
                alarms += 1
            stepped = [value() * (1 + args.step if i >= at else 1) for i in range(args.runs)]
            steps = analyse_series(stepped, opts)
            right = [s for s in steps if abs(s[0] - at) <= 1]
            hits += bool(right)
            totals["extra"] += len(steps) - len(right)
            if steps and steps[-1][2] / steps[-1][1] - 1 > opts.min_effect:
                totals["flagged"] += 1
        totals["aa"] += alarms
        totals["hit"] += hits
        totals["aa_series"] += args.series
        totals["step_series"] += args.series
        per_case.append((pool.key, len(pool.processes), alarms, hits))
    seconds = time.monotonic() - start
    sources = ", ".join(str(p) for p in args.source)
    drawn = "one source run" if args.whole_runs else "all sources"
    print(
        f"source: {sources}: {len(cases)} cases, {sum(len(p.processes) for p in cases)} "
        f"measured worker processes; each synthetic run: {processes} processes x {repeat} "
        f"repeats resampled from {drawn}; "
        f"history defaults (alpha {opts.alpha:g}, {opts.permutations} "
        f"permutations, minimum effect {opts.min_effect:.0%}); {seconds:.0f} s"
    )
    print(
        f"identical code, {args.runs} runs: series with any change point "
        f"{rate(totals['aa'], totals['aa_series'])}"
    )
    print(
        f"{args.step:+.0%} step at run {at + 1} of {args.runs}: found at run {at + 1} +-1 in "
        f"{rate(totals['hit'], totals['step_series'])}; latest level flagged slower (exit 1) "
        f"{rate(totals['flagged'], totals['step_series'])}; change points elsewhere "
        f"{totals['extra']}"
    )
    if args.per_case:
        for key, procs, alarms, hits in per_case:
            print(f"  {key}: {procs} processes; false alarms {alarms}, found {hits}")


if __name__ == "__main__":
    main()
