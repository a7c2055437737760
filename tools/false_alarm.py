"""Measure compare's false-alarm rate and its power on this machine.

Runs a config RUNS times as is and RUNS times with a known slowdown injected into every
timed window (SKBBENCH_INJECT_SLOWDOWN: each window lasts SLOWDOWN longer, i.e. every
element costs SLOWDOWN more), alternating so that drift hits both alike. Then, with
compare's default settings:

- A/A: every pair of plain runs (one as baseline, one as current). A false alarm is a
  pair compare calls a regression (exit 1: a case "slower"); any "faster" is counted too.
- A/B: every (plain, injected) pair. Detected when compare calls the pair a regression;
  the share of cases called "slower" is reported too.
- relative mode (what CI runs): every pair of plain runs compared on the variant ratio,
  when the config has variants.

    python tools/false_alarm.py [--config ci] [--runs 8] [--slowdown 0.10]
                                [--processes N] [--repeat R] [--ratio after/before]

Never run it while something else computes: it measures this machine's noise.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skbbench.compare import (  # noqa: E402
    CompareOptions,
    Mode,
    RatioVerdict,
    Stat,
    Verdict,
    compare_documents,
)
from skbbench.disturbance import disturbed_processes  # noqa: E402
from skbbench.document import Document, load_document  # noqa: E402


def run_once(config: str, out: Path, slowdown: float, extra: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k != "SKBBENCH_INJECT_SLOWDOWN"}
    if slowdown:
        env["SKBBENCH_INJECT_SLOWDOWN"] = str(slowdown)
    start = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "skbbench", "-q", "run", config, "-o", str(out), *extra],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    return time.monotonic() - start


def rate(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.1%}" if total else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="ci")
    ap.add_argument("--runs", type=int, default=8, help="plain runs (and as many injected)")
    ap.add_argument("--slowdown", type=float, default=0.10)
    ap.add_argument("--processes", type=int, default=None, help="override the config's")
    ap.add_argument("--repeat", type=int, default=None, help="override the config's (per process)")
    ap.add_argument("--ratio", default="after/before", help="relative-mode ratio ('' to skip)")
    ap.add_argument("--tolerance", type=float, default=0.35, help="relative-mode tolerance")
    ap.add_argument("--keep", default=None, help="keep the result files in this directory")
    args = ap.parse_args()
    extra = []
    if args.processes:
        extra += ["--processes", str(args.processes)]
    if args.repeat:
        extra += ["--repeat", str(args.repeat)]
    plain: list[Document] = []
    injected: list[Document] = []
    seconds = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        Path(tmp).mkdir(parents=True, exist_ok=True)
        for i in range(args.runs):
            for kind, docs, slow in (("plain", plain, 0.0), ("injected", injected, args.slowdown)):
                out = Path(tmp) / f"{kind}{i}.json"
                seconds.append(run_once(args.config, out, slow, extra))
                docs.append(load_document(out))
                print(
                    f"run {len(seconds)}/{2 * args.runs} ({kind}): {seconds[-1]:.1f} s",
                    file=sys.stderr,
                )
    first = plain[0]
    docs = plain + injected
    ran = sum(d.processes for d in docs)
    left_out = sum(len(disturbed_processes(d.cases)) for d in docs)
    print(
        f"config {args.config}: {len(first.cases)} cases, "
        f"{first.config.get('processes', 1)} processes x {first.config.get('repeat')} "
        f"repeats per case; {sum(seconds) / len(seconds):.1f} s per run; "
        f"{ran} worker processes in {len(docs)} runs, {left_out} disturbed (left out)"
    )
    default = CompareOptions().stat
    for stat in (default, *(s for s in Stat if s is not default)):
        opts = CompareOptions(stat=stat)
        tag = f"absolute, --stat {stat.value}" + (" (default)" if stat is default else "")
        aa = [compare_documents(a, b, opts) for a, b in itertools.permutations(plain, 2)]
        alarms = sum(c.exit_status == 1 for c in aa)
        faster = sum(any(x.verdict is Verdict.FASTER for x in c.cases) for c in aa)
        print(
            f"A/A pairs ({tag}): false alarms {rate(alarms, len(aa))}; "
            f"pairs with a 'faster' case {rate(faster, len(aa))}; "
            f"minimum effect {aa[0].threshold:.3g} ({aa[0].threshold_source})"
        )
        ab = [compare_documents(a, b, opts) for a in plain for b in injected]
        detected = sum(c.exit_status == 1 for c in ab)
        slower_cases = sum(x.verdict is Verdict.SLOWER for c in ab for x in c.cases)
        all_cases = sum(len(c.cases) for c in ab)
        print(
            f"A/B pairs ({tag}) with {args.slowdown:.0%} injected: detected "
            f"{rate(detected, len(ab))}; cases called slower {rate(slower_cases, all_cases)}"
        )
    if args.ratio and any("variant" in c.params for c in first.cases):
        ropts = CompareOptions(mode=Mode.RELATIVE, ratio=args.ratio, tolerance=args.tolerance)
        rel = [compare_documents(a, b, ropts) for a, b in itertools.permutations(plain, 2)]
        moved = sum(
            any(r.verdict in (RatioVerdict.WORSE, RatioVerdict.BETTER) for r in c.ratios)
            for c in rel
        )
        counters = sum(bool(c.counters) for c in rel)
        print(
            f"A/A pairs (relative {args.ratio}, tolerance {args.tolerance:.0%}): "
            f"false alarms {rate(moved, len(rel))}; counter differences "
            f"{rate(counters, len(rel))}"
        )


if __name__ == "__main__":
    main()
