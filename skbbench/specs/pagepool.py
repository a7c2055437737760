"""Spec of `skbbench pagepool` (bench_page_pool_simple, bench_page_pool_cross_cpu,
skb_array_bench01, skb_array_parallel01): options, checks, module and case names."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family
from skbbench.model.pages_layout import (
    PP_ALLOC_CACHE_REFILL,
    PP_ALLOC_CACHE_SIZE,
    PP_RING_MAX,
    PP_VERSIONS,
    PTR_RING_MAX_SIZE,
)
from skbbench.spec import U32_MAX, RunConfig, fail, option, set_field

# Groups = the original modules, in the order they run.
SIMPLE = "bench_page_pool_simple"
CROSS_CPU = "bench_page_pool_cross_cpu"
SKB_ARRAY = "skb_array_bench01"
SKB_ARRAY_PARALLEL = "skb_array_parallel01"
GROUPS = (SIMPLE, CROSS_CPU, SKB_ARRAY, SKB_ARRAY_PARALLEL)

# bench_page_pool_simple case (Type:) names and their return path.
FOR_LOOP = "for_loop"
ATOMIC_INC = "atomic_inc"
LOCK = "lock"
TYPE_FAST_PATH = "fast_path"  # page_pool_recycle_direct
TYPE_PTR_RING = "ptr_ring"  # page_pool_put_page(allow_direct=false)
TYPE_PAGE_ALLOCATOR = "page_allocator"  # the page leaves the pool: put_page
TYPES = (TYPE_FAST_PATH, TYPE_PTR_RING, TYPE_PAGE_ALLOCATOR)
NO_SOFTIRQ_NAMES = {
    TYPE_FAST_PATH: "no-softirq-page_pool01",
    TYPE_PTR_RING: "no-softirq-page_pool02",
    TYPE_PAGE_ALLOCATOR: "no-softirq-page_pool03",
}
TASKLET_NAMES = {
    TYPE_FAST_PATH: "tasklet_page_pool01_fast_path",
    TYPE_PTR_RING: "tasklet_page_pool02_ptr_ring",
    TYPE_PAGE_ALLOCATOR: "tasklet_page_pool03_slow",
}
BENCH_FUNCS = {  # the bench functions whose names the original's pr_warn prints
    TYPE_FAST_PATH: "time_bench_page_pool01_fast_path",
    TYPE_PTR_RING: "time_bench_page_pool02_ptr_ring",
    TYPE_PAGE_ALLOCATOR: "time_bench_page_pool03_slow",
}
PAGE_POOL_CROSS_CPU = "page_pool_cross_cpu"
SKB_MIN_OVERHEAD = "skb_array_min_overhead"
SKB_PREFILLED = "skb_array_prefilled"
SKB_TWO_CPUS = "skb_array_parallel_two_CPUs"
SKB_MANY_CPUS = "skb_array_parallel_many_CPUs"

SIMPLE_LOOP_FACTOR = 10  # for_loop and atomic_inc run loops x 10
SIMPLE_POOL_SIZE = 1024  # bench_page_pool_simple MY_POOL_SIZE
SIMPLE_PREFILL = 64  # pp_fill_ptr_ring(pp, 64)
CROSS_POOL_SIZE = 32000  # bench_page_pool_cross_cpu MY_POOL_SIZE
CROSS_QUEUE = 1024  # SPSC_QUEUE_SZ: one transfer ptr_ring per returning CPU
CROSS_PREFILL = 256  # pages put into the pool before the run
RETURNING_CPUS = 2  # the original's returning_cpus default
DEFAULT_QUEUE_SIZES = (8, 64, 1000, 10000, 32000)  # skb_array_min_overhead
PREFILLED_QUEUE = 1000  # skb_array_prefilled's queue ...
PREFILLED_OBJS = 64  # ... and the objects queued before the loop
SKB_MANY = 4  # skb_array_parallel01's parallel_cpus default


@dataclass(frozen=True)
class PagepoolConfig(RunConfig):
    NAME = "pagepool"

    groups: tuple[str, ...] = option(
        "str_list", (), "Subset of the modules to run.", choices=GROUPS, shown_default="all"
    )
    version: str = option(
        "choice",
        "modern",
        "page_pool version: v4.18 (the first one, with its quirks) or modern (v6.19).",
        choices=PP_VERSIONS,
    )
    loops: int = option(
        "int",
        1_000_000,
        "bench_page_pool_simple loops (the original's 10,000,000): for_loop and atomic_inc "
        "run loops x 10.",
        min=100,
        max=U32_MAX // SIMPLE_LOOP_FACTOR,
    )
    pool_size: int = option(
        "int",
        SIMPLE_POOL_SIZE,
        f"bench_page_pool_simple pool_size: the page_pool's ptr_ring (the original's "
        f"{SIMPLE_POOL_SIZE}; at most {PP_RING_MAX}, -E2BIG above).",
        min=0,
    )
    alloc_cache: int = option(
        "int",
        PP_ALLOC_CACHE_SIZE,
        f"The page_pool alloc cache size (the kernel's PP_ALLOC_CACHE_SIZE {PP_ALLOC_CACHE_SIZE};"
        " another value needs --what-if).",
        min=1,
        max=65536,
    )
    what_if: bool = option(
        "bool",
        False,
        "Allow an alloc cache other than the kernel's 128 (a what-if, not the kernel).",
    )
    cross_loops: int = option(
        "int",
        100_000,
        "bench_page_pool_cross_cpu loops per returning CPU (the original's 1,000,000).",
        min=1000,
        max=U32_MAX // 64,
    )
    returning_cpus: int = option(
        "int",
        0,
        f"bench_page_pool_cross_cpu returning CPUs R (runs on R + 1 CPUs; 0 = the "
        f"original's {RETURNING_CPUS}, or the allowed CPUs - 1 when fewer, with a note).",
        min=0,
        max=63,
    )
    cross_pool_size: int = option(
        "int",
        CROSS_POOL_SIZE,
        f"bench_page_pool_cross_cpu pool_size (the original's {CROSS_POOL_SIZE}; at most "
        f"{PP_RING_MAX}).",
        min=0,
    )
    skb_loops: int = option(
        "int",
        1_000_000,
        "skb_array_bench01 loops (the original's 10,000,000).",
        min=1000,
        max=U32_MAX,
    )
    queue_sizes: tuple[int, ...] = option(
        "int_list",
        DEFAULT_QUEUE_SIZES,
        "skb_array_min_overhead queue sizes (the original's 8,64,1000,10000,32000).",
        min=1,
        max=PTR_RING_MAX_SIZE,
    )
    parallel_loops: int = option(
        "int",
        200_000,
        "skb_array_parallel01 loops per CPU (the original's 200,000).",
        min=1000,
        max=U32_MAX,
    )
    parallel_cpus: int = option(
        "int",
        0,
        f"CPUs of skb_array_parallel_many_CPUs (0 = the original's {SKB_MANY}, or all "
        "allowed CPUs when fewer, with a note).",
        min=0,
    )
    q_size: int = option(
        "int",
        64_000,
        "skb_array_parallel01 queue size (the original's 64,000).",
        min=2,
        max=PTR_RING_MAX_SIZE,
    )
    prefill: int = option(
        "int",
        32_000,
        "skb_array_parallel01 objects queued before each run (the original's 32,000).",
        min=0,
        max=PTR_RING_MAX_SIZE,
    )
    profile: str = option(
        "choice",
        "published",
        "Kernel-only costs (local_bh disable+enable 18 cycles, local_irq_save/restore 37): "
        "published time_bench values, or zero.",
        choices=("published", "zero"),
    )

    def __post_init__(self) -> None:
        if not self.groups:
            set_field(self, "groups", GROUPS)
        for key in ("pool_size", "cross_pool_size"):
            size = getattr(self, key)
            if size > PP_RING_MAX:
                raise fail(
                    key,
                    f"{size}: the page_pool's ptr_ring is at most {PP_RING_MAX} "
                    "(page_pool_init: -E2BIG)",
                )
        if self.alloc_cache != PP_ALLOC_CACHE_SIZE and not self.what_if:
            raise fail(
                "alloc_cache",
                f"{self.alloc_cache}: the kernel's PP_ALLOC_CACHE_SIZE is {PP_ALLOC_CACHE_SIZE} "
                "(another size only with --what-if)",
            )
        if self.alloc_cache < PP_ALLOC_CACHE_REFILL:
            raise fail(
                "alloc_cache",
                f"{self.alloc_cache}: smaller than the refill batch {PP_ALLOC_CACHE_REFILL}",
            )
        if CROSS_CPU in self.groups and (self.cross_loops + 1) % 16 > 1:
            # each returning CPU consumes loops + 1 pages; the RX tasklet then still has
            # 1023 to queue, but ptr_ring gives consumed slots back 16 at a time, so
            # (loops + 1) % 16 slots stay taken: the original's 1,000,000 fits exactly
            ok = self.cross_loops - (self.cross_loops + 1) % 16 + 1
            raise fail(
                "cross_loops",
                f"{self.cross_loops}: the RX tasklet's last pages do not fit the transfer "
                f"queues (ptr_ring releases slots in batches of 16: (loops + 1) % 16 must be "
                f"0 or 1, e.g. {ok} or {ok + 15})",
            )
        if self.prefill > self.q_size:
            raise fail("prefill", f"{self.prefill} is larger than q_size {self.q_size}")
        if self.prefill >= self.q_size and SKB_ARRAY_PARALLEL in self.groups:
            raise fail("prefill", f"{self.prefill}: leaves no free slot in q_size {self.q_size}")


FAMILY = Family(
    config=PagepoolConfig,
    help=(
        "bench_page_pool_simple, bench_page_pool_cross_cpu, skb_array_bench01/parallel01: "
        "page_pool (v4.18 or modern) over the page allocator model, its ptr_ring, and "
        "ptr_ring/skb_array alone, on one CPU and on pinned threads."
    ),
    modules=lambda cfg: [f"skbbench.bench.{g}" for g in GROUPS if g in cfg.groups],
)
