"""slab_bulk_test01: bulk API vs fallback for many bulk sizes, on the SLUB model.

Replicates prototype-kernel kernel/mm/slab_bulk_test01.c with the original scenario
names and counting units: ``for_loop`` (loops x 10), ``kmem fastpath reuse`` (alloc +
barrier + free of one object), and per bulk size b ``kmem bulk_fallback`` and ``kmem
bulk_quick_reuse`` (``kfree_bulk`` of slab_bulk_test05), loops // b iterations of b
allocs then b frees; one element = one object's alloc + free. ``--compare A,B`` picks the
bulk implementations; each runs as one block of lines introduced by a module print
naming it, as if the module had been loaded on that kernel.
"""

from __future__ import annotations

from skbbench.bench.slab_bulk_common import (
    bulk_case,
    fastpath_case,
    for_loop_case,
    module_notes,
    variant_note,
)
from skbbench.harness.runner import Case
from skbbench.specs.bulk import MAX_BULK, BulkConfig, quick_reuse_name

MODULE = "slab_bulk_test01"
CACHE_NAMES = {"fallback": "slab_bench_test2", "kfree_bulk": "slab_bench_test5"}


def build_cases(cfg: BulkConfig) -> list[Case]:
    """The module's cases; with two allocators, one "module load" per allocator."""
    loops = cfg.loops
    sizes: list[tuple[int, list[str]]] = []
    for b in cfg.sizes:
        note = []
        if b > MAX_BULK:
            note = [f"{MODULE}: bulk_test() bulk({b}) request too big cap at {MAX_BULK}"]
            b = MAX_BULK
        sizes.append((b, note))
    cases: list[Case] = [for_loop_case(loops, MODULE)]
    for allocator in cfg.allocator:
        fastpath = fastpath_case(cfg, allocator, loops, MODULE)
        fastpath.notes = module_notes(cfg, MODULE, allocator)
        cases.append(fastpath)
        for variant in ["fallback"] + [v for v in cfg.compare if v != "fallback"]:
            first = True
            for b, note in sizes:
                notes = ([variant_note(MODULE, variant)] if first else []) + note
                first = False
                cache_name = CACHE_NAMES.get(variant, "slab_bench_test3")
                name = quick_reuse_name(variant)
                case = bulk_case(
                    cfg, allocator, name, variant, b, loops // b, cache_name, notes, MODULE
                )
                cases.append(case)
    return cases
