"""Spec of `skbbench bulk` (slab_bulk_test01-03 on the SLUB model): options, defaults,
checks, bulk variants and case names."""

from __future__ import annotations

from dataclasses import dataclass

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
ALLOCATORS = ("slub", "slab")
ALLOCATOR_LABELS = {"slub": "SLUB", "slab": "SLAB"}
SLAB_ONLY = ("nodes",)  # options only the SLAB model has (non-default values)
DEFAULT_SIZES = {
    "01": (1, 2, 3, 4, 8, 16, 30, 32, 34, 48, 64, 128, 158, 250),
    "02": (16,),  # bulksz
    "03": (64,),  # bulksz = 32 * 2
}
ORIGINAL_LOOPS = {"01": 10_000_000, "02": 10_000_000, "03": 100_000}
# Test 01/02 default to 1/10 of the original so the default sweep stays within ~10 s on
# a 2-core machine; 03 keeps the original's 100,000.
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
    HELP = (
        "slab_bulk_test01-03 on a SLUB v4.4 model: the bulk API before/after the "
        "detached-freelist patchset, with the seed post's comparison table."
    )

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
        "The slab allocator model(s): slub (v4.4), slab (v4.6 mm/slab.c), or slab,slub to "
        "run both and print the SLAB vs SLUB table.",
        choices=ALLOCATORS,
        length=(1, 2),
        metavar="NAME[,NAME]",
    )
    nodes: int = option(
        "int",
        1,
        "SLAB only: NUMA nodes of the simulated machine (2: remote-node frees go through "
        "the alien caches).",
        min=1,
        max=2,
    )
    aged: float = option(
        "float",
        0.0,
        "Tests 01/02: share of 16 slabs' objects held by other users during the run, as in "
        "a cache merged into a busy kmalloc-256 (0 = pristine cache).",
        min=0.0,
        max=0.95,
    )

    def __post_init__(self) -> None:
        if len(set(self.allocator)) != len(self.allocator):
            raise fail("allocator", f"{','.join(self.allocator)} names an allocator twice")
        if "slab" not in self.allocator:
            for key in SLAB_ONLY:
                if getattr(self, key) != type(self).option(key).default:
                    raise fail(key, "only the SLAB model has it (add --allocator slab)")
        if len(self.compare) != 2 or self.compare[0] == self.compare[1]:
            raise fail(
                "compare", f"expected two different variants A,B, got {','.join(self.compare)}"
            )
        if not self.sizes:
            set_field(self, "sizes", DEFAULT_SIZES[self.test])
        if not self.loops:
            set_field(self, "loops", CHECK_LOOPS if self.check else DEFAULT_LOOPS[self.test])
