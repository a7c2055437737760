"""Spec of `skbbench bulk` (slab_bulk_test01-03 on the slab allocator models): options,
defaults, checks (each allocator's options in OPTION_ALLOCATORS), bulk variants and case
names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from skbbench.family import Family, PlotAxes
from skbbench.model.kconfig_layout import WHAT_IF_HELP, WHAT_IFS, parse_assignments
from skbbench.spec import U32_MAX, RunConfig, fail, option, set_field

# Bulk implementations (`--compare A,B`): name -> table label, description.
VARIANTS = ("fallback", "before", "after", "kfree_bulk")
LABELS = {
    "before": "Bulk-API-before",
    "after": "Bulk-API with patchset",
    "fallback": "Fallback-loop",
    "kfree_bulk": "kfree_bulk",
}
DESCRIPTIONS = {
    "fallback": "kmem_cache_alloc/kmem_cache_free loops (no bulk API)",
    "before": "bulk API before the detached-freelist patchset (v4.3 kmem_cache_free_bulk)",
    "after": "bulk API with the detached-freelist patchset (v4.4 build_detached_freelist)",
    "kfree_bulk": "kmem_cache_alloc_bulk + kfree_bulk (v4.6)",
}

TESTS = ("01", "02", "03")
ALLOCATORS = ("slub", "slab", "sheaves", "sheaves-6.18")
ALLOCATOR_LABELS = {
    "slub": "SLUB",
    "slab": "SLAB",
    "sheaves": "SLUB v7.0 sheaves",
    "sheaves-6.18": "SLUB v6.18 sheaves",
}
# The side-by-side tables' column labels (which kernel each allocator model is).
VERSION_LABELS = {
    "slub": "SLUB v4.4",
    "slab": "SLAB v4.6",
    "sheaves": "SLUB v7.0 sheaves",
    "sheaves-6.18": "SLUB v6.18 sheaves",
}
SHEAVES = ("sheaves", "sheaves-6.18")
# The options only some allocator models have (non-default values need one of them in
# --allocator): every allocator's option check, in one place.
OPTION_ALLOCATORS = {
    "nodes": ("slab",),
    "cpu_partial": ("slub", "sheaves-6.18"),
    "min_partial": ("slub", *SHEAVES),
    "order": ("slub", *SHEAVES),
    "min_objects": ("slub", *SHEAVES),
    "lookahead": ("slub", *SHEAVES),
    "kconfig": ("slub", *SHEAVES),
    "what_if": ("slub", "sheaves-6.18"),
    "sheaf_capacity": SHEAVES,
}
MERGED_ALLOCATORS = ("slub", "slab")  # --setup merged models SLUB/SLAB's kmalloc-256 alias
SETUPS = ("nomerge", "merged")
MERGED_KEYS = ("merged_objects", "merged_partial", "merged_traffic", "merged_remote")
# The reference host's kmalloc-256 (Linux 6.18, 2 vCPUs), read from /sys/kernel/slab and a
# perf trace of kmem:kmalloc/kfree (tools/kmalloc256_snapshot.py; the numbers and how
# they were taken: skbbench/data/merged_kmalloc256.yaml). The defaults of --setup merged.
HOST_KMALLOC256 = {
    "objects": 768,  # sysfs objects (in-use, counting cpu-slab free objects as in use)
    "slabs": 48,
    "partial": 0,
    "bench_cpu_partial_slabs": 2,  # slabs_cpu_partial of the CPU benchmarks run on (CPU 1)
    "allocs_per_s": 0.0,  # kmalloc-256 allocations in the 10 s trace: none
}
MERGED_REMOTE_DEFAULT = 0.5
DEFAULT_SIZES = {
    "01": (1, 2, 3, 4, 8, 16, 30, 32, 34, 48, 64, 128, 158, 250),
    "02": (16,),  # bulksz
    "03": (64,),  # bulksz = 32 * 2
}
# Test 01/02 default to 1/10 of the originals' 10,000,000 (a default sweep of seconds);
# 03 keeps the original's 100,000.
DEFAULT_LOOPS = {"01": 1_000_000, "02": 1_000_000, "03": 100_000}
CHECK_LOOPS = 10_000  # the originals' default with CONFIG_SLUB_DEBUG_ON
MAX_BULK = 250  # slab_bulk_test01's on-stack array
MAX_BULK_GLOBAL = 32768  # slab_bulk_test02/03's global array

# Case (Type:) names.
FOR_LOOP = "for_loop"
FASTPATH_REUSE = "kmem fastpath reuse"
FALLBACK = "kmem bulk_fallback"
QUICK_REUSE = "kmem bulk_quick_reuse"
KFREE_BULK = "kfree_bulk"
TEST02 = "kmem_cache_(free+alloc)_bulk"
WORSE_CASE = "worse-case"  # test 03: "<scenario>-bulk" and "<scenario>-fallback"
N_PAGE_MATCH = "N-page-match"
NMATCH = (1, 2, 3, 4, 5, 6, 10)  # test 03, plus bulk + 1


def quick_reuse_name(variant: str) -> str:
    """The test01 Type name of a bulk variant's scenario."""
    return {"fallback": FALLBACK, "kfree_bulk": KFREE_BULK}.get(variant, QUICK_REUSE)


@dataclass(frozen=True)
class BulkConfig(RunConfig):
    NAME = "bulk"

    test: str = option(
        "choice",
        "01",
        "Which slab_bulk_test: 01 (sweep of bulk sizes), 02 (one bulk size, loops not "
        "divided), 03 (worst case and N-page-match).",
        choices=TESTS,
    )
    sizes: tuple[int, ...] = option(
        "int_list",
        (),
        "Bulk sizes.",
        min=1,
        max=MAX_BULK_GLOBAL,
        shown_default="01: 1,2,3,4,8,16,30,32,34,48,64,128,158,250; 02: 16; 03: 64",
    )
    compare: tuple[str, ...] = option(
        "str_list",
        ("before", "after"),
        "The two bulk implementations A,B compared in the table (improved = (A-B)/A).",
        choices=VARIANTS,
        length=(2, 2),
        metavar="A,B",
    )
    loops: int = option(
        "int",
        0,
        "Loop count (the originals use 10,000,000 for 01/02).",
        min=1,
        max=U32_MAX,
        shown_default="01/02: 1,000,000; 03: 100,000; 10,000 with --check",
    )
    object_size: int = option(
        "int",
        256,
        "Object size in bytes (SLAB_HWCACHE_ALIGN applied; 256 = skbuff_head_cache).",
        min=8,
        max=32768,
    )
    cpus: int = option(
        "int",
        8,
        "Simulated CPUs of the model (nr_cpu_ids: slab order; 8 -> order 1, 32 objects of 256 B).",
        min=1,
        max=4096,
    )
    profile: str = option(
        "choice",
        "published",
        "Kernel-only costs (IRQ/BH/preempt disabling): published time_bench values, or zero.",
        choices=("published", "zero"),
    )
    check: bool = option(
        "bool",
        False,
        "SLUB_DEBUG-like validation of every invariant after every operation (slow; "
        "double free -> error).",
    )
    published: bool = option(
        "bool",
        False,
        "Put the seed post's published cycles and improved % beside the model's in the table.",
    )
    allocator: tuple[str, ...] = option(
        "str_list",
        ("slub",),
        "The slab allocator model(s): slub (v4.4), slab (v4.6 mm/slab.c), sheaves (v7.0's "
        "SLUB: per-CPU sheaves and barns, no cpu slabs), sheaves-6.18 (v6.18's opt-in "
        "sheaves in front of v4.4-style cpu slabs); several (slab,slub or slub,sheaves ...) "
        "run each and print the side-by-side tables.",
        choices=ALLOCATORS,
        length=(1, len(ALLOCATORS)),
        metavar="NAME[,NAME...]",
    )
    nodes: int = option(
        "int",
        1,
        "SLAB only: NUMA nodes of the simulated machine (2: remote-node frees go through "
        "the alien caches).",
        min=1,
        max=2,
    )
    setup: str = option(
        "choice",
        "",
        "Tests 01/02: nomerge = the bench's own pristine cache (booted with slab_nomerge); "
        "merged = the cache is an alias of kmalloc-256, shared with other users "
        "(their objects in its slabs, their traffic during the run; docs/model.md).",
        choices=SETUPS,
        shown_default="nomerge; merged for test 01 with --published (the seed's setup)",
    )
    merged_objects: int | None = option(
        "int",
        None,
        "--setup merged: objects other users hold in kmalloc-256, allocated before the run "
        "on every simulated CPU in turn (sysfs 'objects').",
        min=0,
        max=1_000_000,
        shown_default=f"{HOST_KMALLOC256['objects']} (reference host, docs/model.md)",
    )
    merged_partial: int | None = option(
        "int",
        None,
        "--setup merged: full slabs of other users that got one object freed on the bench "
        "CPU, so SLUB froze them onto its cpu partial list (sysfs slabs_cpu_partial pages).",
        min=0,
        max=1000,
        shown_default=f"{HOST_KMALLOC256['bench_cpu_partial_slabs']} (reference host)",
    )
    merged_traffic: float | None = option(
        "float",
        None,
        "--setup merged: other users' allocations on the bench CPU (interrupt context) per "
        "1000 bench objects, each freed later, remotely or RCU-deferred.",
        min=0.0,
        max=1000.0,
        shown_default="0 (reference host: no kmalloc-256 allocation in a 10 s trace)",
    )
    merged_remote: float | None = option(
        "float",
        None,
        "--setup merged: share of those frees done by another CPU (the rest: RCU-deferred "
        "on the bench CPU).",
        min=0.0,
        max=1.0,
        shown_default="0.5 (no data; irrelevant at traffic 0)",
    )
    cpu_partial: int | None = option(
        "int",
        None,
        "SLUB: /sys/kernel/slab/<cache>/cpu_partial (objects; 0 disables cpu partial lists).",
        min=0,
        max=U32_MAX,
        shown_default="13 for 256-byte objects (v4.4)",
    )
    min_partial: int | None = option(
        "int",
        None,
        "SLUB: /sys/kernel/slab/<cache>/min_partial (set_min_partial clamps it to 5..10).",
        min=0,
        max=U32_MAX,
        shown_default="ilog2(size)/2 clamped to 5..10",
    )
    order: int | None = option(
        "int",
        None,
        "SLUB: /sys/kernel/slab/<cache>/order (0..slub_max_order 3, else EINVAL).",
        min=0,
        max=3,
        shown_default="calculate_order",
    )
    min_objects: int | None = option(
        "int",
        None,
        "SLUB: the slub_min_objects boot parameter (calculate_order's target).",
        min=1,
        max=32767,
        shown_default="4 * (fls(nr_cpu_ids) + 1)",
    )
    sheaf_capacity: int | None = option(
        "int",
        None,
        "Sheaves: the cache's sheaf_capacity (kmem_cache_args; v7.0: a minimum of "
        "calculate_sheaf_capacity's; v6.18: exactly).",
        min=1,
        max=4096,
        shown_default="v7.0: calculate_sheaf_capacity (28 for 256-byte objects); v6.18: 32",
    )
    lookahead: int = option(
        "int",
        3,
        "SLUB: build_detached_freelist's lookahead (3 in v4.4; 0 scans the whole array, as "
        "'!--lookahead' does from 0).",
        min=0,
        max=255,
    )
    kconfig: tuple[str, ...] = option(
        "str_list",
        (),
        "SLUB Kconfig-like options KEY=y|n,... (SLUB_STATS, TRACEPOINTS, MEMCG_KMEM, "
        "MEMCG_KMEM_ACTIVE, FAILSLAB, NUMA, PREEMPT; defaults: docs/model.md).",
        metavar="KEY=y|n,...",
        length=(0, 32),
    )
    what_if: tuple[str, ...] = option(
        "str_list",
        (),
        "Departures from the kernel, to see what they cost: "
        + "; ".join(f"{k}: {v}" for k, v in WHAT_IF_HELP.items()),
        choices=tuple(WHAT_IFS),
        metavar="NAME[,NAME]",
        length=(0, len(WHAT_IFS)),
    )

    RETIRED: ClassVar[dict[str, str]] = {
        "aged": "replaced by --setup merged (documents with it still load)",
    }

    def merged(self) -> tuple[int, int, float, float]:
        """(objects, partial slabs, traffic, remote share) of --setup merged, as values
        (0 without it)."""
        if self.setup != "merged":
            return 0, 0, 0.0, 0.0
        return (
            int(self.merged_objects or 0),
            int(self.merged_partial or 0),
            float(self.merged_traffic or 0.0),
            float(self.merged_remote or 0.0),
        )

    def __post_init__(self) -> None:
        if len(set(self.allocator)) != len(self.allocator):
            raise fail("allocator", f"{','.join(self.allocator)} names an allocator twice")
        for key, owners in OPTION_ALLOCATORS.items():
            if getattr(self, key) == type(self).option(key).default:
                continue
            if not set(owners) & set(self.allocator):
                model = {"slub": "SLUB model has", "slab": "SLAB model has"}.get(
                    owners[0], "sheaves models have"
                )
                raise fail(key, f"only the {model} it (add --allocator {' or '.join(owners)})")
        try:
            parse_assignments(self.kconfig)
        except ValueError as exc:
            raise fail("kconfig", str(exc)) from None
        only_merged = set(self.allocator) <= set(MERGED_ALLOCATORS)
        if not self.setup:
            merged = self.published and self.test == "01" and only_merged
            set_field(self, "setup", "merged" if merged else "nomerge")
        if self.setup == "merged" and not only_merged:
            raise fail("setup", "merged models SLUB v4.4's and SLAB's kmalloc-256 (slub, slab)")
        if self.lookahead == 1:
            raise fail(
                "lookahead",
                "1 would lose objects: build_detached_freelist stops at the first other "
                "page before remembering first_skipped_index (use 0 or 2..255)",
            )
        if self.setup != "merged":
            for key in MERGED_KEYS:
                if getattr(self, key) is not None:
                    raise fail(key, "only with --setup merged")
        elif self.test == "03":
            raise fail("setup", "merged is for tests 01 and 02 (test 03 prefills its own cache)")
        else:
            if self.merged_objects is None:
                set_field(self, "merged_objects", HOST_KMALLOC256["objects"])
            if self.merged_partial is None:
                set_field(self, "merged_partial", HOST_KMALLOC256["bench_cpu_partial_slabs"])
            if self.merged_traffic is None:
                set_field(self, "merged_traffic", HOST_KMALLOC256["allocs_per_s"])
            if self.merged_remote is None:
                set_field(self, "merged_remote", MERGED_REMOTE_DEFAULT)
        if len(self.compare) != 2 or self.compare[0] == self.compare[1]:
            raise fail(
                "compare", f"expected two different variants A,B, got {','.join(self.compare)}"
            )
        if not self.sizes:
            set_field(self, "sizes", DEFAULT_SIZES[self.test])
        if not self.loops:
            set_field(self, "loops", CHECK_LOOPS if self.check else DEFAULT_LOOPS[self.test])


FAMILY = Family(
    config=BulkConfig,
    help=(
        "slab_bulk_test01-03 on a SLUB v4.4 model (or SLAB, or today's SLUB with sheaves): "
        "the bulk API before/after the detached-freelist patchset, with the seed post's "
        "comparison table."
    ),
    modules=lambda cfg: [f"skbbench.bench.slab_bulk_test{cfg.test}"],
    report="skbbench.report.bulk_table",
    plot=PlotAxes(
        x="size",
        xlabel="bulk size (objects per call)",
        title="per-element cost against bulk size",
    ),
)
