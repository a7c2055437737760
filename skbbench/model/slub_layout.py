"""SLUB (v4.4) layout: constants, stat items, header words and record words.

Numpy only (no numba): specs, reports and tests may import it. The state of a SLUB cache
lives in a machine (skbbench.model.machine): the kmem_cache header in words 0..47, its
kmem_cache_cpu records, kmem_cache_node, per-CPU counters, histograms and debug region in
the meta area, its slabs in the arena, from the machine's page allocator (docs/model.md).
"""

from __future__ import annotations

import numpy as np

from skbbench.model.machine import KMEM_CACHE_HEADER_WORDS
from skbbench.model.mm_types import PAGE_RECORD_WORDS, PAGE_SHIFT, PAGE_SIZE, SLAB_CACHE_SHIFT
from skbbench.model.mm_types import PG_COMPOUND_HEAD as PG_COMPOUND_HEAD
from skbbench.model.mm_types import PG_HEAD as MM_PG_HEAD
from skbbench.model.mm_types import PG_SLAB as MM_PG_SLAB

# --------------------------------------------------------------------------------------
# Constants of the kernel (v4.4)

SLUB_MAX_ORDER = 3  # PAGE_ALLOC_COSTLY_ORDER
MAX_ORDER = 11
MAX_OBJS_PER_PAGE = 32767
MIN_PARTIAL = 5
MAX_PARTIAL = 10
CACHE_LINE = 64
MAX_OBJECT_SIZE = PAGE_SIZE << SLUB_MAX_ORDER  # larger objects do not fit an order-3 slab

# enum stat_item (v4.4 include/linux/slub_def.h), same order and names.
STAT_ITEMS = (
    "ALLOC_FASTPATH",
    "ALLOC_SLOWPATH",
    "FREE_FASTPATH",
    "FREE_SLOWPATH",
    "FREE_FROZEN",
    "FREE_ADD_PARTIAL",
    "FREE_REMOVE_PARTIAL",
    "ALLOC_FROM_PARTIAL",
    "ALLOC_SLAB",
    "ALLOC_REFILL",
    "ALLOC_NODE_MISMATCH",
    "FREE_SLAB",
    "CPUSLAB_FLUSH",
    "DEACTIVATE_FULL",
    "DEACTIVATE_EMPTY",
    "DEACTIVATE_TO_HEAD",
    "DEACTIVATE_TO_TAIL",
    "DEACTIVATE_REMOTE_FREES",
    "DEACTIVATE_BYPASS",
    "ORDER_FALLBACK",
    "CMPXCHG_DOUBLE_CPU_FAIL",
    "CMPXCHG_DOUBLE_FAIL",
    "CPU_PARTIAL_ALLOC",
    "CPU_PARTIAL_FREE",
    "CPU_PARTIAL_NODE",
    "CPU_PARTIAL_DRAIN",
)
# Model events (not kernel stat items): primitives executed or charged.
MODEL_EVENTS = (
    "this_cpu_cmpxchg_double",
    "cmpxchg_double_slab",
    "list_lock",
    "irq_disable_enable",
    "irq_save_restore",
    "page_alloc",
    "page_free",
    "bulk_alloc_objects",
    "bulk_free_objects",
)
(
    ALLOC_FASTPATH,
    ALLOC_SLOWPATH,
    FREE_FASTPATH,
    FREE_SLOWPATH,
    FREE_FROZEN,
    FREE_ADD_PARTIAL,
    FREE_REMOVE_PARTIAL,
    ALLOC_FROM_PARTIAL,
    ALLOC_SLAB,
    ALLOC_REFILL,
    ALLOC_NODE_MISMATCH,
    FREE_SLAB,
    CPUSLAB_FLUSH,
    DEACTIVATE_FULL,
    DEACTIVATE_EMPTY,
    DEACTIVATE_TO_HEAD,
    DEACTIVATE_TO_TAIL,
    DEACTIVATE_REMOTE_FREES,
    DEACTIVATE_BYPASS,
    ORDER_FALLBACK,
    CMPXCHG_DOUBLE_CPU_FAIL,
    CMPXCHG_DOUBLE_FAIL,
    CPU_PARTIAL_ALLOC,
    CPU_PARTIAL_FREE,
    CPU_PARTIAL_NODE,
    CPU_PARTIAL_DRAIN,
) = (np.uint64(i) for i in range(26))
(
    EV_CPU_CMPXCHG,
    EV_PAGE_CMPXCHG,
    EV_LIST_LOCK,
    EV_IRQ,
    EV_IRQSAVE,
    EV_PAGE_ALLOC,
    EV_PAGE_FREE,
    EV_BULK_ALLOC,
    EV_BULK_FREE,
) = (np.uint64(26 + i) for i in range(9))
STAT_STRIDE = 40  # words per CPU: 26 stat items + 9 model events, padded to 5 lines

# --------------------------------------------------------------------------------------
# Layout of the state array

# Header words (kmem_cache fields and where the other structures are): words 0..47 of the
# machine array (machine.KMEM_CACHE_HEADER_WORDS). The vmemmap, the cost iterations, the
# number of CPUs and the arena come from the machine header (machine.MH_*), the slabs from
# the machine's page allocator (model.page_alloc).
H_MAGIC = 0
H_CPU_BASE = 1  # s->cpu_slab
H_STAT_BASE = 3
H_OFFSET = 4  # s->offset (free pointer offset)
H_SIZE = 5  # s->size (stride)
H_OBJECTS = 6  # oo_objects(s->oo)
H_CHECK = 7
H_MIN_ORDER = 8  # oo_order(s->min): the fallback order when s->oo's order fails
H_MIN_OBJECTS = 9  # oo_objects(s->min)
H_ALLOCFLAGS = 10  # s->allocflags (__GFP_COMP when the order is > 0)
H_FLAGS = 11  # s->flags (SLAB_HWCACHE_ALIGN | __CMPXCHG_DOUBLE; debug flags off)
H_TID_STEP = 12
H_MIN_PARTIAL = 13
H_CPU_PARTIAL = 14
H_GFP_ALLOWED = 15  # gfp_allowed_mask (a kernel global; kept with the cache here)
H_ORDER = 16  # oo_order(s->oo)
H_OBJECT_SIZE = 17
H_NODE_BASE = 18
H_HIST_BASE = 19
H_HIST_STRIDE = 20
H_KCTX_BASE = 21  # the kernel context the hooks read: per-CPU current task, memcg, failslab
H_RED_BASE = 24  # debug: per-object state words (2 per object slot of the arena)
H_MARK_BASE = 25  # debug: per-arena-page "seen" words for validation
H_EPOCH = 26  # debug: validation generation
H_CACHE_ID = 27  # value stored as page->slab_cache
H_ERR = 32
H_ERR_OBJ = 33
H_ERR_CPU = 34
H_ERR_AUX = 35
H_ERR_OP = 36
HEADER_WORDS = KMEM_CACHE_HEADER_WORDS
MAGIC = 0x534C5542_00040400  # "SLUB" v4.4

CPU_WORDS = 8
C_FREELIST = 0  # void **freelist   } one 16-byte cmpxchg16b unit
C_TID = 1  # unsigned long tid       }
C_PAGE = 2  # struct page *page (pfn, 0 = NULL)
C_PARTIAL = 3  # struct page *partial (pfn, 0 = NULL)

NODE_WORDS = 8
N_LIST_LOCK = 0
N_NR_PARTIAL = 1
N_PARTIAL_HEAD = 2
N_PARTIAL_TAIL = 3
N_NR_SLABS = 4
N_TOTAL_OBJECTS = 5

# struct page record words.
PG_FREELIST = 0  # } one 16-byte cmpxchg16b unit
PG_COUNTERS = 1  # } inuse:16 | objects:15 << 16 | frozen:1 << 31
PG_NEXT = 2  # lru.next on the node list, next on a cpu partial list
PG_PREV = 3  # lru.prev
PG_PAGES = 4  # cpu partial list head: pages
PG_POBJECTS = 5  # cpu partial list head: pobjects
PG_FLAGS = 6  # PG_slab | PG_head | slab_cache << 8 (mm_types.SLAB_CACHE_SHIFT)
PG_FLAG_SLAB = MM_PG_SLAB
PG_FLAG_HEAD = MM_PG_HEAD
SLAB_CACHE_MASK = 0xFFFFFF  # page->slab_cache id: flags >> SLAB_CACHE_SHIFT, 24 bits
assert PG_COMPOUND_HEAD == 7 and PAGE_RECORD_WORDS == 8

# s->flags bits (v4.4 include/linux/slab.h; mm/slub.c __CMPXCHG_DOUBLE).
SLAB_DEBUG_FREE = 0x00000100
SLAB_HWCACHE_ALIGN = 0x00002000
CMPXCHG_DOUBLE_FLAG = 0x40000000
GFP_ALLOWED_MASK = (1 << 26) - 1  # __GFP_BITS_MASK: every gfp bit allowed after boot

# The kernel context the alloc/free hooks read (H_KCTX_BASE): per CPU one record
# {current task, preempt_count}, then one task, mm, css_set, mem_cgroup and the
# failslab fault_attr (the benchmark's task: insmod from a root shell, in the root
# memory cgroup). Word indices into s, like every pointer of the model's structures.
KCTX_CPU_WORDS = 8
KC_CURRENT = 0  # this CPU's current task (word index of its record)
KC_PREEMPT_COUNT = 1  # preempt_count(): hardirq/softirq/NMI bits for in_interrupt()
T_MM = 0  # task->mm (word index; 0 for a kernel thread)
T_FLAGS = 1  # task->flags (PF_KTHREAD)
T_MEMCG_SKIP = 2  # task->memcg_kmem_skip_account
T_CGROUPS = 3  # task->cgroups (css_set)
T_FATAL = 4  # fatal_signal_pending(task)
MM_OWNER = 0  # mm->owner (task)
CSS_MEM = 0  # css_set->subsys[memory_cgrp_id] (mem_cgroup)
MEMCG_CSS_FLAGS = 0  # memcg->css.flags (CSS_NO_REF | CSS_ONLINE for the root)
MEMCG_KMEMCG_ID = 1  # memcg->kmemcg_id (-1: no kmem accounting, as for the root)
MEMCG_IS_ROOT_CACHE = 2  # s->memcg_params.is_root_cache (kept beside the memcg here)
FA_PROBABILITY = 0  # failslab.attr.probability
FA_IGNORE_GFP_WAIT = 1  # failslab.ignore_gfp_wait
FA_CACHE_FILTER = 2  # failslab.cache_filter
KCTX_TAIL_WORDS = 5 * 8  # task, mm, css_set, memcg, fault_attr: one line each
PF_KTHREAD = 0x00200000
CSS_NO_REF = 1 << 0
CSS_ONLINE = 1 << 1
IRQ_CONTEXT_MASK = 0x1FFF00  # SOFTIRQ_MASK | HARDIRQ_MASK | NMI_MASK (preempt_count)

# Debug (check=True) object states, as SLUB_DEBUG's red-zone bytes.
RED_INACTIVE = 0  # free (or never handed out)
RED_ACTIVE = 1  # allocated to a user

# Error codes (H_ERR) and operations (H_ERR_OP).
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
    5: "flush_all",
    6: "validate",
}
# Invariant sub-codes (H_ERR_AUX for ERR_INVARIANT).
INVARIANTS = {
    1: "slab freelist points outside its slab or off an object boundary",
    2: "slab freelist has a cycle or more entries than objects",
    3: "inuse does not match the slab freelist length",
    4: "cpu freelist holds an object of another slab",
    5: "cpu slab is not a frozen slab page",
    6: "object is on two freelists",
    7: "allocated object is on a freelist",
    8: "object lost: neither allocated nor on any freelist",
    9: "slab on two lists (cpu slab / cpu partial / node partial)",
    10: "cpu partial slab is not frozen",
    11: "node partial slab is frozen or corrupt list links",
    12: "nr_partial does not match the node partial list",
    13: "frozen slab not owned by any cpu",
    14: "unfrozen slab with free objects is not on the node partial list",
    15: "cpu partial head pages count wrong",
    16: "slab pages found do not match nr_slabs",
    17: "cpu freelist set without a cpu slab",
}

_0 = np.uint64(0)
_1 = np.uint64(1)
_2 = np.uint64(2)
_3 = np.uint64(3)
_8 = np.uint64(8)
_16 = np.uint64(16)
_31 = np.uint64(31)
_INUSE_MASK = np.uint64(0xFFFF)
_OBJECTS_MASK = np.uint64(0x7FFF)
_FROZEN = np.uint64(1 << 31)
_NOT_FROZEN = np.uint64(0xFFFFFFFFFFFFFFFF ^ (1 << 31))
_NOT_INUSE = np.uint64(0xFFFFFFFFFFFFFFFF ^ 0xFFFF)
_MINUS_1 = np.uint64(0xFFFFFFFFFFFFFFFF)  # atomic_add64 of -1
_PAGE_SHIFT = np.uint64(PAGE_SHIFT)
_RECW = np.uint64(PAGE_RECORD_WORDS)
_CPUW = np.uint64(CPU_WORDS)
_STATW = np.uint64(STAT_STRIDE)
_C_FREELIST = np.uint64(C_FREELIST)
_C_TID = np.uint64(C_TID)
_C_PAGE = np.uint64(C_PAGE)
_C_PARTIAL = np.uint64(C_PARTIAL)
_N_LIST_LOCK = np.uint64(N_LIST_LOCK)
_N_NR_PARTIAL = np.uint64(N_NR_PARTIAL)
_N_HEAD = np.uint64(N_PARTIAL_HEAD)
_N_TAIL = np.uint64(N_PARTIAL_TAIL)
_N_NR_SLABS = np.uint64(N_NR_SLABS)
_N_TOTAL_OBJECTS = np.uint64(N_TOTAL_OBJECTS)
_PG_COUNTERS = np.uint64(PG_COUNTERS)
_PG_NEXT = np.uint64(PG_NEXT)
_PG_PREV = np.uint64(PG_PREV)
_PG_PAGES = np.uint64(PG_PAGES)
_PG_POBJECTS = np.uint64(PG_POBJECTS)
_PG_FLAGS = np.uint64(PG_FLAGS)
_PG_CH = np.uint64(PG_COMPOUND_HEAD)
_PG_SLAB = np.uint64(PG_FLAG_SLAB)
_PG_HEAD = np.uint64(PG_FLAG_HEAD)
_SLAB_CACHE_SHIFT = np.uint64(SLAB_CACHE_SHIFT)
_SLAB_CACHE_MASK = np.uint64(SLAB_CACHE_MASK)
_NOT_SLAB_FLAGS = np.uint64(
    0xFFFFFFFFFFFFFFFF ^ (PG_FLAG_SLAB | (SLAB_CACHE_MASK << SLAB_CACHE_SHIFT))
)
_LOW32 = np.uint64(0xFFFFFFFF)
_NOT_LOW32 = np.uint64(0xFFFFFFFF00000000)
_M_NONE = 0
_M_PARTIAL = 1
_M_FULL = 2
_M_FREE = 3
