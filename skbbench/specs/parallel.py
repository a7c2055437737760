"""Spec of `skbbench parallel` (time_bench_parallel)."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family
from skbbench.spec import U32_MAX, RunConfig, option


@dataclass(frozen=True)
class ParallelConfig(RunConfig):
    NAME = "parallel"

    loops: int = option(
        "int", 1_000_000, "Loops per CPU (the original's default).", min=1, max=U32_MAX
    )
    parallel_cpus: int = option(
        "int",
        0,
        "Run on the first N allowed CPUs (0 = all allowed, like the original).",
        min=0,
    )


FAMILY = Family(
    config=ParallelConfig,
    help="time_bench_parallel: locks and atomics on all CPUs at once, local vs shared.",
    modules=lambda cfg: ["skbbench.bench.time_bench_parallel"],
)
