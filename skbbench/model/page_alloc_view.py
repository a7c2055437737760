"""Python side of the page allocator model: a view with conveniences and counters, and the
conservation check (every arena page in exactly one place).

Numpy and the allocator's @njit entry points only; nothing here runs in a timed window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from skbbench.errors import ModelError, UsageError
from skbbench.model.machine import MH_VMEMMAP, MH_ZONE, Machine
from skbbench.model.mm_types import (
    MAX_ORDER,
    PAGE_RECORD_WORDS,
    PG_BUDDY,
    PG_COMPOUND_HEAD,
    PG_COUNTERS,
    PG_FLAGS,
    PG_HEAD,
    PG_LRU_NEXT,
    PG_PCP,
    PG_PRIVATE,
    REFCOUNT_SHIFT,
)
from skbbench.model.page_alloc import __alloc_pages_nodemask as _alloc_pages_fn
from skbbench.model.page_alloc import __free_pages_export as _free_pages_fn
from skbbench.model.page_alloc import (
    alloc_pages_bulk_array,
    alloc_pages_bulk_list,
    drain_pages,
    free_hot_cold_page,
    get_page,
    page_count,
    page_ref_count,
    page_ref_inc,
    page_ref_sub_and_test,
    put_page,
)
from skbbench.model.page_alloc_layout import (
    BAD_COUNT,
    BAD_FLAGS,
    BAD_MAPCOUNT,
    ERR_NONE,
    ERROR_TEXT,
    FA_NR_FREE,
    FA_WORDS,
    PA_STAT_STRIDE,
    PA_STATS,
    PCP_COUNT,
    PCP_LIST,
    PCP_WORDS,
    Z_BATCH,
    Z_ERR,
    Z_ERR_AUX,
    Z_ERR_CPU,
    Z_ERR_PFN,
    Z_FREE_AREA,
    Z_HIGH,
    Z_NR_FREE_PAGES,
    Z_PCP_BASE,
    Z_STAT_BASE,
)


@dataclass
class PageAllocator:
    """Python view of the page allocator of a machine: conveniences, state and counters."""

    machine: Machine

    @property
    def s(self) -> np.ndarray:
        return self.machine.s

    @property
    def zone(self) -> int:
        z = int(self.s[MH_ZONE])
        if z == 0:
            raise UsageError("this machine has no page allocator (page_alloc_create)")
        return z

    @property
    def nr_cpus(self) -> int:
        return self.machine.nr_cpus

    @property
    def batch(self) -> int:
        return int(self.s[self.zone + Z_BATCH])

    @property
    def high(self) -> int:
        return int(self.s[self.zone + Z_HIGH])

    # ---- argument checks ----------------------------------------------------------------

    def _cpu(self, cpu: int) -> int:
        if not 0 <= cpu < self.nr_cpus:
            raise UsageError(f"cpu {cpu}: the machine has simulated CPUs 0..{self.nr_cpus - 1}")
        return cpu

    def _pfn(self, pfn: int) -> int:
        m = self.machine
        if not m.arena_start_pfn <= pfn < m.arena_end_pfn:
            raise UsageError(
                f"pfn {pfn}: not an arena page ({m.arena_start_pfn}..{m.arena_end_pfn - 1})"
            )
        return pfn

    @staticmethod
    def _order(order: int) -> int:
        if not 0 <= order < MAX_ORDER:
            raise UsageError(f"order {order}: must be 0..{MAX_ORDER - 1} (MAX_ORDER {MAX_ORDER})")
        return order

    # ---- operations (the @njit entry points, then raise on a recorded error) ------------

    def alloc_pages(self, cpu: int, order: int = 0, gfp: int = 0) -> int:
        u64 = np.uint64
        pfn = int(_alloc_pages_fn(self.s, u64(self._cpu(cpu)), u64(gfp), u64(self._order(order))))
        self.raise_if_error()
        return pfn

    def free_pages(self, cpu: int, pfn: int, order: int = 0) -> None:
        u64 = np.uint64
        _free_pages_fn(self.s, u64(self._cpu(cpu)), u64(self._pfn(pfn)), u64(self._order(order)))
        self.raise_if_error()

    def free_hot_cold_page(self, cpu: int, pfn: int, cold: bool) -> None:
        """Drop the last reference (put_page_testzero) and free_hot_cold_page(cold)."""
        self._pfn(pfn)
        if page_ref_sub_and_test(self.s, pfn, 1):
            free_hot_cold_page(self.s, self._cpu(cpu), pfn, cold)
        self.raise_if_error()

    def put_page(self, cpu: int, pfn: int) -> None:
        put_page(self.s, self._cpu(cpu), self._pfn(pfn))
        self.raise_if_error()

    def get_page(self, pfn: int) -> None:
        get_page(self.s, self._pfn(pfn))
        self.raise_if_error()

    def page_ref_inc(self, pfn: int) -> None:
        page_ref_inc(self.s, self._pfn(pfn))

    def page_ref_count(self, pfn: int) -> int:
        return int(page_ref_count(self.s, self._pfn(pfn)))

    def page_count(self, pfn: int) -> int:
        return int(page_count(self.s, self._pfn(pfn)))

    def alloc_bulk_array(self, cpu: int, arr: np.ndarray, nr: int | None = None) -> int:
        if arr.dtype != np.uint64:
            raise UsageError("alloc_pages_bulk_array: the page array must be numpy uint64")
        nr = len(arr) if nr is None else nr
        if not 0 <= nr <= len(arr):
            raise UsageError(f"nr {nr}: the page array has {len(arr)} slots")
        got = int(alloc_pages_bulk_array(self.s, self._cpu(cpu), 0, nr, arr))
        self.raise_if_error()
        return got

    def alloc_bulk_list(self, cpu: int, nr: int) -> list[int]:
        """alloc_pages_bulk_list onto an empty list; the pages, list order (head first)."""
        head = np.zeros(1, dtype=np.uint64)
        added = int(alloc_pages_bulk_list(self.s, self._cpu(cpu), 0, max(nr, 0), head))
        self.raise_if_error()
        pages = walk_bulk_list(self.machine, int(head[0]))
        assert len(pages) == added
        return pages

    def drain(self, cpu: int | None = None) -> None:
        """drain_pages on one CPU, or drain_all_pages."""
        for c in range(self.nr_cpus) if cpu is None else [self._cpu(cpu)]:
            drain_pages(self.s, c)
        self.raise_if_error()

    # ---- state ----------------------------------------------------------------------------

    def nr_free(self, order: int) -> int:
        return int(self.s[self.zone + Z_FREE_AREA + FA_WORDS * self._order(order) + FA_NR_FREE])

    def nr_free_pages(self) -> int:
        """vm_stat[NR_FREE_PAGES]: pages in the buddy lists (not on pcp lists)."""
        return int(self.s[self.zone + Z_NR_FREE_PAGES])

    def free_list(self, order: int) -> list[int]:
        """Head pfns of free_area[order], list order."""
        return _walk(self.s, self.zone + Z_FREE_AREA + FA_WORDS * self._order(order), self)

    def pcp_count(self, cpu: int) -> int:
        return int(self.s[self._pcp(cpu) + PCP_COUNT])

    def pcp_list(self, cpu: int) -> list[int]:
        """pfns on cpu's pcp list, head (hot) first."""
        return _walk(self.s, self._pcp(cpu) + PCP_LIST, self)

    def _pcp(self, cpu: int) -> int:
        return int(self.s[self.zone + Z_PCP_BASE]) + self._cpu(cpu) * PCP_WORDS

    def error(self) -> str | None:
        """The first recorded model error as one line, or None."""
        z = self.zone
        code = int(self.s[z + Z_ERR])
        if code == ERR_NONE:
            return None
        pfn, cpu, aux = (int(self.s[z + w]) for w in (Z_ERR_PFN, Z_ERR_CPU, Z_ERR_AUX))
        reasons = [
            text
            for bit, text in (
                (BAD_MAPCOUNT, "nonzero mapcount"),
                (BAD_COUNT, "nonzero _count"),
                (BAD_FLAGS, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set"),
            )
            if aux & bit
        ]
        text = ERROR_TEXT.get(code, "model error").format(aux=aux, aux_free=", ".join(reasons))
        return f"page allocator: pfn {pfn} (cpu {cpu}): {text}"

    def raise_if_error(self) -> None:
        msg = self.error()
        if msg is not None:
            raise ModelError(msg)

    # ---- counters ---------------------------------------------------------------------------

    def _stat_block(self) -> np.ndarray:
        base = int(self.s[self.zone + Z_STAT_BASE])
        return self.s[base : base + PA_STAT_STRIDE * self.nr_cpus].reshape(
            self.nr_cpus, PA_STAT_STRIDE
        )

    def stats(self, cpu: int | None = None) -> dict[str, int]:
        """Per-CPU counters by name (summed over CPUs when cpu is None)."""
        block = self._stat_block()
        row = block.sum(axis=0) if cpu is None else block[self._cpu(cpu)]
        return {name: int(row[i]) for i, name in enumerate(PA_STATS)}

    def reset_stats(self) -> None:
        self._stat_block()[:] = 0

    def counters(self) -> dict[str, Any]:
        """Everything a result reports: counters, free pages per order, pcp counts."""
        return {
            "page_alloc_stats": self.stats(),
            "nr_free_pages": self.nr_free_pages(),
            "nr_free": {str(o): self.nr_free(o) for o in range(MAX_ORDER)},
            "pcp_count": [self.pcp_count(c) for c in range(self.nr_cpus)],
            "pcp_high": self.high,
            "pcp_batch": self.batch,
        }


def _walk(s: np.ndarray, head: int, pa: PageAllocator) -> list[int]:
    """pfns of a list_head list (bounded: a corrupt list raises ModelError)."""
    vmemmap = int(s[MH_VMEMMAP])
    out: list[int] = []
    entry = int(s[head])
    limit = pa.machine.arena_pfns + 1
    while entry != head:
        if len(out) >= limit or entry == 0:
            raise ModelError(f"page allocator: corrupt list at word {head}")
        out.append((entry - vmemmap - PG_LRU_NEXT) // PAGE_RECORD_WORDS)
        entry = int(s[entry])
    return out


def walk_bulk_list(machine: Machine, head_pfn: int) -> list[int]:
    """The pages of an alloc_pages_bulk_list list (head pfn, then lru.next pfn links)."""
    out: list[int] = []
    pfn = head_pfn
    while pfn:
        if len(out) > machine.arena_pfns:
            raise ModelError("alloc_pages_bulk_list: list has a cycle")
        out.append(pfn)
        pfn = int(machine.s[machine.record(pfn) + PG_LRU_NEXT])
    return out


def page_state_name(machine: Machine, pfn: int) -> str:
    """A short description of a page's record (for messages)."""
    r = machine.record(pfn)
    s = machine.s
    return (
        f"flags={int(s[r + PG_FLAGS]):#x} count={int(s[r + PG_COUNTERS]) >> 32} "
        f"private={int(s[r + PG_PRIVATE])} ch={int(s[r + PG_COMPOUND_HEAD]):#x}"
    )


def check_page_allocator(
    machine: Machine, held: list[tuple[int, int]] | None = None
) -> dict[str, int]:
    """Conservation check (quiescent machine): every arena page is exactly one of
    {in one buddy block on the list of its order, on one pcp list, allocated (refcount > 0,
    or a tail of an allocated compound page, or inside a ``held`` non-compound block
    (pfn, order) -- the kernel records their order nowhere)}. Raises ModelError naming the
    first violation; returns page counts by state."""
    pa = PageAllocator(machine)
    pa.raise_if_error()
    s = machine.s
    z = pa.zone
    start, n = machine.arena_start_pfn, machine.arena_pfns
    recs = s[int(s[MH_VMEMMAP]) :][: (start + n) * PAGE_RECORD_WORDS]
    recs = recs.reshape(-1, PAGE_RECORD_WORDS)[start:]
    flags = recs[:, PG_FLAGS]
    counters = recs[:, PG_COUNTERS]
    refcount = counters >> np.uint64(REFCOUNT_SHIFT)
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 buddy, 2 pcp, 3 allocated
    where = ["", "a buddy block", "a pcp list", "an allocation"]

    def fail(pfn: int, what: str) -> None:
        raise ModelError(
            f"page allocator check: pfn {pfn}: {what} [{page_state_name(machine, pfn)}]"
        )

    def claim(pfn: int, st: int) -> None:
        i = pfn - start
        if not 0 <= i < n:
            fail(pfn, "outside the arena")
        if state[i]:
            fail(pfn, f"in {where[st]} and in {where[state[i]]}")
        state[i] = st

    buddy_pages = 0
    for order in range(MAX_ORDER):
        head = z + Z_FREE_AREA + FA_WORDS * order
        prev = head
        count = 0
        for pfn in _walk(s, head, pa):
            lru = machine.record(pfn) + PG_LRU_NEXT
            if int(s[lru + 1]) != prev:
                fail(pfn, f"free_area[{order}] list: lru.prev does not point back")
            prev = lru
            i = pfn - start
            if not 0 <= i < n:
                fail(pfn, f"on free_area[{order}] but outside the arena")
            if not int(flags[i]) & PG_BUDDY or int(flags[i]) & ~PG_BUDDY:
                fail(pfn, f"on free_area[{order}] without exactly PG_buddy")
            if int(recs[i, PG_PRIVATE]) != order:
                fail(pfn, f"on free_area[{order}] with page_private {int(recs[i, PG_PRIVATE])}")
            if pfn & ((1 << order) - 1) or i + (1 << order) > n:
                fail(pfn, f"order-{order} block misaligned or past the zone end")
            if int(counters[i]) != 0:
                fail(pfn, "free block head with nonzero counters")
            for p in range(pfn, pfn + (1 << order)):
                claim(p, 1)
                if p != pfn and (int(flags[p - start]) or int(counters[p - start])):
                    fail(p, "inside a free block but its flags/counters are not clear")
            count += 1
            buddy_pages += 1 << order
        if int(s[head + 1]) != prev:
            raise ModelError(
                f"page allocator check: free_area[{order}] list: head.prev is not the last entry"
            )
        if count != pa.nr_free(order):
            raise ModelError(
                f"page allocator check: free_area[{order}].nr_free {pa.nr_free(order)} "
                f"but {count} blocks on the list"
            )
    if buddy_pages != pa.nr_free_pages():
        raise ModelError(
            f"page allocator check: NR_FREE_PAGES {pa.nr_free_pages()} but {buddy_pages} "
            f"pages in the buddy lists"
        )
    pcp_pages = 0
    for cpu in range(pa.nr_cpus):
        pages = pa.pcp_list(cpu)
        for pfn in pages:
            claim(pfn, 2)
            i = pfn - start
            if int(flags[i]) != PG_PCP:
                fail(pfn, f"on cpu {cpu}'s pcp list with flags other than the pcp mark")
            if int(counters[i]) != 0:
                fail(pfn, f"on cpu {cpu}'s pcp list with nonzero counters")
        if len(pages) != pa.pcp_count(cpu):
            raise ModelError(
                f"page allocator check: cpu {cpu} pcp count {pa.pcp_count(cpu)} but "
                f"{len(pages)} pages on its list"
            )
        pcp_pages += len(pages)
    for pfn, order in held or []:
        i = pfn - start
        if not 0 <= i < n or int(refcount[i]) == 0 or int(flags[i]) & PG_HEAD:
            fail(pfn, "declared held but not an allocated non-compound block head")
        for p in range(pfn + 1, pfn + (1 << order)):
            claim(p, 3)
    allocated = 0
    for idx in np.flatnonzero((state == 0) & (refcount > 0)):
        i = int(idx)
        pfn = start + int(i)
        claim(pfn, 3)
        allocated += 1
        f = int(flags[i])
        if f & (PG_BUDDY | PG_PCP):
            fail(pfn, "allocated (refcount > 0) but marked free")
        if f & PG_HEAD:
            order = int(recs[i, PG_COMPOUND_HEAD]) >> 1
            if int(i) + (1 << order) > n:
                fail(pfn, f"compound order {order} runs past the zone end")
            for p in range(pfn + 1, pfn + (1 << order)):
                j = p - start
                if int(recs[j, PG_COMPOUND_HEAD]) != (pfn << 1) | 1:
                    fail(p, f"tail of compound {pfn} without compound_head")
                if int(refcount[j]):
                    fail(p, "tail page with nonzero refcount")
                claim(p, 3)
    lost = np.flatnonzero(state == 0)
    if len(lost):
        pfn = start + int(lost[0])
        fail(pfn, f"lost: on no free list and not allocated ({len(lost)} such pages)")
    return {
        "buddy": buddy_pages,
        "pcp": pcp_pages,
        "allocated": int((state == 3).sum()),
        "allocations": allocated,
    }
