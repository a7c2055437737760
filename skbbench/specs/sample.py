"""Spec of `skbbench sample` (time_bench_sample)."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family
from skbbench.spec import U32_MAX, RunConfig, option, set_field

# Scenario names, in the order they run (the original's names, `funcion` sic).
SAMPLE_NAMES = (
    "for_loop",
    "funcion_call_cost",
    "func_ptr_call_cost",
    "cmpxchg",
    "cmpxchg_double",
    "atomic_add",
    "spin_lock_unlock",
)


@dataclass(frozen=True)
class SampleConfig(RunConfig):
    NAME = "sample"

    loops: int = option(
        "int",
        10_000_000,
        "Loop count (the original uses 100,000,000; for_loop runs loops x 10).",
        min=1,
        max=U32_MAX,
    )
    tests: tuple[str, ...] = option(
        "str_list",
        (),
        "Comma-separated subset of the sample names.",
        choices=SAMPLE_NAMES,
        shown_default="all",
    )

    def __post_init__(self) -> None:
        if not self.tests:
            set_field(self, "tests", SAMPLE_NAMES)


FAMILY = Family(
    config=SampleConfig,
    help="time_bench_sample primitives: loop, calls, cmpxchg, atomics, spin lock.",
    modules=lambda cfg: ["skbbench.bench.sample"],
)
