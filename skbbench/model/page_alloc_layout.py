"""Layout of the v4.6 page allocator's zone region (word offsets from ``s[MH_ZONE]``; 8
words = one cache line), its per-CPU pageset, its event counters and its model errors.
numpy only: the specs, the views and the C rendering read it; ``page_alloc`` runs on it.
"""

from __future__ import annotations

import numpy as np

from skbbench.model.mm_types import PG_BUDDY, PG_PCP, PG_SLAB

# --------------------------------------------------------------------------------------
# Zone region (word offsets from s[MH_ZONE]; 8 words = one cache line)

Z_LOCK = 0  # zone->lock
Z_FREE_AREA = 8  # free_area[o] at Z_FREE_AREA + FA_WORDS * o: {free_list.next, .prev, nr_free}
FA_WORDS = 4
FA_NR_FREE = 2
Z_NR_FREE_PAGES = 56  # vm_stat[NR_FREE_PAGES] (own line; written under zone->lock)
Z_MAGIC = 64  # read-mostly zone fields from here
Z_START_PFN = 65  # zone_start_pfn
Z_SPANNED = 66  # spanned_pages (= the arena)
Z_MANAGED = 67  # managed_pages
Z_WMARK_MIN = 68  # watermark[WMARK_MIN]
Z_WMARK_LOW = 69
Z_WMARK_HIGH = 70
Z_NR_CPUS = 71
Z_PCP_BASE = 72  # word index of pageset[0] (one line per CPU)
Z_STAT_BASE = 73  # word index of the counters of CPU 0
Z_BATCH = 74  # pcp batch / high chosen at creation
Z_HIGH = 75
Z_ERR = 80  # first model error: code, pfn, cpu, aux (own line)
Z_ERR_PFN = 81
Z_ERR_CPU = 82
Z_ERR_AUX = 83
ZONE_WORDS = 88
ZONE_MAGIC = 0x5A4F4E45_00040600  # "ZONE" v4.6

# struct per_cpu_pages (one line per CPU): count, high, batch, lists[0] {next, prev}
PCP_WORDS = 8
PCP_COUNT = 0
PCP_HIGH = 1
PCP_BATCH = 2
PCP_LIST = 3

# Per-CPU counters (vm_event names where the kernel has one; model events otherwise).
PA_STATS = (
    "pgalloc",  # PGALLOC: pages allocated (1 << order per allocation)
    "pgfree",  # PGFREE: pages freed
    "alloc_fail",  # allocations that returned NULL
    "pcp_alloc",  # order-0 pages taken from a pcp list
    "pcp_hit",  # ... of which the list was not empty (no rmqueue_bulk needed)
    "pcp_free",  # order-0 pages freed onto a pcp list
    "rmqueue_bulk",  # pcp refills (calls)
    "rmqueue_bulk_pages",  # pages moved buddy -> pcp
    "free_pcppages_bulk",  # pcp drains (calls)
    "free_pcppages_bulk_pages",  # pages moved pcp -> buddy
    "rmqueue_order_n",  # order > 0 allocations from the buddy lists (buffered_rmqueue)
    "free_one_page",  # order > 0 frees to the buddy lists (__free_pages_ok)
    "zone_lock",  # zone->lock acquisitions
    "irq_save_restore",  # local_irq_save/restore pairs charged
    "buddy_split",  # expand(): halves put back on a free list
    "buddy_merge",  # __free_one_page(): merges with a free buddy
    "alloc_bulk",  # __alloc_pages_bulk calls
    "alloc_bulk_pages",  # pages taken by its pcp batch loop
    "alloc_bulk_fallback",  # ... calls that took the single-page allocator
    "compound_prep",  # prep_compound_page calls
)
PA_STAT_STRIDE = 24
(
    ST_PGALLOC,
    ST_PGFREE,
    ST_ALLOC_FAIL,
    ST_PCP_ALLOC,
    ST_PCP_HIT,
    ST_PCP_FREE,
    ST_RMQUEUE_BULK,
    ST_RMQUEUE_BULK_PAGES,
    ST_FREE_PCPPAGES_BULK,
    ST_FREE_PCPPAGES_BULK_PAGES,
    ST_RMQUEUE_ORDER_N,
    ST_FREE_ONE_PAGE,
    ST_ZONE_LOCK,
    ST_IRQSAVE,
    ST_SPLIT,
    ST_MERGE,
    ST_ALLOC_BULK,
    ST_ALLOC_BULK_PAGES,
    ST_ALLOC_BULK_FALLBACK,
    ST_COMPOUND_PREP,
) = (np.uint64(i) for i in range(len(PA_STATS)))
assert len(PA_STATS) <= PA_STAT_STRIDE

# Model errors (first one recorded in Z_ERR; the Python side raises ModelError).
ERR_NONE = 0
ERR_REF_UNDERFLOW = 1  # put_page_testzero / page_ref_sub_and_test below zero
ERR_BAD_FREE = 2  # free_pages_check failed (bad_page)
ERR_BAD_ALLOC = 3  # check_new_page failed (bad_page)
ERR_TAIL = 4  # free_tail_pages_check: compound_head not consistent
ERR_ORDER = 5  # freed with an order other than the compound order
ERR_GET_FREE = 6  # get_page of a page whose refcount is 0
ERR_RANGE = 7  # pfn outside the zone (bad_range)
ERROR_TEXT = {
    ERR_REF_UNDERFLOW: "refcount underflow: the page's refcount was {aux} (put_page_testzero)",
    ERR_BAD_FREE: "bad page at free (free_pages_check): {aux_free}",
    ERR_BAD_ALLOC: "bad page at alloc (check_new_page): counters/flags not clear ({aux:#x})",
    ERR_TAIL: "tail page's compound_head is not its head {aux} (free_tail_pages_check)",
    ERR_ORDER: "freed with an order other than its compound order {aux}",
    ERR_GET_FREE: "get_page of a page with refcount 0",
    ERR_RANGE: "pfn outside the zone (bad_range)",
}
BAD_MAPCOUNT = 1
BAD_COUNT = 2
BAD_FLAGS = 4

ALLOC_WMARK_MIN = 0
ALLOC_WMARK_LOW = 1

# PAGE_FLAGS_CHECK_AT_FREE (model flags a page may not carry when freed)
CHECK_AT_FREE = PG_SLAB | PG_BUDDY | PG_PCP
