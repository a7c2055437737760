"""Spec of `skbbench qmempool` (qmempool_bench + qmempool_bench_parallel): options,
checks, API variants and case names."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family
from skbbench.spec import U32_MAX, RunConfig, fail, option, set_field

GROUPS = ("fastpath", "pattern", "parallel")

# Variants of the qmempool API (the original's enum).
NORMAL = "NORMAL"  # exported, BH-protected
NORMAL_INLINE = "NORMAL_INLINE"
SOFTIRQ = "SOFTIRQ"  # exported softirq API (free still BH-protected)
SOFTIRQ_INLINE = "SOFTIRQ_INLINE"
VARIANTS = (NORMAL, NORMAL_INLINE, SOFTIRQ, SOFTIRQ_INLINE)

# Case (Type:) names.
FASTPATH_NAMES = {
    NORMAL: "qmempool fastpath BH-disable",
    NORMAL_INLINE: "qmempool fastpath BH-disable+inline",
    SOFTIRQ: "qmempool fastpath SOFTIRQ",
    SOFTIRQ_INLINE: "qmempool fastpath SOFTIRQ+inline",
}
PATTERN_NAMES = {
    NORMAL: "qmempool N-pattern",
    NORMAL_INLINE: "qmempool N-pattern+inline",
    SOFTIRQ: "qmempool N-pattern softirq",
    SOFTIRQ_INLINE: "qmempool N-pattern softirq+inline",
}
ALLOCATORS = ("slub", "slab", "sheaves", "sheaves-6.18")
ALLOCATOR_LABELS = {
    "slub": "SLUB",
    "slab": "SLAB",
    "sheaves": "SLUB v7.0 sheaves",
    "sheaves-6.18": "SLUB v6.18 sheaves",
}
KMEM_FASTPATH = "kmem fastpath reuse"
KMEM_PATTERN = "kmem alloc+free N-pattern"
P_KMEM_FASTPATH = "benchmark_kmem_cache_fastpath_reuse"
P_QMEMPOOL_FASTPATH = "parallel_qmempool_fastpath_reuse_softirq_inline"
P_KMEM_PATTERN = "parallel_kmem_cache_pattern"
P_QMEMPOOL_PATTERN = "parallel_qmempool_pattern_softirq_inline"
S_KMEM_PATTERN = "benchmark_kmem_cache_pattern"
GROUP_BENCH = "qmempool_bench"  # case groups: the module that printed the line
GROUP_PARALLEL = "qmempool_bench_parallel"

N_PATTERN = 256  # qmempool_bench ARRAY_MAX_ELEMS
N_PARALLEL = 1024  # qmempool_bench_parallel ARRAY_MAX_ELEMS
FASTPATH_FACTOR = 30  # the fastpath scenarios run loops x 30


@dataclass(frozen=True)
class QmempoolConfig(RunConfig):
    NAME = "qmempool"

    loops: int = option(
        "int",
        100_000,
        "qmempool_bench loops (the original uses 1,000,000): fastpath runs loops x 30, "
        "N-pattern loops / 10 x 256 elements.",
        min=100,
        max=100_000_000,
    )
    groups: tuple[str, ...] = option(
        "str_list",
        (),
        "Subset of fastpath, pattern, parallel.",
        choices=GROUPS,
        shown_default="all",
    )
    parallel_loops: int = option(
        "int",
        10_000,
        "qmempool_bench_parallel loops per CPU (the original uses 100,000); its pattern "
        "scenarios run x 1024 elements.",
        min=10,
        max=4_000_000,
    )
    parallel_cpus: int = option(
        "int",
        0,
        "Parallel scenarios on the first N allowed CPUs (0 = all allowed, like the original).",
        min=0,
    )
    object_size: int = option(
        "int", 256, "Object size in bytes (256 = skbuff_head_cache).", min=8, max=32768
    )
    cpus: int = option(
        "int",
        8,
        "Simulated CPUs of the SLUB model (nr_cpu_ids: slab order); at least the number of "
        "parallel CPUs is used.",
        min=1,
        max=4096,
    )
    allocator: str = option(
        "choice",
        "slub",
        "The slab allocator model behind the pool (and compared with it): slub (v4.4), "
        "slab (v4.6 mm/slab.c), sheaves (v7.0's SLUB) or sheaves-6.18 (v6.18's opt-in "
        "sheaves, capacity 32, in front of v4.4-style cpu slabs).",
        choices=ALLOCATORS,
    )
    profile: str = option(
        "choice",
        "published",
        "Kernel-only costs (local_bh disable+enable 18 cycles, IRQ...): published "
        "time_bench values, or zero.",
        choices=("published", "zero"),
    )

    def __post_init__(self) -> None:
        if not self.groups:
            set_field(self, "groups", GROUPS)
        if self.loops * FASTPATH_FACTOR > U32_MAX:
            raise fail(
                "loops", f"{self.loops} x {FASTPATH_FACTOR} overflows the 32-bit invoke count"
            )


def _modules(cfg: QmempoolConfig) -> list[str]:
    parallel = ["skbbench.bench.qmempool_bench_parallel"] if "parallel" in cfg.groups else []
    return ["skbbench.bench.qmempool_bench", *parallel]


FAMILY = Family(
    config=QmempoolConfig,
    help=(
        "qmempool_bench + qmempool_bench_parallel: the queue-based pool in front of the "
        "SLUB model vs SLUB itself, with the saving table and the 10G wire-speed budget."
    ),
    modules=_modules,
    report="skbbench.report.qmempool_table",
)
