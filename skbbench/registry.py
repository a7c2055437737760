"""Every benchmark command, declared once (see skbbench.spec). No numba imported here."""

from __future__ import annotations

from skbbench.errors import UsageError
from skbbench.spec import Benchmark, Option

SAMPLE = Benchmark(
    name="sample",
    help="time_bench_sample primitives: loop, calls, cmpxchg, atomics, spin lock.",
    options=(
        Option(
            "loops",
            "int",
            10_000_000,
            "Loop count (the original uses 100,000,000; for_loop runs loops x 10).",
            min=1,
            max=2**32 - 1,
        ),
        Option(
            "tests",
            "str_list",
            None,
            "Comma-separated subset of the sample names (default: all).",
            choices=(
                "for_loop",
                "funcion_call_cost",
                "func_ptr_call_cost",
                "cmpxchg",
                "cmpxchg_double",
                "atomic_add",
                "spin_lock_unlock",
            ),
        ),
    ),
    build_cases="skbbench.bench.sample:build_cases",
)

PARALLEL = Benchmark(
    name="parallel",
    help="time_bench_parallel: locks and atomics on all CPUs at once, local vs shared.",
    options=(
        Option(
            "loops",
            "int",
            1_000_000,
            "Loops per CPU (the original's default).",
            min=1,
            max=2**32 - 1,
        ),
        Option(
            "parallel_cpus",
            "int",
            0,
            "Run on the first N allowed CPUs (0 = all allowed, like the original).",
            min=0,
        ),
    ),
    build_cases="skbbench.bench.time_bench_parallel:build_cases",
)

BENCHMARKS: dict[str, Benchmark] = {b.name: b for b in (SAMPLE, PARALLEL)}


def get(name: str) -> Benchmark:
    try:
        return BENCHMARKS[name]
    except KeyError:
        known = ", ".join(sorted(BENCHMARKS))
        raise UsageError(f"unknown benchmark '{name}' (known: {known})") from None
