"""Spec of `skbbench alfq` (alf_queue_bench + alf_queue_parallel01): options, checks and
scenario names."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family
from skbbench.model.alf_queue_layout import ALF_MAX_SIZE, alf_size_problem
from skbbench.spec import U32_MAX, RunConfig, fail, option, set_field
from skbbench.timebench import loops_overflow

GROUPS = ("bench", "parallel")
BASELINE = "baseline-array-push-pop"
SCENARIOS = (  # alf_queue_bench (MPMC-bulk / SPSC-bulk stand for their bulk sizes)
    "for_loop",
    "ALF-MPMC-simple",
    "ALF-MPMC-multi",
    "MPMC-bulk",
    "ALF-SPSC-simple",
    "ALF-SPSC-multi",
    "SPSC-bulk",
    BASELINE,
)
PARALLEL_SCENARIOS = (
    "alf_queue_MPMC_parallel_two_CPUs",
    "alf_queue_SPSC_parallel_two_CPUs",
    "alf_queue_MPMC_parallel_many_CPUs",
    "alf_queue_BULK_MPMC_parallel_many_CPUs",
)
MULTI = 128  # elements of the -multi scenarios
MAX_BULK = 32  # alf_queue_bench caps bulk at 32
MAX_PAR_BULK = 64  # alf_queue_parallel01 caps bulk at 64
DEFAULT_BULKS = (2, 3, 4, 6, 8, 16)
MANY_CPUS = 4  # alf_queue_parallel01's parallel_cpus default
LOOP_FACTOR = 10  # for_loop and ALF-SPSC-simple run loops x 10


def _ring(size: int, key: str) -> None:
    problem = alf_size_problem(size)
    if problem:
        raise fail(key, f"{size} {problem}")


@dataclass(frozen=True)
class AlfqConfig(RunConfig):
    NAME = "alfq"

    loops: int = option(
        "int",
        1_000_000,
        "alf_queue_bench loops (the original uses 10,000,000): for_loop and "
        "ALF-SPSC-simple run loops x 10, -multi loops / 100 (MPMC) and / 10 (SPSC).",
        min=1000,
        max=200_000_000,
    )
    ring_size: int = option(
        "int",
        512,
        f"Queue size of alf_queue_bench (power of two, <= {ALF_MAX_SIZE}).",
        min=1,
        max=ALF_MAX_SIZE,
    )
    bulk: tuple[int, ...] = option(
        "int_list",
        DEFAULT_BULKS,
        f"Bulk sizes of MPMC-bulk/SPSC-bulk (at most {MAX_BULK} and the ring size).",
        min=1,
        max=MAX_BULK,
    )
    tests: tuple[str, ...] = option(
        "str_list",
        (),
        "Subset of alf_queue_bench scenarios.",
        choices=SCENARIOS,
        shown_default="all",
    )
    groups: tuple[str, ...] = option(
        "str_list", (), "Subset of bench, parallel.", choices=GROUPS, shown_default="both"
    )
    parallel_loops: int = option(
        "int",
        100_000,
        "alf_queue_parallel01 loops per CPU (the original's 100,000).",
        min=1000,
        max=100_000_000,
    )
    parallel_cpus: int = option(
        "int",
        0,
        "CPUs of the many_CPUs scenarios (0 = the original's 4, or all allowed CPUs when "
        "fewer, with a note).",
        min=0,
    )
    parallel_bulk: int = option(
        "int",
        8,
        f"Bulk of alf_queue_BULK_MPMC_parallel_many_CPUs (the original's 8; at most "
        f"{MAX_PAR_BULK}).",
        min=1,
        max=MAX_PAR_BULK,
    )
    q_size: int = option(
        "int",
        65536,
        f"Queue size of the parallel scenarios (power of two, <= {ALF_MAX_SIZE}).",
        min=1,
        max=ALF_MAX_SIZE,
    )
    prefill: int = option(
        "int",
        32_000,
        "Elements enqueued before each parallel scenario (the original's 32,000).",
        min=0,
        max=ALF_MAX_SIZE,
    )

    def __post_init__(self) -> None:
        if not self.tests:
            set_field(self, "tests", SCENARIOS)
        if not self.groups:
            set_field(self, "groups", GROUPS)
        _ring(self.ring_size, "ring_size")
        _ring(self.q_size, "q_size")
        if "MPMC-bulk" in self.tests or "SPSC-bulk" in self.tests:
            for b in self.bulk:
                if b > self.ring_size:
                    raise fail("bulk", f"{b} is larger than the ring (ring_size {self.ring_size})")
        if self.ring_size < MULTI and {"ALF-MPMC-multi", "ALF-SPSC-multi"} & set(self.tests):
            raise fail(
                "ring_size",
                f"{self.ring_size} is smaller than the {MULTI} elements of the -multi "
                "scenarios (leave them out with tests, or use a ring of at least 128)",
            )
        if self.parallel_bulk > self.q_size:
            raise fail(
                "parallel_bulk",
                f"{self.parallel_bulk} is larger than the ring (q_size {self.q_size})",
            )
        if self.loops * LOOP_FACTOR * 2 > U32_MAX:
            raise fail(
                "loops", f"{self.loops} x {LOOP_FACTOR} x 2 overflows the 32-bit invoke count"
            )
        if "MPMC-bulk" in self.tests or "SPSC-bulk" in self.tests:
            for b in self.bulk:
                if loops_overflow(self.loops, b):
                    raise fail(
                        "loops", f"{self.loops} x bulk {b}: Loop cnt too big will overflow 32-bit"
                    )
        if self.prefill > self.q_size:
            raise fail("prefill", f"{self.prefill} is larger than q_size {self.q_size}")


MODULES = {
    "bench": "skbbench.bench.alf_queue_bench",
    "parallel": "skbbench.bench.alf_queue_parallel01",
}

FAMILY = Family(
    config=AlfqConfig,
    help=(
        "alf_queue_bench + alf_queue_parallel01: the Array-based Lock-Free queue, MPMC "
        "(cmpxchg) vs SPSC, bulking, and cross-CPU on pinned threads."
    ),
    modules=lambda cfg: [MODULES[g] for g in GROUPS if g in cfg.groups],
)
