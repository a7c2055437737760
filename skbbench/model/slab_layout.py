"""SLAB (v4.6 mm/slab.c) geometry and the layout of its state in the machine array.

Numpy only (no numba): the sizing functions of ``__kmem_cache_create`` and
``enable_cpucache`` (pure Python, as the kernel computes them once at cache creation),
the kernel constants, and the word offsets of the kmem_cache header (machine words
0..47), the per-CPU ``array_cache``, the ``kmem_cache_node``, the shared and alien
arrays. docs/slab.md explains the defaults and where they come from.
"""

from __future__ import annotations

import numpy as np

from skbbench.errors import ModelParameterError
from skbbench.model.mm_types import PAGE_SIZE

# --------------------------------------------------------------------------------------
# Kernel constants (v4.6)

BATCHREFILL_LIMIT = 16  # cache_alloc_refill: refill at most 16 while !ac->touched
SLAB_MAX_ORDER_HI = 1  # slab_max_order on machines with > 32 MB (kmem_cache_init)
KMALLOC_MAX_ORDER = 10  # KMALLOC_SHIFT_HIGH (22) - PAGE_SHIFT
FREELIST_IDX_BYTES = 1  # freelist_idx_t = unsigned char (FREELIST_BYTE_INDEX on 4 KiB pages)
SLAB_OBJ_MAX_NUM = (1 << (8 * FREELIST_IDX_BYTES)) - 1  # 255
SLAB_OBJ_MIN_SIZE = 16  # min(KMALLOC_MIN_SIZE = 32, 16)
BYTES_PER_WORD = 8
CACHE_LINE = 64  # cache_line_size(): colour_off
ALIEN_LIMIT = 12  # alloc_alien_cache: limit 12 when the cache limit is > 1
BATCH_POISON = 0xBAADF00D  # batchcount of shared and alien arrays (never used)
REAPTIMEOUT_AC_S = 2  # cache_reap runs every 2 s per CPU ...
REAPTIMEOUT_NODE_S = 4  # ... and touches a node's shared array / free slabs every 4 s
MAX_OBJECT_SIZE = PAGE_SIZE << 3  # the model's bound (as SLUB's): up to order-3 objects

# cachep->flags bits of the slab management type (CFLGS_*), model values.
CFLGS_OBJFREELIST_SLAB = 1 << 0  # the freelist index array lives in a free object
CFLGS_OFF_SLAB = 1 << 1  # ... in a kmalloc'ed object (not modelled: needs a ctor cache)

# --------------------------------------------------------------------------------------
# The kmem_cache header: machine words 0..47

K_MAGIC = 0
K_NUM = 1  # cachep->num: objects per slab
K_SIZE = 2  # cachep->size: object stride
K_OBJECT_SIZE = 3
K_GFPORDER = 4
K_LIMIT = 5  # per-CPU array_cache limit, batchcount, shared factor (enable_cpucache)
K_BATCHCOUNT = 6
K_SHARED = 7
K_COLOUR_OFF = 8
K_COLOUR = 9
K_CFLAGS = 10  # CFLGS_OBJFREELIST_SLAB or 0 (on-slab freelist at the end of the slab)
K_FREELIST_SIZE = 11  # num * sizeof(freelist_idx_t)
K_RECIP_M = 12  # reciprocal_buffer_size: m, sh1, sh2 (obj_to_index)
K_RECIP_SH1 = 13
K_RECIP_SH2 = 14
K_CACHE_ID = 15  # page->slab_cache of this cache's slabs
K_NR_NODES = 16
K_CPU_BASE = 17  # word of CPU 0's array_cache (cpu_cache_get)
K_AC_STRIDE = 18
K_INFO_BASE = 19  # word of CPU 0's per-CPU info record (numa_mem_id, reap node, list)
K_NODE_BASE = 20  # word of node 0's kmem_cache_node
K_STAT_BASE = 21  # per-CPU counter rows
K_DBG_BASE = 23  # check mode: per-object state words (0 = no check mode)
K_DBG_SLOTS = 24
K_EPOCH = 25  # check mode: validation generation
K_ARENA_START = 26  # byte address of the first arena page
K_ARENA_END = 27
K_ERR = 28  # first violation: code, object, cpu, aux, operation
K_ERR_OBJ = 29
K_ERR_CPU = 30
K_ERR_AUX = 31
K_ERR_OP = 32
K_NUM_ACTIVE = 33  # STATS gauges kept in the cache (under a node's list_lock, as v4.6)
K_HIGH_MARK = 34
K_MAX_FREEABLE = 35
K_NR_CPUS = 36
K_ALIEN_LIMIT = 37
K_SHARED_MACHINE = 38  # 1: other users take pages from this machine (no whole-arena check)
KMEM_CACHE_WORDS = 48
SLAB_MAGIC = 0x534C4142_00040600  # "SLAB" v4.6

# struct array_cache: avail, limit, batchcount, touched (unsigned ints widened to words),
# then entry[limit].
AC_AVAIL = 0
AC_LIMIT = 1
AC_BATCHCOUNT = 2
AC_TOUCHED = 3
AC_ENTRY = 4
# struct alien_cache: lock, then the array_cache.
ALIEN_LOCK = 0
ALIEN_AC = 1

# Per-CPU info record (the kernel's per-cpu variables and the on-stack LIST_HEAD).
CI_NODE = 0  # numa_mem_id()
CI_REAP_NODE = 1  # slab_reap_node
CI_LIST = 2  # LIST_HEAD(list) of slabs to destroy (2 words: next, prev)
INFO_WORDS = 8

# struct kmem_cache_node (SLAB part); list heads are (next, prev) word pairs.
N_LIST_LOCK = 0
N_SLABS_PARTIAL = 2
N_SLABS_FULL = 4
N_SLABS_FREE = 6
N_FREE_OBJECTS = 8
N_FREE_LIMIT = 9
N_COLOUR_NEXT = 10
N_SHARED = 11  # word of the shared array_cache (0 = none)
N_ALIEN = 12  # word of alien[nr_nodes] (words of alien_cache records; 0 = none)
N_NEXT_REAP = 13
N_FREE_TOUCHED = 14
N_TOTAL_SLABS = 15  # model bookkeeping (v4.10's total_slabs / free_slabs): no list walks
N_FREE_SLABS = 16
NODE_WORDS = 24

# page->flags: the node of a slab page, as the kernel keeps it in the top bits.
PG_NODE_SHIFT = 56

# --------------------------------------------------------------------------------------
# Counters: STATS of v4.6 (CONFIG_DEBUG_SLAB's kmem_cache fields), same names, plus
# model events. Per-CPU rows (the kernel keeps one global set; summed on read).

STAT_ITEMS = (
    "num_allocations",
    "grown",
    "reaped",
    "errors",
    "node_allocs",
    "node_frees",
    "node_overflow",
    "allochit",
    "allocmiss",
    "freehit",
    "freemiss",
)
# Gauges kept in the kmem_cache header (STATS_INC/DEC_ACTIVE, STATS_SET_HIGH/FREEABLE).
STAT_GAUGES = ("num_active", "high_mark", "max_freeable")
MODEL_EVENTS = (
    "list_lock",
    "alien_lock",
    "irq_disable_enable",
    "irq_save_restore",
    "page_alloc",
    "page_free",
    "slabs_destroyed",
    "refill_from_shared",
    "refill_from_slabs",
    "flush_to_shared",
    "flush_free_block",
    "free_block_objects",
    "bulk_alloc_objects",
    "bulk_free_objects",
)
STAT_STRIDE = 32

# Error codes and operations (check mode).
ERR_NONE = 0
ERR_DOUBLE_FREE = 1
ERR_FOREIGN = 2
ERR_INVARIANT = 3
ERR_HANDED_TWICE = 4
OP_NAMES = {
    1: "kmem_cache_alloc",
    2: "kmem_cache_free",
    3: "kmem_cache_alloc_bulk",
    4: "kmem_cache_free_bulk",
    5: "drain",
    6: "validate",
    7: "cache_reap",
}
INVARIANTS = {
    1: "array cache entry is not an object of this cache",
    2: "object in two places (array caches / slab free index lists)",
    3: "object is handed out and also cached or free",
    4: "object lost: neither handed out, cached nor free in its slab",
    5: "slab on the wrong list for its page->active",
    6: "free_objects does not match the slabs' free objects",
    7: "page->freelist does not match page->active (OBJFREELIST)",
    8: "array cache avail above its limit",
    9: "slab count does not match the node lists / the page allocator",
    10: "slab list links corrupt",
    11: "free index list entry out of range",
}


# --------------------------------------------------------------------------------------
# Sizing (Python, once per cache)


def calculate_alignment(object_size: int, hwcache_align: bool = True) -> int:
    """calculate_alignment (mm/slab_common.c) for SLAB_HWCACHE_ALIGN and no caller align."""
    align = BYTES_PER_WORD
    if hwcache_align:
        ralign = CACHE_LINE
        while object_size <= ralign // 2:
            ralign //= 2
        align = max(align, ralign)
    return (align + BYTES_PER_WORD - 1) // BYTES_PER_WORD * BYTES_PER_WORD


def cache_size(object_size: int, align: int) -> int:
    """__kmem_cache_create: the object stride (word-rounded, aligned, >= SLAB_OBJ_MIN_SIZE)."""
    size = (object_size + BYTES_PER_WORD - 1) & ~(BYTES_PER_WORD - 1)
    size = (size + align - 1) // align * align
    if size < SLAB_OBJ_MIN_SIZE:  # byte-sized freelist index: at most 255 objects
        size = (SLAB_OBJ_MIN_SIZE + align - 1) // align * align
    return size


def cache_estimate(gfporder: int, size: int, cflags: int) -> tuple[int, int]:
    """cache_estimate: (objects per slab, left-over bytes) for a slab of ``gfporder``."""
    slab_size = PAGE_SIZE << gfporder
    if cflags & (CFLGS_OBJFREELIST_SLAB | CFLGS_OFF_SLAB):
        return slab_size // size, slab_size % size
    per = size + FREELIST_IDX_BYTES  # on-slab: one freelist_idx_t per object at the end
    return slab_size // per, slab_size % per


def calculate_slab_order(
    size: int, cflags: int, slab_max_order: int = SLAB_MAX_ORDER_HI
) -> tuple[int, int, int]:
    """calculate_slab_order: (gfporder, num, left_over); num 0 when nothing fits.

    The first order with at most 1/8 left over, stopping at ``slab_max_order``
    (1 on machines with more than 32 MB)."""
    num = order = left_over = 0
    for gfporder in range(KMALLOC_MAX_ORDER + 1):
        n, remainder = cache_estimate(gfporder, size, cflags)
        if not n:
            continue
        if n > SLAB_OBJ_MAX_NUM:  # can't handle more objects than a byte index names
            break
        num, order, left_over = n, gfporder, remainder
        if gfporder >= slab_max_order:
            break
        if left_over * 8 <= (PAGE_SIZE << gfporder):  # acceptable internal fragmentation
            break
    return order, num, left_over


def slab_management(size: int, object_size: int) -> tuple[int, int, int, int]:
    """__kmem_cache_create's choice for a cache without ctor or RCU:
    set_objfreelist_slab_cache, else (off-slab never wins without a ctor, see docs)
    set_on_slab_cache. Returns (cflags, gfporder, num, colour)."""
    order, num, left = calculate_slab_order(size, CFLGS_OBJFREELIST_SLAB)
    if num and num * FREELIST_IDX_BYTES <= object_size:
        return CFLGS_OBJFREELIST_SLAB, order, num, left // CACHE_LINE
    order, num, left = calculate_slab_order(size, 0)
    if not num:
        raise ModelParameterError(f"object size {object_size}: no slab order fits it (E2BIG)")
    return 0, order, num, left // CACHE_LINE


def enable_cpucache_limits(size: int, nr_cpus: int) -> tuple[int, int, int]:
    """enable_cpucache (no DEBUG): (limit, batchcount, shared) for object stride ``size``."""
    if size > 131072:
        limit = 1
    elif size > PAGE_SIZE:
        limit = 8
    elif size > 1024:
        limit = 24
    elif size > 256:
        limit = 54
    else:
        limit = 120
    shared = 8 if size <= PAGE_SIZE and nr_cpus > 1 else 0
    return limit, (limit + 1) // 2, shared


def free_limit(nr_cpus_node: int, batchcount: int, num: int) -> int:
    """setup_kmem_cache_node: n->free_limit = (1 + nr_cpus_node) * batchcount + num."""
    return (1 + nr_cpus_node) * batchcount + num


def reciprocal_value(d: int) -> tuple[int, int, int]:
    """reciprocal_value (lib/reciprocal_div.c, v4.6): (m, sh1, sh2) for dividing by d."""
    l_ = (d - 1).bit_length()  # fls(d - 1)
    m = ((1 << 32) * ((1 << l_) - d)) // d + 1
    return m & 0xFFFFFFFF, min(l_, 1), max(l_ - 1, 0)


def reciprocal_divide(a: int, r: tuple[int, int, int]) -> int:
    """reciprocal_divide: a / d with the (m, sh1, sh2) of reciprocal_value(d)."""
    m, sh1, sh2 = r
    t = (a * m) >> 32
    return (t + ((a - t) >> sh1)) >> sh2


def cpu_to_node(cpu: int, nr_cpus: int, nr_nodes: int) -> int:
    """The model's CPU numbering: contiguous blocks, CPUs 0..k-1 on node 0, k.. on node 1."""
    per = -(-nr_cpus // nr_nodes)
    return cpu // per


def ac_words(limit: int) -> int:
    """Words of an array_cache of ``limit`` entries, rounded to a cache line."""
    return -(-(AC_ENTRY + limit) // 8) * 8


U = np.uint64  # shorthand for the jitted modules' constants
