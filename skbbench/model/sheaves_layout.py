"""SLUB with per-CPU sheaves and barns (v7.0; v6.18 opt-in): constants, stat items, the
sheaf capacity rule and the words of its state.

Numpy only (no numba): specs, reports and tests may import it. The state lives in a
machine (skbbench.model.machine) like the SLUB model's: the kmem_cache header in words
0..47, per-CPU ``slub_percpu_sheaves`` records, the per-node ``kmem_cache_node`` and
``node_barn`` records, the sheaves themselves, counters and the debug region in the meta
area, the slabs in the arena (from the machine's page allocator). docs/sheaves.md.

Header words shared with the SLUB model (``slub_layout``) keep SLUB's positions, so the
object helpers (free pointer, struct page lookups, the SLUB_DEBUG-like pointer checks)
serve both; the sheaf layer's words are 37..47, which SLUB leaves unused, so the same
sheaf code runs on top of the v4.4 cpu slabs (the v6.18 form) and of the v7.0 slab
layer.
"""

from __future__ import annotations

import numpy as np

from skbbench.model import slub_layout as _slub
from skbbench.model.mm_types import PAGE_SIZE

# --------------------------------------------------------------------------------------
# Constants of the kernel (v7.0 mm/slub.c, docs/sheaves.md)

MAX_FULL_SHEAVES = 10  # node_barn: full sheaves kept (checked racily, where the kernel does)
MAX_EMPTY_SHEAVES = 10  # ... empty sheaves (only rcu_free_sheaf checks it)
PCS_BATCH_MAX = 32  # sheaf_flush_main's on-stack batch; free_to_pcs_bulk's remote[] array
SHEAF_HEADER_BYTES = 32  # struct slab_sheaf without objects[]: union(16), cache, size+node
MIN_PARTIAL = _slub.MIN_PARTIAL
MAX_PARTIAL = _slub.MAX_PARTIAL
NUMA_NO_NODE = (1 << 64) - 1  # -1 as the model's uint64 node argument
E2BIG = 7  # errno values of barn_replace_full_sheaf (returned as small positive codes)
ENOMEM = 12
EBUSY = 16

# kmalloc size classes (KMALLOC_MIN_SIZE 8, the 96 and 192 caches, up to
# KMALLOC_MAX_CACHE_SIZE = 2 pages); larger requests are page allocations
# (kmalloc_size_roundup: PAGE_SIZE << get_order(size)).
KMALLOC_SIZES = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)

# The forms (SH_FORM).
FORM_V70 = 70  # v7.0: sheaves on every cache, no kmem_cache_cpu
FORM_V618 = 618  # v6.18: opt-in sheaves in front of the (v4.4 model's) cpu slabs
FORMS = {"7.0": FORM_V70, "6.18": FORM_V618}

# Bulk variants (the same numbers as model.bulk, so a bench passes one value to any model).
BULK_FALLBACK = 0  # the generic loops of single calls (slab_bulk_test's my__kmem_cache_*)
BULK_BEFORE = 1  # no pre-v4.4 API here: the same as BULK_AFTER
BULK_AFTER = 2  # kmem_cache_alloc_bulk / kmem_cache_free_bulk (sheaves first)
BULK_KFREE = 3  # kfree_bulk = kmem_cache_free_bulk(NULL, ...): the legacy loop, no sheaves
VARIANTS = {
    "fallback": BULK_FALLBACK,
    "before": BULK_BEFORE,
    "after": BULK_AFTER,
    "bulk": BULK_AFTER,
    "kfree_bulk": BULK_KFREE,
}


def kmalloc_size_roundup(size: int) -> int:
    """kmalloc_size_roundup: the size kmalloc(size) really allocates."""
    if size < 1:
        raise ValueError(f"size {size}: must be at least 1")
    for bucket in KMALLOC_SIZES:
        if size <= bucket:
            return bucket
    order = 0
    while (PAGE_SIZE << order) < size:
        order += 1
    return PAGE_SIZE << order


def sheaf_bytes(capacity: int) -> int:
    """struct_size(sheaf, objects, capacity): what __alloc_empty_sheaf kzallocs."""
    return SHEAF_HEADER_BYTES + 8 * capacity


def calculate_sheaf_capacity(size: int, requested: int = 0, debug: bool = False) -> int:
    """calculate_sheaf_capacity (v7.0) for a cache of stride ``size``: 0 for debug (and
    boot / NOLEAKTRACE / SLUB_TINY) caches; else a base by size (60 below 256 bytes, 26
    from 256, 12 from 1024, 4 from a page: about the old cpu-partial formula halved),
    raised so the sheaf fills its kmalloc bucket exactly, and at least ``requested``
    (kmem_cache_args.sheaf_capacity: an explicit request is a minimum)."""
    if debug:
        return 0
    if size >= PAGE_SIZE:
        base = 4
    elif size >= 1024:
        base = 12
    elif size >= 256:
        base = 26
    else:
        base = 60
    capacity = (kmalloc_size_roundup(sheaf_bytes(base)) - SHEAF_HEADER_BYTES) // 8
    return max(capacity, requested)


def freeptr_offset(object_size: int) -> int:
    """s->offset since v5.7 (no ctor, not RCU-typesafe, no poisoning): the middle of the
    object, ALIGN_DOWN(object_size / 2, sizeof(void *))."""
    return (object_size // 2) & ~7


def cpu_to_node(cpu: int, nr_cpus: int, nr_nodes: int) -> int:
    """The model's CPU numbering (as the SLAB model's): contiguous blocks per node."""
    per = -(-nr_cpus // nr_nodes)
    return cpu // per


# --------------------------------------------------------------------------------------
# Stat items: enum stat_item of v7.0 (sysfs name = lower case), same order and names.

STAT_ITEMS = (
    "ALLOC_FASTPATH",
    "ALLOC_SLOWPATH",
    "FREE_RCU_SHEAF",
    "FREE_RCU_SHEAF_FAIL",
    "FREE_FASTPATH",
    "FREE_SLOWPATH",
    "FREE_ADD_PARTIAL",
    "FREE_REMOVE_PARTIAL",
    "ALLOC_SLAB",
    "ALLOC_NODE_MISMATCH",
    "FREE_SLAB",
    "ORDER_FALLBACK",
    "CMPXCHG_DOUBLE_FAIL",
    "SHEAF_FLUSH",
    "SHEAF_REFILL",
    "SHEAF_ALLOC",
    "SHEAF_FREE",
    "BARN_GET",
    "BARN_GET_FAIL",
    "BARN_PUT",
    "BARN_PUT_FAIL",
    "SHEAF_PREFILL_FAST",
    "SHEAF_PREFILL_SLOW",
    "SHEAF_PREFILL_OVERSIZE",
    "SHEAF_RETURN_FAST",
    "SHEAF_RETURN_SLOW",
)
# Model events (not kernel stat items): primitives executed or charged.
MODEL_EVENTS = (
    "cmpxchg_double_slab",
    "list_lock",
    "barn_lock",
    "local_trylock",
    "irq_save_restore",
    "page_alloc",
    "page_free",
    "bulk_alloc_objects",
    "bulk_free_objects",
    "slab_free_calls",
)
(
    ALLOC_FASTPATH,
    ALLOC_SLOWPATH,
    FREE_RCU_SHEAF,
    FREE_RCU_SHEAF_FAIL,
    FREE_FASTPATH,
    FREE_SLOWPATH,
    FREE_ADD_PARTIAL,
    FREE_REMOVE_PARTIAL,
    ALLOC_SLAB,
    ALLOC_NODE_MISMATCH,
    FREE_SLAB,
    ORDER_FALLBACK,
    CMPXCHG_DOUBLE_FAIL,
    SHEAF_FLUSH,
    SHEAF_REFILL,
    SHEAF_ALLOC,
    SHEAF_FREE,
    BARN_GET,
    BARN_GET_FAIL,
    BARN_PUT,
    BARN_PUT_FAIL,
    SHEAF_PREFILL_FAST,
    SHEAF_PREFILL_SLOW,
    SHEAF_PREFILL_OVERSIZE,
    SHEAF_RETURN_FAST,
    SHEAF_RETURN_SLOW,
) = (np.uint64(i) for i in range(26))
(
    EV_PAGE_CMPXCHG,
    EV_LIST_LOCK,
    EV_BARN_LOCK,
    EV_LOCAL_TRYLOCK,
    EV_IRQSAVE,
    EV_PAGE_ALLOC,
    EV_PAGE_FREE,
    EV_BULK_ALLOC,
    EV_BULK_FREE,
    EV_SLAB_FREE,
) = (np.uint64(26 + i) for i in range(10))
STAT_STRIDE = 40  # words per CPU: 26 stat items + 10 model events, padded to 5 lines
# v6.18 named the sheaf fast paths ALLOC_PCS / FREE_PCS (sysfs alloc_cpu_sheaf,
# free_cpu_sheaf); its cpu-slab counters are the SLUB model's (slub_layout.STAT_ITEMS).
V618_NAMES = {"ALLOC_FASTPATH": "ALLOC_PCS", "FREE_FASTPATH": "FREE_PCS"}
# the sheaf-layer items v6.18 had (the rest of its counters are the cpu slabs')
V618_SHEAF_ITEMS = (
    "ALLOC_FASTPATH",
    "FREE_FASTPATH",
    "SHEAF_FLUSH",
    "SHEAF_REFILL",
    "SHEAF_ALLOC",
    "SHEAF_FREE",
    "BARN_GET",
    "BARN_GET_FAIL",
    "BARN_PUT",
    "BARN_PUT_FAIL",
)

# --------------------------------------------------------------------------------------
# Header words (kmem_cache): SLUB's positions for what both have

H_MAGIC = _slub.H_MAGIC
H_CPU_BASE = _slub.H_CPU_BASE  # v6.18 form: SLUB's kmem_cache_cpu records; v7.0: none (0)
H_STAT_BASE = _slub.H_STAT_BASE  # v6.18: SLUB's counters; v7.0: = SH_STAT_BASE
H_OFFSET = _slub.H_OFFSET  # s->offset
H_SIZE = _slub.H_SIZE  # s->size
H_OBJECTS = _slub.H_OBJECTS  # oo_objects(s->oo)
H_CHECK = _slub.H_CHECK
H_MIN_ORDER = _slub.H_MIN_ORDER
H_MIN_OBJECTS = _slub.H_MIN_OBJECTS
H_ALLOCFLAGS = _slub.H_ALLOCFLAGS
H_FLAGS = _slub.H_FLAGS
H_MIN_PARTIAL = _slub.H_MIN_PARTIAL
H_GFP_ALLOWED = _slub.H_GFP_ALLOWED
H_ORDER = _slub.H_ORDER
H_OBJECT_SIZE = _slub.H_OBJECT_SIZE
H_NODE_BASE = _slub.H_NODE_BASE  # kmem_cache_node of node 0; node k at + k * NODE_WORDS
H_HIST_BASE = _slub.H_HIST_BASE  # v7.0: objects per __slab_free call
H_HIST_STRIDE = _slub.H_HIST_STRIDE
H_RED_BASE = _slub.H_RED_BASE  # debug: per-object state words (SLUB's layout)
H_MARK_BASE = _slub.H_MARK_BASE
H_EPOCH = _slub.H_EPOCH
H_CACHE_ID = _slub.H_CACHE_ID
H_ERR = _slub.H_ERR
H_ERR_OBJ = _slub.H_ERR_OBJ
H_ERR_CPU = _slub.H_ERR_CPU
H_ERR_AUX = _slub.H_ERR_AUX
H_ERR_OP = _slub.H_ERR_OP
# The sheaf layer's words (unused by the SLUB model).
SH_FORM = 37  # FORM_V70 or FORM_V618
SH_PCS_BASE = 38  # s->cpu_sheaves: per-CPU slub_percpu_sheaves records
SH_CAPACITY = 39  # s->sheaf_capacity (0: no sheaves, main is the bootstrap sheaf)
SH_STAT_BASE = 40  # per-CPU counters of the sheaf layer (v7.0: of the whole cache)
SH_POOL = 41  # the sheaves' memory (a kmalloc stand-in, see below)
SH_SHEAF_WORDS = 42  # words per sheaf: kmalloc_size_roundup(sheaf_bytes(capacity)) / 8
SH_INFO_BASE = 43  # per-CPU info: numa_mem_id and the on-stack arrays
SH_NR_NODES = 44
SH_BOOTSTRAP = 45  # the static bootstrap_sheaf (capacity 0)
SH_MAGIC = 47
assert _slub.H_ERR_OP < SH_FORM and SH_MAGIC < _slub.HEADER_WORDS
MAGIC = 0x53484541_00070000  # "SHEA" v7.0
SH_MAGIC_VALUE = 0x53484541_56455321  # "SHEAVES!": the sheaf layer is set up

# struct kmem_cache_node (SLUB's first words, plus the barn pointer of v7.0)
NODE_WORDS = 8
N_LIST_LOCK = _slub.N_LIST_LOCK
N_NR_PARTIAL = _slub.N_NR_PARTIAL
N_PARTIAL_HEAD = _slub.N_PARTIAL_HEAD
N_PARTIAL_TAIL = _slub.N_PARTIAL_TAIL
N_NR_SLABS = _slub.N_NR_SLABS  # SLUB_DEBUG: node_nr_slabs
N_TOTAL_OBJECTS = _slub.N_TOTAL_OBJECTS
N_BARN = 6  # n->barn (word index of the node_barn)

# struct slub_percpu_sheaves (one line per CPU)
PCS_WORDS = 8
PCS_LOCK = 0  # local_trylock_t: the 'acquired' byte (a word here)
PCS_MAIN = 1  # never NULL while unlocked
PCS_SPARE = 2  # empty, full or NULL
PCS_RCU_FREE = 3  # kfree_rcu batching (not modelled: always NULL)

# struct node_barn (one line per node): list heads are (next, prev) word pairs (model.list)
BARN_WORDS = 8
BARN_LOCK = 0
BARN_FULL = 1  # sheaves_full list head
BARN_EMPTY = 3  # sheaves_empty list head
BARN_NR_FULL = 5
BARN_NR_EMPTY = 6

# struct slab_sheaf: a 32-byte header, then objects[capacity]
SHEAF_LIST = 0  # union { rcu_head; barn_list (next, prev); {capacity, pfmemalloc} }
SHEAF_CACHE = 2  # cache (NULL only for the bootstrap sheaf)
SHEAF_SIZE = 3  # unsigned int size (+ int node of rcu_free sheaves: not modelled)
SHEAF_OBJECTS = 4
assert SHEAF_OBJECTS * 8 == SHEAF_HEADER_BYTES

# The sheaves' memory. The kernel kzallocs a sheaf from a kmalloc cache; a machine holds
# one slab cache, so sheaves come from a pool of kmalloc-bucket-sized blocks in the meta
# area (a LIFO free list under a lock); when it is empty, kzalloc fails.
POOL_WORDS = 8
POOL_LOCK = 0
POOL_FREE = 1  # first free block (linked through word 0), 0 = none
POOL_NR = 2  # blocks
POOL_NR_FREE = 3
POOL_BLOCKS = 4  # word index of block 0
POOL_MARKS = 5  # word index of one debug mark word per block

# Per-CPU info: numa_mem_id (one line), then the on-stack arrays of the slow paths
# (PCS_BATCH_MAX words: sheaf_flush_main's objects[], free_to_pcs_bulk's remote[]).
INFO_WORDS = 8 + PCS_BATCH_MAX
INFO_NODE = 0
INFO_STACK = 8

# struct slab (the struct page record, mm_types): SLUB's freelist/counters words and
# partial-list links; slab->flags (page->flags) carries the node and SL_partial.
PG_FREELIST = _slub.PG_FREELIST
PG_COUNTERS = _slub.PG_COUNTERS  # inuse:16 | objects:15 << 16 | frozen:1 << 31 | refcount
PG_NEXT = _slub.PG_NEXT  # slab_list on n->partial (pfn links, as the SLUB model)
PG_PREV = _slub.PG_PREV
PG_FLAGS = _slub.PG_FLAGS
SL_PARTIAL = 1 << 5  # slab->flags SL_partial: on n->partial (model bit; PG_* use 0..4)
PG_NODE_SHIFT = 56  # the node of a slab page, in the top bits of page->flags

# Extra gfp bits of this model (mm_types' go up to bit 7); stripped before alloc_pages.
GFP_THISNODE = 1 << 8  # __GFP_THISNODE
GFP_NOMEMALLOC = 1 << 9  # __GFP_NOMEMALLOC
GFP_NOWAIT = 0  # GFP_NOWAIT as the model sees it: no direct reclaim (like GFP_ATOMIC)
GFP_MODEL_ONLY = GFP_THISNODE | GFP_NOMEMALLOC

# Error codes / operations: SLUB's, plus the sheaf invariants (codes from 32 on).
ERR_NONE = _slub.ERR_NONE
ERR_DOUBLE_FREE = _slub.ERR_DOUBLE_FREE
ERR_FOREIGN = _slub.ERR_FOREIGN
ERR_INVARIANT = _slub.ERR_INVARIANT
ERR_HANDED_TWICE = _slub.ERR_HANDED_TWICE
OP_NAMES = {
    1: "kmem_cache_alloc",
    2: "kmem_cache_free",
    3: "kmem_cache_alloc_bulk",
    4: "kmem_cache_free_bulk",
    5: "flush_all",
    6: "validate",
}
INVARIANTS = dict(_slub.INVARIANTS)
INVARIANTS.update(
    {
        32: "sheaf pointer is not a sheaf of this cache",
        33: "sheaf size above its capacity",
        34: "sheaf in two places (pcs slots, barn lists, free pool)",
        35: "barn count does not match its list",
        36: "full barn sheaf is not full, or empty barn sheaf is not empty",
        37: "object in a sheaf is not an object of this cache",
        38: "object in two sheaves, or twice in one",
        39: "object in a sheaf is held by the caller",
        40: "object in a sheaf is also on a slab freelist",
        41: "slab freelist points outside its slab or off an object boundary",
        42: "slab freelist has a cycle or more entries than objects",
        43: "inuse does not match the slab freelist length",
        44: "allocated object is on a slab freelist",
        45: "object lost: not held, not in a sheaf, not on a freelist",
        46: "partial list corrupt (links, node, SL_partial flag or a frozen slab)",
        47: "nr_partial does not match the partial list",
        48: "slab with free objects is not on its node's partial list",
        49: "slab pages found do not match nr_slabs",
        50: "main sheaf is NULL",
        51: "sheaves lost: pcs slots, barns and pool do not add up to the pool size",
        52: "per-CPU sheaves lock left held",
    }
)
RED_INACTIVE = _slub.RED_INACTIVE
RED_ACTIVE = _slub.RED_ACTIVE

# numpy scalars for jitted code (uint64 everywhere).
_U = np.uint64
_SH_FORM = _U(SH_FORM)
_SH_PCS_BASE = _U(SH_PCS_BASE)
_SH_CAPACITY = _U(SH_CAPACITY)
_SH_STAT_BASE = _U(SH_STAT_BASE)
_SH_POOL = _U(SH_POOL)
_SH_SHEAF_WORDS = _U(SH_SHEAF_WORDS)
_SH_INFO_BASE = _U(SH_INFO_BASE)
_SH_NR_NODES = _U(SH_NR_NODES)
_SH_BOOTSTRAP = _U(SH_BOOTSTRAP)
_NODEW = _U(NODE_WORDS)
_N_BARN = _U(N_BARN)
_PCSW = _U(PCS_WORDS)
_PCS_LOCK = _U(PCS_LOCK)
_PCS_MAIN = _U(PCS_MAIN)
_PCS_SPARE = _U(PCS_SPARE)
_PCS_RCU_FREE = _U(PCS_RCU_FREE)
_BARN_LOCK = _U(BARN_LOCK)
_BARN_FULL = _U(BARN_FULL)
_BARN_EMPTY = _U(BARN_EMPTY)
_BARN_NR_FULL = _U(BARN_NR_FULL)
_BARN_NR_EMPTY = _U(BARN_NR_EMPTY)
_SHEAF_CACHE = _U(SHEAF_CACHE)
_SHEAF_SIZE = _U(SHEAF_SIZE)
_SHEAF_OBJECTS = _U(SHEAF_OBJECTS)
_POOL_LOCK = _U(POOL_LOCK)
_POOL_FREE = _U(POOL_FREE)
_POOL_NR_FREE = _U(POOL_NR_FREE)
_INFOW = _U(INFO_WORDS)
_INFO_NODE = _U(INFO_NODE)
_INFO_STACK = _U(INFO_STACK)
_STATW = _U(STAT_STRIDE)
_SL_PARTIAL = _U(SL_PARTIAL)
_NOT_SL_PARTIAL = _U(0xFFFFFFFFFFFFFFFF ^ SL_PARTIAL)
_NODE_SHIFT = _U(PG_NODE_SHIFT)
_NODE_CLEAR = _U((1 << PG_NODE_SHIFT) - 1)
_MAX_FULL = _U(MAX_FULL_SHEAVES)
_MAX_EMPTY = _U(MAX_EMPTY_SHEAVES)
_PCS_BATCH_MAX = _U(PCS_BATCH_MAX)
_NO_NODE = _U(NUMA_NO_NODE)
_E2BIG = _U(E2BIG)
_ENOMEM = _U(ENOMEM)
_EBUSY = _U(EBUSY)
_GFP_THISNODE = _U(GFP_THISNODE)
_GFP_NOMEMALLOC = _U(GFP_NOMEMALLOC)
_GFP_NOWAIT = _U(GFP_NOWAIT)
_NOT_MODEL_GFP = _U(0xFFFFFFFFFFFFFFFF ^ GFP_MODEL_ONLY)
_FORM_V618 = _U(FORM_V618)
