"""The simulated machine's memory: ONE uint64 array holding every model's state.

Numpy only (no numba). All models of one run live in one C-contiguous, page-aligned
``numpy.uint64`` array ``s`` so that a pfn, a struct page record and an object address
mean the same thing to every model (SLUB's slabs, page_frag's pages and page_pool's pages
come from the same page allocator, as in the kernel)::

    words 0 .. 47        the kmem_cache header of this machine's slab allocator
                         (SLUB or SLAB; at most one kmem_cache per machine)
    words 48 .. 63       the machine header (MH_* below): where the shared regions are
    meta area            regions reserved by the models (Machine.reserve): per-CPU
                         records, lists, counters, the page allocator's zone ...
    vmemmap              one struct page record (mm_types.PAGE_RECORD_WORDS words) per
                         4 KiB page of the whole array: record(pfn) = MH_VMEMMAP + pfn * 8
    arena                the physical pages the page allocator manages, starting on a
                         pfn aligned to 2**arena_align_order

An address is a ``uint64`` byte offset from the start of ``s`` (the model's "physical
address"); NULL is 0 (the header page is never handed out). Word ``w`` of an object at
address ``a`` is ``s[(a >> 3) + w]``.

Kernel-only costs (IRQ/BH/preempt disabling) are busy-wait iteration counts in the
machine header, computed by the caller from a cost profile (``model.costs``), so this
module needs no calibration and no numba.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from skbbench.harness.memory import aligned_words
from skbbench.model.mm_types import PAGE_RECORD_WORDS, PAGE_SHIFT, PAGE_SIZE

KMEM_CACHE_HEADER_WORDS = 48  # words 0..47: owned by the slab allocator model
HEADER_WORDS = 64

# Machine header words.
MH_MAGIC = 48
MH_VMEMMAP = 49  # word index of the struct page record of pfn 0
MH_NR_PFNS = 50  # pfns covered by the vmemmap (the whole array)
MH_ZONE = 51  # word index of the page allocator's region (0: no page allocator)
MH_NR_CPUS = 52  # simulated CPUs
MH_COST_IRQ = 53  # busy-wait iterations per local_irq_disable + local_irq_enable
MH_COST_IRQSAVE = 54  # ... per local_irq_save + local_irq_restore
MH_COST_BH = 55  # ... per local_bh_disable + local_bh_enable
MH_COST_PREEMPT = 56  # ... per preempt_disable + preempt_enable
MH_ARENA_START_PFN = 57  # first pfn of the arena
MH_ARENA_PFNS = 58  # pages in the arena
MH_META_START = 59  # first word of the meta area
MH_META_END = 60  # one past the last word of the meta area
MH_META_NEXT = 61  # next free word of the meta area (bump pointer, Python side)
MH_STATS = 62  # 1: the models' run-time gated counters count (page allocator, SLAB); 0: off
MACHINE_MAGIC = 0x4D414348_494E4531  # "MACHINE1"

# numpy scalars for jitted code.
U_MH_VMEMMAP = np.uint64(MH_VMEMMAP)
U_MH_ZONE = np.uint64(MH_ZONE)
U_MH_NR_CPUS = np.uint64(MH_NR_CPUS)
U_MH_COST_IRQ = np.uint64(MH_COST_IRQ)
U_MH_COST_IRQSAVE = np.uint64(MH_COST_IRQSAVE)
U_MH_COST_BH = np.uint64(MH_COST_BH)
U_MH_COST_PREEMPT = np.uint64(MH_COST_PREEMPT)
U_MH_STATS = np.uint64(MH_STATS)


class MachineFull(Exception):
    """The meta area has no room for a requested region (a sizing bug, not user input)."""


@dataclass(frozen=True)
class CostIters:
    """Busy-wait iterations charged per kernel-only primitive pair (see model.costs)."""

    irq_disable_enable: int = 0
    irq_save_restore: int = 0
    bh_disable_enable: int = 0
    preempt_disable_enable: int = 0


@dataclass
class Machine:
    """The array ``s`` and its geometry; regions are handed out by :meth:`reserve`."""

    s: np.ndarray
    nr_cpus: int
    arena_start_pfn: int
    arena_pfns: int
    counter_regions: list[tuple[int, int]] = field(default_factory=list)

    def reserve(self, words: int, align: int = 8, counters: bool = False) -> int:
        """Reserve ``words`` zeroed words of the meta area aligned to ``align`` words
        (8 = one cache line); returns the word index of the region. ``counters``: the
        region holds event counters only (no state): a replay of a timed run compares
        everything else (skbbench.bench.replay)."""
        s = self.s
        start = -(-int(s[MH_META_NEXT]) // align) * align
        end = start + int(words)
        if end > int(s[MH_META_END]):
            raise MachineFull(
                f"machine meta area full: {words} words requested, "
                f"{int(s[MH_META_END]) - start} left"
            )
        s[MH_META_NEXT] = end
        if counters:
            self.counter_regions.append((start, end))
        return start

    def counter_mask(self) -> np.ndarray:
        """True for every word of ``s`` that is a counter (or the MH_STATS switch)."""
        mask = np.zeros(len(self.s), dtype=bool)
        for start, end in self.counter_regions:
            mask[start:end] = True
        mask[MH_STATS] = True
        return mask

    def set_stats(self, on: bool) -> None:
        """Switch the run-time gated counters (page allocator, SLAB) on or off."""
        self.s[MH_STATS] = 1 if on else 0

    def record(self, pfn: int) -> int:
        """Word index of the struct page record of ``pfn``."""
        return int(self.s[MH_VMEMMAP]) + pfn * PAGE_RECORD_WORDS

    @property
    def arena_end_pfn(self) -> int:
        return self.arena_start_pfn + self.arena_pfns

    def meta_left(self) -> int:
        return int(self.s[MH_META_END]) - int(self.s[MH_META_NEXT])


def create_machine(
    nr_pages: int,
    nr_cpus: int,
    meta_words: int,
    costs: CostIters | None = None,
    arena_align_order: int = 0,
) -> Machine:
    """Allocate the array: header, ``meta_words`` of meta area, the vmemmap, and an arena
    of ``nr_pages`` 4 KiB pages whose first pfn is a multiple of 2**arena_align_order
    (buddy blocks of order k are then naturally aligned for k <= arena_align_order)."""
    if nr_pages < 1:
        raise ValueError(f"nr_pages {nr_pages}: must be at least 1")
    if nr_cpus < 1:
        raise ValueError(f"nr_cpus {nr_cpus}: must be at least 1")
    costs = costs or CostIters()
    meta_start = HEADER_WORDS
    meta_end = meta_start + -(-int(meta_words) // 8) * 8
    vmemmap = meta_end
    align_pfns = 1 << arena_align_order
    nr_pfns = 0
    while True:  # the vmemmap covers every pfn of the array, including its own pages
        pre_bytes = (vmemmap + nr_pfns * PAGE_RECORD_WORDS) * 8
        first = -(-pre_bytes // PAGE_SIZE)
        first = -(-first // align_pfns) * align_pfns
        total_pfns = first + nr_pages
        if total_pfns <= nr_pfns:
            break
        nr_pfns = total_pfns
    s = aligned_words(nr_pfns * PAGE_SIZE // 8, align=PAGE_SIZE)
    s[MH_MAGIC] = MACHINE_MAGIC
    s[MH_VMEMMAP] = vmemmap
    s[MH_NR_PFNS] = nr_pfns
    s[MH_ZONE] = 0
    s[MH_NR_CPUS] = nr_cpus
    s[MH_COST_IRQ] = costs.irq_disable_enable
    s[MH_COST_IRQSAVE] = costs.irq_save_restore
    s[MH_COST_BH] = costs.bh_disable_enable
    s[MH_COST_PREEMPT] = costs.preempt_disable_enable
    s[MH_ARENA_START_PFN] = first
    s[MH_ARENA_PFNS] = nr_pages
    s[MH_META_START] = meta_start
    s[MH_META_END] = meta_end
    s[MH_META_NEXT] = meta_start
    s[MH_STATS] = 1
    assert (first << PAGE_SHIFT) // 8 >= vmemmap + nr_pfns * PAGE_RECORD_WORDS
    return Machine(s=s, nr_cpus=nr_cpus, arena_start_pfn=first, arena_pfns=nr_pages)
