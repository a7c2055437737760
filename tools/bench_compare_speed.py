"""Speed goal of issue 4: `skbbench compare` of two result files with 1000 cases each in
< 1 s. Writes two synthetic schema-1 files (1000 cases x REPEAT repeats, counters on
every case) and times the real command end to end (process start, loading, validation,
statistics, rendering), best and median of several runs.

    python tools/bench_compare_speed.py [--cases 1000] [--repeat 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skbbench.document import read_document, write_document  # noqa: E402
from tests.resultdocs import case, document, noisy  # noqa: E402


def make(path: Path, cases: int, repeat: int, seed: int, shift: float) -> None:
    rng = random.Random(seed)
    docs = []
    for i in range(cases):
        center = 20 + (i % 250)
        counters = {"alloc_slowpath": i // 32, "free_slowpath": i // 16, "pages": i % 7}
        docs.append(
            case(
                f"kmem bulk_quick_reuse|step={i}|size={i}|variant=v{i % 2}",
                noisy(rng, center * (shift if i % 10 == 0 else 1), repeat),
                counters,
                {"size": i, "variant": f"v{i % 2}"},
            )
        )
    write_document(read_document(document(docs)), path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.json", Path(tmp) / "b.json"
        make(a, args.cases, args.repeat, 1, 1.0)
        make(b, args.cases, args.repeat, 2, 1.08)
        size = (a.stat().st_size + b.stat().st_size) / 2 / 1e6
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            p = subprocess.run(
                [sys.executable, "-m", "skbbench", "compare", str(a), str(b)],
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - t0)
            assert p.returncode in (0, 1), p.stderr
        last = p.stdout.strip().splitlines()[-1]
        print(
            f"compare {args.cases} vs {args.cases} cases x {args.repeat} repeats "
            f"({size:.1f} MB per file): best {min(times):.3f} s, median "
            f"{statistics.median(times):.3f} s over {args.runs} runs (exit {p.returncode})"
        )
        print(f"  summary: {last}")


if __name__ == "__main__":
    main()
