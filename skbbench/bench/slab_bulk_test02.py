"""slab_bulk_test02: one bulk size, loops not divided (for profiling), on the SLUB model.

Replicates prototype-kernel ``kernel/mm/slab_bulk_test02.c`` (benchmarks.md 2.2): one
scenario ``kmem_cache_(free+alloc)_bulk`` with step = bulk size; unlike test01 the loop
count is NOT divided by the bulk size, so invoked = loops x bulk. The module prints
``Bench bulk size:%d``; the original's 32-bit guard (``loops*bulk*2 >= 2^32-1`` ->
``Loop cnt too big will overflow 32-bit``, ABORT) is kept. The array is the original's
global 32768-entry array. Each ``--compare`` variant runs the scenario once per bulk
size (the original takes one ``bulksz``; several sizes simply repeat it).
"""

from __future__ import annotations

from typing import Any

from skbbench.bench.slab_bulk_test01 import (
    bulk_case,
    compare_variants,
    guard_overflow,
    module_notes,
    test_loops,
    test_sizes,
    variant_note,
)
from skbbench.harness.record import Record
from skbbench.harness.runner import BenchAbort, Case

MODULE = "slab_bulk_test02"
NAME = "kmem_cache_(free+alloc)_bulk"


def _aborted(
    name: str, bulk: int, loops: int, message: str, notes: list[str], params: dict[str, Any]
) -> Case:
    def run() -> Record:
        raise BenchAbort(f"{message}; ABORT: function being timed failed")

    return Case(
        name=name, loops=loops, step=bulk, run=run, params=params, group=MODULE, notes=notes
    )


def build_test02(cfg: dict[str, Any]) -> list[Case]:
    loops = test_loops(cfg)
    cases: list[Case] = []
    for variant in compare_variants(cfg):
        first = True
        for bulk in test_sizes(cfg):
            notes = [variant_note(MODULE, variant)] if first else []
            first = False
            notes.append(f"{MODULE}: Bench bulk size:{bulk}")
            overflow = guard_overflow(MODULE, loops, bulk)
            if overflow:
                cases.append(_aborted(NAME, bulk, loops, overflow, notes, {"variant": variant}))
                continue
            cases.append(
                bulk_case(cfg, NAME, variant, bulk, loops, "slab_bulk_test02", notes, group=MODULE)
            )
    cases[0].notes = module_notes(cfg, MODULE) + cases[0].notes
    return cases
