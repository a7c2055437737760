"""Creating the v4.6 page allocator of a machine: zone and per-CPU list sizing as the
kernel computes it (zone_batchsize, pageset_set_batch), the zone's regions in the meta
area, and the boot-time free of the arena into the buddy lists (__free_pages_memory).
The allocator itself is skbbench.model.page_alloc; docs/page_alloc.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from skbbench.errors import ModelError, UsageError
from skbbench.model.machine import MH_ZONE, U_MH_ZONE, CostIters, Machine, create_machine
from skbbench.model.mm_types import MAX_ORDER
from skbbench.model.page_alloc import (
    free_one_page,
)
from skbbench.model.page_alloc_layout import (
    ERR_NONE,
    FA_WORDS,
    PA_STAT_STRIDE,
    PCP_BATCH,
    PCP_HIGH,
    PCP_LIST,
    PCP_WORDS,
    Z_BATCH,
    Z_ERR,
    Z_FREE_AREA,
    Z_HIGH,
    Z_MAGIC,
    Z_MANAGED,
    Z_NR_CPUS,
    Z_PCP_BASE,
    Z_SPANNED,
    Z_START_PFN,
    Z_STAT_BASE,
    Z_WMARK_HIGH,
    Z_WMARK_LOW,
    Z_WMARK_MIN,
    ZONE_MAGIC,
    ZONE_WORDS,
)

_0 = np.uint64(0)
_1 = np.uint64(1)
_MAXO_1 = np.uint64(MAX_ORDER - 1)


# --------------------------------------------------------------------------------------
# Boot: free the arena into the buddy lists


@njit(nogil=True, cache=True, _nrt=False)
def __free_pages_memory(s, start, end):
    # __free_pages_memory: largest naturally aligned blocks (<= MAX_ORDER - 1) of
    # [start, end), each handed to the buddy lists (free_one_page, no pcp detour)
    z = s[U_MH_ZONE]
    start = np.uint64(start)
    end = np.uint64(end)
    blocks = _0
    while start < end:
        order = _MAXO_1
        while order > _0 and (start & ((_1 << order) - _1)) != _0:  # min(MAX_ORDER-1, __ffs)
            order -= _1
        while start + (_1 << order) > end:
            order -= _1
        free_one_page(s, z, _0, start, order)
        start += _1 << order
        blocks += _1
    return blocks


def zone_batchsize(managed_pages: int, page_size: int = 4096) -> int:
    """zone_batchsize (v4.6): ~1/1024 of the zone, at most 512 KiB, /4, then 2^n - 1."""
    batch = managed_pages // 1024
    if batch * page_size > 512 * 1024:
        batch = (512 * 1024) // page_size
    batch //= 4
    if batch < 1:
        batch = 1
    b = batch + batch // 2
    return (1 << (b.bit_length() - 1)) - 1  # rounddown_pow_of_two(b) - 1


def pageset_high_batch(batch: int) -> tuple[int, int]:
    """pageset_set_batch: high = 6 * batch, batch = max(1, batch)."""
    return 6 * batch, max(1, batch)


# A zone of 512 MiB or more gives batch 31 / high 186; the machines behind the published
# figures had zones of several GiB. The arena only holds the pages a benchmark needs.
DEFAULT_BATCH_ZONE_PAGES = 1 << 20  # 4 GiB of 4 KiB pages
DEFAULT_EXTRA_META_WORDS = 1 << 16  # room for other models' regions (page_pool, rings)


def page_alloc_words(nr_cpus: int) -> int:
    """Meta-area words the zone region needs for ``nr_cpus`` CPUs (plus alignment)."""
    return ZONE_WORDS + nr_cpus * (PCP_WORDS + PA_STAT_STRIDE) + 8


def page_alloc_create(
    machine: Machine,
    pcp_batch: int | None = None,
    pcp_high: int | None = None,
    batch_zone_pages: int = DEFAULT_BATCH_ZONE_PAGES,
    watermark_min: int = 0,
) -> int:
    """Create the zone in ``machine``'s meta area and free every arena page into the buddy
    lists. ``pcp_batch``/``pcp_high`` default to zone_batchsize(``batch_zone_pages``)
    (31/186); ``watermark_min`` (pages, default 0: no reserve) sets min/low/high as
    min, min + min/4, min + min/2. Returns the zone's word index (also in MH_ZONE);
    :class:`skbbench.model.page_alloc_view.PageAllocator` views it."""
    s = machine.s
    if int(s[MH_ZONE]) != 0:
        raise UsageError("this machine already has a page allocator")
    if batch_zone_pages < 1:
        raise UsageError(f"batch_zone_pages {batch_zone_pages}: must be at least 1")
    high, batch = pageset_high_batch(zone_batchsize(batch_zone_pages))
    if pcp_batch is not None:
        batch = int(pcp_batch)
        if pcp_high is None:
            high = 6 * batch
    if pcp_high is not None:
        high = int(pcp_high)
    if batch < 1 or high < 0 or (high < batch and batch != 1):
        raise UsageError(f"pcp high {high} / batch {batch}: need batch >= 1 and high >= batch")
    if watermark_min < 0:
        raise UsageError(f"watermark_min {watermark_min}: must be >= 0")
    nr = machine.nr_cpus
    z = machine.reserve(ZONE_WORDS, align=8)
    pcp_base = machine.reserve(nr * PCP_WORDS, align=8)
    stat_base = machine.reserve(nr * PA_STAT_STRIDE, align=8, counters=True)
    s[z + Z_MAGIC] = ZONE_MAGIC
    s[z + Z_START_PFN] = machine.arena_start_pfn
    s[z + Z_SPANNED] = machine.arena_pfns
    s[z + Z_MANAGED] = machine.arena_pfns
    s[z + Z_WMARK_MIN] = watermark_min
    s[z + Z_WMARK_LOW] = watermark_min + watermark_min // 4
    s[z + Z_WMARK_HIGH] = watermark_min + watermark_min // 2
    s[z + Z_NR_CPUS] = nr
    s[z + Z_PCP_BASE] = pcp_base
    s[z + Z_STAT_BASE] = stat_base
    s[z + Z_BATCH] = batch
    s[z + Z_HIGH] = high
    for o in range(MAX_ORDER):
        head = z + Z_FREE_AREA + FA_WORDS * o
        s[head] = s[head + 1] = head  # INIT_LIST_HEAD
    for cpu in range(nr):
        p = pcp_base + cpu * PCP_WORDS
        s[p + PCP_HIGH] = high
        s[p + PCP_BATCH] = batch
        s[p + PCP_LIST] = s[p + PCP_LIST + 1] = p + PCP_LIST
    s[MH_ZONE] = z
    __free_pages_memory(s, machine.arena_start_pfn, machine.arena_end_pfn)
    s[stat_base : stat_base + nr * PA_STAT_STRIDE] = 0  # boot frees are not counted
    if int(s[z + Z_ERR]) != ERR_NONE:
        raise ModelError("page allocator: boot left an error recorded")
    return z


def new_machine(
    nr_pages: int,
    nr_cpus: int,
    profile: str = "published",
    meta_words: int | None = None,
    arena_align_order: int = MAX_ORDER - 1,
    costs: CostIters | None = None,
    **page_alloc_options: Any,
) -> Machine:
    """A machine of ``nr_pages`` arena pages and ``nr_cpus`` simulated CPUs with a page
    allocator (``page_alloc_view.PageAllocator`` views it). ``meta_words`` defaults to what the zone
    needs plus DEFAULT_EXTRA_META_WORDS for other models' regions; kernel-only costs come
    from ``profile`` (or ``costs``)."""
    if not isinstance(nr_pages, int) or nr_pages < 1:
        raise UsageError(f"nr_pages {nr_pages}: must be at least 1")
    if not isinstance(nr_cpus, int) or not 1 <= nr_cpus <= 4096:
        raise UsageError(f"cpus {nr_cpus}: the model supports 1..4096 simulated CPUs")
    if costs is None:
        from skbbench.model.costs import cost_iters

        costs = cost_iters(profile)
    if meta_words is None:
        meta_words = page_alloc_words(nr_cpus) + DEFAULT_EXTRA_META_WORDS
    machine = create_machine(nr_pages, nr_cpus, meta_words, costs, arena_align_order)
    page_alloc_create(machine, **page_alloc_options)
    return machine
