"""Measure how far CI's variant ratios move between runs on this machine, and (with
--save) store the most typical run as baselines/ci.json.

CI (.ci/bench-compare) compares the ratio of two variants per bulk size between the
stored baseline and a fresh run, within a tolerance. This tool runs configs/ci.yaml
RUNS times, computes every group's ratio in every run, and reports for each pair of runs
(one playing the baseline, one the CI run) the largest change of any group: the share of
pairs beyond a tolerance is the false-alarm rate of one CI attempt on this machine with
a random baseline. The baseline it saves is the run closest to the per-group medians,
so a stored outlier does not make every later CI run fail.

    python tools/ci_baseline.py [--runs 6] [--config configs/ci.yaml]
                                [--ratio after/before] [--stat min] [--save]
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skbbench import baselines  # noqa: E402
from skbbench.compare import (  # noqa: E402
    _doc_ratios,
    _tag_variants,
    _variant_groups,
    _varying,
    parse_ratio,
)
from skbbench.results import load_document  # noqa: E402


def ratios(doc: dict[str, Any], ratio: str, stat: str) -> dict[str, float]:
    num, den = parse_ratio(ratio)
    tagged = _tag_variants(doc["cases"], "variant")
    groups = _variant_groups(tagged, _varying(tagged))
    return {k: v for k, v in _doc_ratios(groups, num, den, "cycles", stat).items() if v}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--config", default=str(ROOT / "configs" / "ci.yaml"))
    ap.add_argument("--ratio", default="after/before")
    ap.add_argument("--stat", default="min", choices=("min", "median"))
    ap.add_argument(
        "--save",
        action="store_true",
        help="store the most typical run as baselines/ci.json (update or save)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        docs = []
        for i in range(args.runs):
            out = Path(tmp) / f"run{i}.json"
            subprocess.run(
                [sys.executable, "-m", "skbbench", "run", args.config, "-o", str(out)],
                check=True,
                stdout=subprocess.DEVNULL,
                cwd=ROOT,
            )
            docs.append(load_document(out))
        per_run = [ratios(d, args.ratio, args.stat) for d in docs]
        groups = list(per_run[0])
        medians = {g: statistics.median(r[g] for r in per_run) for g in groups}
        print(f"{args.runs} runs of {args.config}, ratio {args.ratio} of the {args.stat}:")
        for g in groups:
            vals = [r[g] for r in per_run]
            print(
                f"  {g:10s} median {medians[g]:.3f}  range {min(vals) / medians[g] - 1:+.1%}"
                f" .. {max(vals) / medians[g] - 1:+.1%}"
            )
        worst = [
            max(abs(b[g] / a[g] - 1) for g in groups) for a, b in itertools.permutations(per_run, 2)
        ]
        for tol in (0.15, 0.25, 0.35, 0.5):
            share = sum(w > tol for w in worst) / len(worst)
            print(f"  tolerance {tol:.0%}: {share:.0%} of {len(worst)} baseline/run pairs fail")
        typical = min(
            range(len(per_run)),
            key=lambda i: max(abs(math.log(per_run[i][g] / medians[g])) for g in groups),
        )
        dev = max(abs(per_run[typical][g] / medians[g] - 1) for g in groups)
        print(f"  most typical run: #{typical} (largest deviation from the medians {dev:.1%})")
        base = per_run[typical]
        others = [
            max(abs(r[g] / base[g] - 1) for g in groups)
            for i, r in enumerate(per_run)
            if i != typical
        ]
        for tol in (0.15, 0.25, 0.35, 0.5):
            share = sum(w > tol for w in others) / len(others)
            print(f"  against it, tolerance {tol:.0%}: {share:.0%} of {len(others)} runs fail")
        for g in groups:
            print(f"    {g:10s} " + " ".join(f"{r[g] / base[g] - 1:+.0%}" for r in per_run))
        if args.save:
            name = "ci"
            exists = baselines.baseline_path(name, ROOT / "baselines").exists()
            store = (lambda *a: baselines.update(*a)[0]) if exists else baselines.save
            path = store(name, docs[typical], ROOT / "baselines")
            print(f"  {'updated' if exists else 'saved'} {path}")


if __name__ == "__main__":
    main()
