"""slab_bulk_test02: one bulk size, loops not divided (for profiling), on the SLUB model.

Replicates prototype-kernel ``kernel/mm/slab_bulk_test02.c`` (docs/benchmarks.md): one
scenario ``kmem_cache_(free+alloc)_bulk`` with step = bulk size; unlike test01 the loop
count is NOT divided by the bulk size, so invoked = loops x bulk. The module prints
``Bench bulk size:%d``; the original's 32-bit guard (``loops*bulk*2 >= 2^32-1`` ->
``Loop cnt too big will overflow 32-bit``, ABORT) is kept. The array is the original's
global 32768-entry array. Each ``--compare`` variant runs the scenario once per bulk
size (the original takes one ``bulksz``; several sizes simply repeat it).
"""

from __future__ import annotations

from typing import Any

from skbbench.bench.slab_bulk_common import (
    bulk_case,
    guard_overflow,
    module_notes,
    variant_note,
)
from skbbench.harness.runner import BenchAbort, Case
from skbbench.specs.bulk import TEST02, BulkConfig
from skbbench.timebench import Record

MODULE = "slab_bulk_test02"


def _aborted(
    name: str, bulk: int, loops: int, message: str, notes: list[str], params: dict[str, Any]
) -> Case:
    def run() -> Record:
        raise BenchAbort(f"{message}; ABORT: function being timed failed")

    return Case(
        name=name, loops=loops, step=bulk, run=run, params=params, group=MODULE, notes=notes
    )


def build_cases(cfg: BulkConfig) -> list[Case]:
    loops = cfg.loops
    cases: list[Case] = []
    for allocator in cfg.allocator:
        head = module_notes(cfg, MODULE, allocator)
        for variant in cfg.compare:
            first = True
            for bulk in cfg.sizes:
                notes = head + ([variant_note(MODULE, variant)] if first else [])
                head, first = [], False
                notes.append(f"{MODULE}: Bench bulk size:{bulk}")
                overflow = guard_overflow(MODULE, loops, bulk)
                if overflow:
                    params = {"variant": variant, "allocator": allocator}
                    cases.append(_aborted(TEST02, bulk, loops, overflow, notes, params))
                    continue
                case = bulk_case(
                    cfg, allocator, TEST02, variant, bulk, loops, "slab_bulk_test02", notes, MODULE
                )
                cases.append(case)
    return cases
