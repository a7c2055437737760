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

BULK = Benchmark(
    name="bulk",
    help="slab_bulk_test01-03 on a SLUB v4.4 model: the bulk API before/after the "
    "detached-freelist patchset, with the seed post's comparison table.",
    options=(
        Option(
            "test",
            "choice",
            "01",
            "Which slab_bulk_test: 01 (sweep of bulk sizes), "
            "02 (one bulk size, loops not divided), 03 (worst case and N-page-match).",
            choices=("01", "02", "03"),
        ),
        Option(
            "sizes",
            "int_list",
            None,
            "Bulk sizes (default: 01 the original's "
            "1,2,3,4,8,16,30,32,34,48,64,128,158,250; 02: 16; 03: 64).",
            min=1,
            max=32768,
        ),
        Option(
            "compare",
            "str_list",
            ["before", "after"],
            "The two bulk implementations A,B compared in the table (improved = (A-B)/A).",
            choices=("fallback", "before", "after", "kfree_bulk"),
            length=(2, 2),
        ),
        Option(
            "loops",
            "int",
            None,
            "Loop count (default: 01/02 1,000,000 -- the "
            "originals use 10,000,000; 03 100,000; 10,000 with --check).",
            min=1,
            max=2**32 - 1,
        ),
        Option(
            "object_size",
            "int",
            256,
            "Object size in bytes (SLAB_HWCACHE_ALIGN applied; 256 = skbuff_head_cache).",
            min=8,
            max=32768,
        ),
        Option(
            "cpus",
            "int",
            8,
            "Simulated CPUs of the model (nr_cpu_ids: slab order; "
            "8 -> order 1, 32 objects of 256 B).",
            min=1,
            max=4096,
        ),
        Option(
            "profile",
            "choice",
            "published",
            "Kernel-only costs (IRQ/BH/preempt disabling): published time_bench values, or zero.",
            choices=("published", "zero"),
        ),
        Option(
            "check",
            "bool",
            False,
            "SLUB_DEBUG-like validation of every invariant "
            "after every operation (slow; double free -> error).",
        ),
        Option(
            "published",
            "bool",
            False,
            "Put the seed post's published cycles and improved % beside the model's in the table.",
        ),
        Option(
            "aged",
            "float",
            0.0,
            "Tests 01/02: share of 16 slabs' objects held by "
            "other users during the run, as in a cache merged into a busy kmalloc-256 "
            "(0 = pristine cache).",
            min=0.0,
            max=0.95,
        ),
    ),
    build_cases="skbbench.bench.slab_bulk_test01:build_cases",
    render_kernel="skbbench.report.bulk_table:render_kernel",
    render_tables="skbbench.report.bulk_table:render_tables",
    check="skbbench.report.bulk_table:check_config",
)

QMEMPOOL = Benchmark(
    name="qmempool",
    help="qmempool_bench + qmempool_bench_parallel: the queue-based pool in front of the "
    "SLUB model vs SLUB itself, with the saving table and the 10G wire-speed budget.",
    options=(
        Option(
            "loops",
            "int",
            100_000,
            "qmempool_bench loops (the original uses 1,000,000): "
            "fastpath runs loops x 30, N-pattern loops / 10 x 256 elements.",
            min=100,
            max=100_000_000,
        ),
        Option(
            "groups",
            "str_list",
            None,
            "Subset of fastpath, pattern, parallel (default: all).",
            choices=("fastpath", "pattern", "parallel"),
        ),
        Option(
            "parallel_loops",
            "int",
            10_000,
            "qmempool_bench_parallel loops per CPU (the "
            "original uses 100,000); its pattern scenarios run x 1024 elements.",
            min=10,
            max=4_000_000,
        ),
        Option(
            "parallel_cpus",
            "int",
            0,
            "Parallel scenarios on the first N allowed CPUs (0 = all allowed, like the original).",
            min=0,
        ),
        Option(
            "object_size",
            "int",
            256,
            "Object size in bytes (256 = skbuff_head_cache).",
            min=8,
            max=32768,
        ),
        Option(
            "cpus",
            "int",
            8,
            "Simulated CPUs of the SLUB model (nr_cpu_ids: slab "
            "order); at least the number of parallel CPUs is used.",
            min=1,
            max=4096,
        ),
        Option(
            "profile",
            "choice",
            "published",
            "Kernel-only costs (local_bh "
            "disable+enable 18 cycles, IRQ...): published time_bench values, or zero.",
            choices=("published", "zero"),
        ),
    ),
    build_cases="skbbench.bench.qmempool_bench:build_cases",
    render_kernel="skbbench.report.qmempool_table:render_kernel",
    render_tables="skbbench.report.qmempool_table:render_tables",
    check="skbbench.report.qmempool_table:check_qmempool_config",
)

ALFQ = Benchmark(
    name="alfq",
    help="alf_queue_bench + alf_queue_parallel01: the Array-based Lock-Free queue, MPMC "
    "(cmpxchg) vs SPSC, bulking, and cross-CPU on pinned threads.",
    options=(
        Option(
            "loops",
            "int",
            1_000_000,
            "alf_queue_bench loops (the original uses "
            "10,000,000): for_loop and ALF-SPSC-simple run loops x 10, -multi loops / 100 "
            "(MPMC) and / 10 (SPSC).",
            min=1000,
            max=200_000_000,
        ),
        Option(
            "ring_size",
            "int",
            512,
            "Queue size of alf_queue_bench (power of two, <= 65536).",
            min=1,
            max=65536,
        ),
        Option(
            "bulk",
            "int_list",
            None,
            "Bulk sizes of MPMC-bulk/SPSC-bulk (default "
            "2,3,4,6,8,16; at most 32 and the ring size).",
            min=1,
            max=32,
        ),
        Option(
            "tests",
            "str_list",
            None,
            "Subset of alf_queue_bench scenarios (default: all).",
            choices=(
                "for_loop",
                "ALF-MPMC-simple",
                "ALF-MPMC-multi",
                "MPMC-bulk",
                "ALF-SPSC-simple",
                "ALF-SPSC-multi",
                "SPSC-bulk",
                "baseline-array-push-pop",
            ),
        ),
        Option(
            "groups",
            "str_list",
            None,
            "Subset of bench, parallel (default: both).",
            choices=("bench", "parallel"),
        ),
        Option(
            "parallel_loops",
            "int",
            100_000,
            "alf_queue_parallel01 loops per CPU (the original's 100,000).",
            min=1000,
            max=100_000_000,
        ),
        Option(
            "parallel_cpus",
            "int",
            None,
            "CPUs of the many_CPUs scenarios (default: "
            "the original's 4, or all allowed CPUs when fewer, with a note).",
            min=1,
        ),
        Option(
            "parallel_bulk",
            "int",
            8,
            "Bulk of alf_queue_BULK_MPMC_parallel_many_CPUs (the original's 8; at most 64).",
            min=1,
            max=64,
        ),
        Option(
            "q_size",
            "int",
            65536,
            "Queue size of the parallel scenarios (power of two, <= 65536).",
            min=1,
            max=65536,
        ),
        Option(
            "prefill",
            "int",
            32_000,
            "Elements enqueued before each parallel scenario (the original's 32,000).",
            min=0,
            max=65536,
        ),
    ),
    build_cases="skbbench.bench.alf_queue_bench:build_all_cases",
    check="skbbench.report.qmempool_table:check_alfq_config",
)

BENCHMARKS: dict[str, Benchmark] = {b.name: b for b in (SAMPLE, PARALLEL, BULK)}
BENCHMARKS.update({b.name: b for b in (QMEMPOOL, ALFQ)})


def get(name: str) -> Benchmark:
    try:
        return BENCHMARKS[name]
    except KeyError:
        known = ", ".join(sorted(BENCHMARKS))
        raise UsageError(f"unknown benchmark '{name}' (known: {known})") from None
