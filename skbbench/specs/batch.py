"""Spec of `skbbench batch` (the slub_kunit batch benchmark of the sheaves series):
options, defaults, checks and case names.

One 64-byte SLAB_NO_MERGE cache; a timed run is ``--loops`` alloc+free pairs in rounds of
``batch`` single kmem_cache_alloc calls into an array, then kmem_cache_free of the array
in array order (fifo) or in a shuffled order; per batch size and order, each allocator
model's cost per pair, and a "base -> sheaves, gain %" table against the first allocator.
"""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family, PlotAxes
from skbbench.spec import U32_MAX, RunConfig, fail, option

ALLOCATORS = ("slub", "sheaves-6.18", "sheaves")
ALLOCATOR_LABELS = {
    "slub": "SLUB v4.4",
    "sheaves-6.18": "SLUB v6.18 sheaves",
    "sheaves": "SLUB v7.0 sheaves",
}
ORDERS = ("fifo", "shuffled")
CASE_NAMES = {
    "fifo": "kmem_cache_alloc+free batch fifo",
    "shuffled": "kmem_cache_alloc+free batch shuffled",
}
MAX_BATCH = 32768
SHUFFLE_SEED = 20  # the shuffled order's permutation (numpy default_rng), fixed per batch
MEMCG_ALLOCATORS = ("slub",)  # the models whose memcg charging paths run (v4.4 hooks)


@dataclass(frozen=True)
class BatchConfig(RunConfig):
    NAME = "batch"

    batch: tuple[int, ...] = option(
        "int_list",
        (1, 10, 100, 1000),
        "Batch sizes: single kmem_cache_alloc calls per round before the array is freed.",
        min=1,
        max=MAX_BATCH,
    )
    order: tuple[str, ...] = option(
        "str_list",
        ORDERS,
        "The order the array is freed in: fifo (array order) and/or shuffled (a fixed "
        "seeded permutation).",
        choices=ORDERS,
        length=(1, 2),
        metavar="fifo|shuffled[,...]",
    )
    allocator: tuple[str, ...] = option(
        "str_list",
        ALLOCATORS,
        "The allocator models, the first one the base of the gain table: slub (v4.4 cpu "
        "slabs), sheaves-6.18 (v6.18's opt-in sheaves in front of them), sheaves (v7.0).",
        choices=ALLOCATORS,
        length=(1, len(ALLOCATORS)),
        metavar="NAME[,NAME...]",
    )
    loops: int = option(
        "int",
        1_000_000,
        "Alloc+free pairs per timed run (the original's iteration: 10^6), in "
        "loops // batch rounds.",
        min=1000,
        max=U32_MAX,
    )
    memcg: bool = option(
        "bool",
        False,
        "SLAB_ACCOUNT: the memcg charging paths run on every allocation and free "
        "(the SLUB v4.4 model's hooks; slub only).",
    )
    object_size: int = option("int", 64, "Object size in bytes.", min=8, max=4096)
    sheaf_capacity: int = option(
        "int",
        32,
        "The cache's sheaf_capacity (v6.18: exactly; v7.0: a minimum of "
        "calculate_sheaf_capacity's).",
        min=1,
        max=4096,
    )
    cpus: int = option(
        "int", 8, "Simulated CPUs of the model (nr_cpu_ids: slab order).", min=1, max=4096
    )
    profile: str = option(
        "choice",
        "published",
        "Kernel-only costs (IRQ/preempt disabling): published time_bench values, or zero.",
        choices=("published", "zero"),
    )

    def __post_init__(self) -> None:
        for key in ("batch", "order", "allocator"):
            values = getattr(self, key)
            if len(set(values)) != len(values):
                raise fail(key, f"listed twice: {','.join(str(v) for v in values)}")
        big = [b for b in self.batch if b > self.loops]
        if big:
            raise fail("batch", f"{big[0]} is more than --loops ({self.loops}): no full round")
        if self.memcg and not set(self.allocator) <= set(MEMCG_ALLOCATORS):
            raise fail(
                "memcg",
                "only the SLUB v4.4 model charges memcg (the sheaves models do not model "
                "v7.0's per-object obj_cgroup charging): use --allocator slub",
            )


FAMILY = Family(
    config=BatchConfig,
    help=(
        "The slub_kunit batch benchmark of the sheaves series: rounds of N single "
        "kmem_cache_alloc calls then kmem_cache_free of the array (fifo or shuffled), "
        "base -> sheaves gain per batch size."
    ),
    modules=lambda cfg: ["skbbench.bench.slub_kunit_batch"],
    report="skbbench.report.batch_table",
    plot=PlotAxes(
        x="step",
        xlabel="batch size (allocations before the frees)",
        title="per alloc+free cost against batch size",
        series="series",
        unit="alloc+free",
    ),
)
