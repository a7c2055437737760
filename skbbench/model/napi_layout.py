"""Layout of the skb recycle model (skbuff, page_frag, NAPI): constants, record words and
counter names. Numpy only (no numba): specs, reports and tests may import it.

The model's state lives in a machine (skbbench.model.machine): the skbuff_head_cache is
the machine's kmem_cache, page_frag pages come from the machine's page allocator, and the
regions below are reserved in the meta area (docs/model.md, "The skb recycle loops").
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------------------
# Kernel constants

NAPI_POLL_WEIGHT = 64  # include/linux/netdevice.h
NETDEV_BUDGET = 300  # net/core/dev.c netdev_budget (v4.6)
NETDEV_MAX_BACKLOG = 1000  # netdev_max_backlog
SKB_DEFER_MAX = 64  # sysctl_skb_defer_max (v6.19 default)
IXGBE_DEFAULT_TX_WORK = 256  # ixgbe tx work_limit per poll
IXGBE_RX_HDR_SIZE = 256  # ixgbe: small frames are built into a 256-byte buffer
NET_SKB_PAD = 64  # max(32, L1_CACHE_BYTES)
SMP_CACHE_BYTES = 64
SKB_SHINFO_SIZE = 320  # sizeof(struct skb_shared_info) on x86_64, v4.6 (17 frags)
PAGE_FRAG_CACHE_MAX_ORDER = 3  # PAGE_FRAG_CACHE_MAX_SIZE = 32 KiB
PACKET_LEN = 60  # minimum Ethernet frame without FCS (pktgen 64-byte packets)
SKB_HEAD_SIZE = 232  # sizeof(struct sk_buff), x86_64, this era -> 256-byte objects


def skb_data_align(x: int) -> int:
    """SKB_DATA_ALIGN: round up to SMP_CACHE_BYTES."""
    return (x + SMP_CACHE_BYTES - 1) & ~(SMP_CACHE_BYTES - 1)


# The data buffer of one received packet: __napi_alloc_skb(napi, IXGBE_RX_HDR_SIZE)'s
# fragment, SKB_DATA_ALIGN(256 + NET_SKB_PAD) + SKB_DATA_ALIGN(sizeof(skb_shared_info)).
DEFAULT_FRAGSZ = skb_data_align(IXGBE_RX_HDR_SIZE + NET_SKB_PAD) + skb_data_align(SKB_SHINFO_SIZE)

# NAPI skb cache geometry per variant: (size, refill bulk, freed when full).
CACHE_V46 = (64, 0, 64)  # v4.6: defer array, bulk free of all 64 when full
CACHE_RFC = (64, 8, 64)  # RFC Oct 2015: the same array, bulk alloc of 8 when empty
CACHE_V512 = (64, 16, 32)  # NAPI_SKB_CACHE_SIZE / _BULK / _HALF
CACHE_V619 = (128, 32, 32)  # NAPI_SKB_CACHE_SIZE / _BULK / _FREE
NAPI_SKB_CACHE_MAX = 128

# Variant ids (the spec names them; the kernels branch on these).
V44 = 0
V46 = 1
RFC = 2
V512 = 3
V619 = 4
VARIANT_IDS = {"v4.4": V44, "v4.6": V46, "rfc-bulk-alloc": RFC, "v5.12": V512, "v6.19": V619}

# Workload ids.
W_DROP = 0
W_FORWARD = 1
W_REMOTE = 2
W_IRQ_FREE = 3
WORKLOAD_IDS = {"drop": W_DROP, "forward": W_FORWARD, "remote": W_REMOTE, "irq-free": W_IRQ_FREE}

# Allocator ids: the flags of the Flavor (skbbench.harness.flavor) the kernels pass down
# as ``allocator``, so each allocator's chain is compiled on its own (skbuff.head_cache_*).
ALLOC_SLUB = 0
ALLOC_CHECKED = 1  # bit: the SLUB_DEBUG-like checked entry points (--check)
ALLOC_SLAB = 2  # bit: the v4.6 SLAB model (--allocator slab)
ALLOC_SHEAVES = 4  # bit: v7.0's SLUB with sheaves (--allocator sheaves)
ALLOC_SHEAVES_618 = 8  # bit: v6.18's opt-in sheaves over v4.4 cpu slabs (sheaves-6.18)
ALLOC_SLUB_CHECKED = ALLOC_SLUB | ALLOC_CHECKED
ALLOC_SLAB_CHECKED = ALLOC_SLAB | ALLOC_CHECKED
ALLOC_SHEAVES_CHECKED = ALLOC_SHEAVES | ALLOC_CHECKED
ALLOC_SHEAVES_618_CHECKED = ALLOC_SHEAVES_618 | ALLOC_CHECKED
ALLOCATORS = {
    ("slub", False): ALLOC_SLUB,
    ("slub", True): ALLOC_SLUB_CHECKED,
    ("slab", False): ALLOC_SLAB,
    ("slab", True): ALLOC_SLAB_CHECKED,
    ("sheaves", False): ALLOC_SHEAVES,
    ("sheaves", True): ALLOC_SHEAVES_CHECKED,
    ("sheaves-6.18", False): ALLOC_SHEAVES_618,
    ("sheaves-6.18", True): ALLOC_SHEAVES_618_CHECKED,
}

# --------------------------------------------------------------------------------------
# struct sk_buff in a 256-byte object (word offsets). __build_skb_around clears the head
# up to offsetof(struct sk_buff, tail) = 200 bytes, as in v4.6 (tail, end, head, data,
# truesize and users are the struct's last 32 bytes).

SKB_NEXT = 0
SKB_PREV = 1
SKB_TSTAMP = 2
SKB_SK = 3
SKB_DEV = 4
SKB_CB = 5  # cb[48]: words 5..10
SKB_REFDST = 11
SKB_DESTRUCTOR = 12
SKB_LEN = 13  # len | data_len << 32
SKB_BITS = 14  # cloned, fclone, head_frag, pfmemalloc, ... (bit flags below)
SKB_PROTOCOL = 15  # protocol | mac/network/transport header offsets
SKB_ALLOC_CPU = 16  # v6.19 alloc_cpu
SKB_TAIL_WORD = 25  # tail | end << 32
SKB_HEAD = 26
SKB_DATA = 27
SKB_TRUESIZE_USERS = 28  # truesize | users << 32 (atomic_t users)
SKB_MEMSET_WORDS = 25  # offsetof(struct sk_buff, tail) / 8

SKB_CLONED = 1 << 0
SKB_FCLONE_MASK = 3 << 1  # SKB_FCLONE_UNAVAILABLE = 0
SKB_HEAD_FRAG = 1 << 3
SKB_PFMEMALLOC = 1 << 4

# struct skb_shared_info at skb->head + skb->end (word offsets).
SHINFO_NR_FRAGS = 0  # nr_frags, tx_flags, gso_size ...
SHINFO_DATAREF = 4  # atomic_t dataref: memset clears up to here
SHINFO_MEMSET_WORDS = 4

# --------------------------------------------------------------------------------------
# Regions (word offsets)

# NAPI header (one per machine).
NH_MAGIC = 0
NH_VARIANT = 1
NH_WORKLOAD = 2
NH_BUDGET = 3  # NAPI poll weight / budget
NH_NETDEV_BUDGET = 4
NH_REUSABLE_CHECK = 5  # v5.12: dev_page_is_reusable on every cache put
NH_DEFER_MAX = 6
NH_MAX_BACKLOG = 7
NH_PCPU_BASE = 8  # word index of CPU 0's per-CPU region
NH_PCPU_STRIDE = 9
NH_RX_CPU = 10
NH_CONSUMER_CPU = 11
NH_FRAGSZ = 12
NH_PKT_LEN = 13
NH_CACHE_SIZE = 14
NH_CACHE_BULK = 15
NH_CACHE_FREE = 16
NH_RX_RING = 17  # word index of rx_ring[0] (buffer addresses)
NH_RX_SIZE = 18
NH_RX_NTC = 19  # next_to_clean
NH_TX_RING = 20  # word index of tx_ring[0] (skb pointers)
NH_TX_SIZE = 21
NH_TX_NTU = 22  # next_to_use (free-running)
NH_TX_NTC = 23  # next_to_clean (free-running)
NH_TX_INFLIGHT = 24
NH_TX_WORK = 25
NH_DONE = 26  # threads mode: the RX thread has finished
NH_ERR = 32  # first model error: code, aux (own line)
NH_ERR_AUX = 33
NH_WORDS = 40
NAPI_MAGIC = 0x4E415049_00000001  # "NAPI"

# Per-CPU region: struct napi_alloc_cache, struct softnet_data parts, counters.
PC_VA = 0  # page_frag_cache: va (byte address of the page, 0 = none)
PC_OFFSET = 1
PC_SIZE = 2
PC_BIAS = 3  # pagecnt_bias
PC_PFMEMALLOC = 4
PC_SKB_COUNT = 8  # napi_alloc_cache.skb_count
PC_SKB_CACHE = 16  # skb_cache[NAPI_SKB_CACHE_MAX]
PC_COMPLETION_QUEUE = 144  # softnet_data.completion_queue (own line)
PC_INPUT_LOCK = 152  # input_pkt_queue: lock, head, tail, qlen (written by other CPUs)
PC_INPUT_HEAD = 153
PC_INPUT_TAIL = 154
PC_INPUT_QLEN = 155
PC_PROCESS_HEAD = 160  # process_queue: head, tail, qlen
PC_PROCESS_TAIL = 161
PC_PROCESS_QLEN = 162
PC_DEFER_LIST = 168  # v6.19 defer_list (llist head) and defer_count (written remotely)
PC_DEFER_COUNT = 169
PC_STATS = 176
NAPI_STATS = (
    "rx_packets",  # frames built by the driver (the timed element)
    "consumed",  # skbs freed by the workload's consumer (drop, TX completion, backlog)
    "napi_poll",  # driver or backlog polls
    "net_rx_action",
    "time_squeeze",  # net_rx_action stopped with work left (netdev_budget spent)
    "net_tx_action",
    "completion_queue_skbs",  # skbs freed by net_tx_action
    "tx_busy",  # TX ring full: dropped at xmit
    "backlog_drop",  # enqueue_to_backlog over netdev_max_backlog
    "kfree_skb",  # kfree_skb / consume_skb / dev_consume_skb_any frees
    "napi_consume_skb",
    "head_alloc",  # kmem_cache_alloc of a head (no cache)
    "head_free",  # kmem_cache_free of a head (no cache)
    "cache_get",  # heads taken from the NAPI skb cache
    "cache_put",  # heads put into the NAPI skb cache
    "alloc_bulk_calls",  # kmem_cache_alloc_bulk calls of the skb layer
    "alloc_bulk_objects",
    "free_bulk_calls",  # kmem_cache_free_bulk calls of the skb layer
    "free_bulk_objects",
    "frag_alloc",  # __alloc_page_frag calls
    "frag_refill",  # __page_frag_refill: a new page from the page allocator
    "frag_refill_order0",  # ... that fell back to an order-0 page
    "frag_reuse",  # page reused in place (page_ref_sub_and_test true)
    "frag_put_page",  # put_page of a data fragment
    "defer_queued",  # v6.19 skb_attempt_defer_free: queued to the alloc cpu
    "defer_nodefer",  # ... over sysctl_skb_defer_max: freed locally
    "defer_kick",  # ... IPI to the alloc cpu at half capacity
    "defer_flushed",  # skb_defer_free_flush: skbs freed on the alloc cpu
    "reusable_check",  # v5.12 dev_page_is_reusable checks
    "not_reusable",  # ... that freed the head instead of caching it
    "irq_disable_enable",  # charged pairs
    "irq_save_restore",
    "backlog_enqueue",
    "bh_disable_enable",
)
NAPI_STAT_STRIDE = 40
assert len(NAPI_STATS) <= NAPI_STAT_STRIDE
PCPU_STRIDE = PC_STATS + NAPI_STAT_STRIDE  # 216 words, a multiple of 8

(
    ST_RX_PACKETS,
    ST_CONSUMED,
    ST_NAPI_POLL,
    ST_NET_RX_ACTION,
    ST_TIME_SQUEEZE,
    ST_NET_TX_ACTION,
    ST_COMPLETION_QUEUE,
    ST_TX_BUSY,
    ST_BACKLOG_DROP,
    ST_KFREE_SKB,
    ST_NAPI_CONSUME,
    ST_HEAD_ALLOC,
    ST_HEAD_FREE,
    ST_CACHE_GET,
    ST_CACHE_PUT,
    ST_ALLOC_BULK_CALLS,
    ST_ALLOC_BULK_OBJECTS,
    ST_FREE_BULK_CALLS,
    ST_FREE_BULK_OBJECTS,
    ST_FRAG_ALLOC,
    ST_FRAG_REFILL,
    ST_FRAG_REFILL_ORDER0,
    ST_FRAG_REUSE,
    ST_FRAG_PUT_PAGE,
    ST_DEFER_QUEUED,
    ST_DEFER_NODEFER,
    ST_DEFER_KICK,
    ST_DEFER_FLUSHED,
    ST_REUSABLE_CHECK,
    ST_NOT_REUSABLE,
    ST_IRQ,
    ST_IRQSAVE,
    ST_BACKLOG_ENQUEUE,
    ST_BH,
) = (np.uint64(i) for i in range(len(NAPI_STATS)))

# Model errors (NH_ERR).
ERR_NONE = 0
ERR_FRAG_OOM = 1  # the page allocator could not refill the page_frag cache
ERR_HEAD_OOM = 2  # the slab allocator returned NULL for a head
ERR_SKB_USERS = 3  # an skb freed with users == 0 (double free of an skb)
ERROR_TEXT = {
    ERR_FRAG_OOM: "page_frag refill failed: the machine's page allocator is exhausted",
    ERR_HEAD_OOM: "skbuff_head_cache allocation failed: the machine's pages are exhausted",
    ERR_SKB_USERS: "skb freed with users == 0 (double free)",
}
