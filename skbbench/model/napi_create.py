"""The skb recycle model's machine: the page allocator, ``skbuff_head_cache`` (the SLUB
model), the NAPI header, per-CPU napi_alloc_cache/softnet_data regions and the rings,
sized for a configuration; counters and the conservation checks after a teardown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from skbbench.errors import ModelError, ModelParameterError
from skbbench.harness.flavor import Flavor
from skbbench.model import sheaves_create, slab_layout
from skbbench.model.costs import cost_iters, get_profile
from skbbench.model.machine import Machine
from skbbench.model.mm_types import PAGE_SIZE
from skbbench.model.napi import napi_fill_rx_ring, napi_teardown
from skbbench.model.napi_layout import (
    ALLOCATORS,
    CACHE_RFC,
    CACHE_V46,
    CACHE_V512,
    CACHE_V619,
    DEFAULT_FRAGSZ,
    ERROR_TEXT,
    IXGBE_DEFAULT_TX_WORK,
    NAPI_MAGIC,
    NAPI_POLL_WEIGHT,
    NAPI_SKB_CACHE_MAX,
    NAPI_STAT_STRIDE,
    NAPI_STATS,
    NETDEV_BUDGET,
    NETDEV_MAX_BACKLOG,
    NH_BUDGET,
    NH_CACHE_BULK,
    NH_CACHE_FREE,
    NH_CACHE_SIZE,
    NH_CONSUMER_CPU,
    NH_DEFER_MAX,
    NH_ERR,
    NH_ERR_AUX,
    NH_FRAGSZ,
    NH_MAGIC,
    NH_MAX_BACKLOG,
    NH_NETDEV_BUDGET,
    NH_PCPU_BASE,
    NH_PCPU_STRIDE,
    NH_PKT_LEN,
    NH_REUSABLE_CHECK,
    NH_RX_CPU,
    NH_RX_RING,
    NH_RX_SIZE,
    NH_TX_INFLIGHT,
    NH_TX_RING,
    NH_TX_SIZE,
    NH_TX_WORK,
    NH_VARIANT,
    NH_WORDS,
    NH_WORKLOAD,
    PACKET_LEN,
    PAGE_FRAG_CACHE_MAX_ORDER,
    PC_STATS,
    PCPU_STRIDE,
    RFC,
    SKB_DEFER_MAX,
    SKB_HEAD_SIZE,
    V46,
    V512,
    V619,
    VARIANT_IDS,
    WORKLOAD_IDS,
)
from skbbench.model.page_alloc_create import (
    DEFAULT_BATCH_ZONE_PAGES,
    new_machine,
    page_alloc_words,
    pageset_high_batch,
    zone_batchsize,
)
from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator
from skbbench.model.sheaves_create import SheavesCache, sheaves_meta_words
from skbbench.model.sheaves_layout import calculate_sheaf_capacity
from skbbench.model.slab_create import SlabCache, slab_meta_words
from skbbench.model.slab_create import kmem_cache_create as slab_cache_create
from skbbench.model.slub_create import SlubCache, kmem_cache_create, slub_meta_words

CACHE_GEOMETRY = {V46: CACHE_V46, RFC: CACHE_RFC, V512: CACHE_V512, V619: CACHE_V619}


@dataclass
class NapiModel:
    """One machine running the skb recycle loops (see the module doc)."""

    machine: Machine
    cache: SlubCache | SlabCache | SheavesCache
    nh: int
    variant: str
    workload: str
    allocator: Flavor

    @property
    def s(self) -> np.ndarray:
        return self.machine.s

    @property
    def nr_cpus(self) -> int:
        return self.machine.nr_cpus

    def fill(self) -> None:
        """ixgbe_alloc_rx_buffers at ifup: a fragment in every RX descriptor."""
        napi_fill_rx_ring(self.s, self.nh, self.allocator)
        self.raise_if_error()

    def teardown(self) -> None:
        """Free every skb, cached head and fragment, then check that each head is back in
        its slab and each page in the page allocator (ModelError otherwise)."""
        napi_teardown(self.s, self.nh, np.uint64(self.nr_cpus), self.allocator)
        self.raise_if_error()
        if isinstance(self.cache, SlubCache | SheavesCache):
            self.cache.flush_all()
        if self.cache.check:
            self.cache.validate()  # every object on exactly one freelist: no leak, no double free
        self.cache.destroy()  # kmem_cache_destroy (SLAB: after draining every array cache)
        pa = PageAllocator(self.machine)
        pa.drain()
        state = check_page_allocator(self.machine)
        if state["allocated"]:
            raise ModelError(
                f"napi {self.variant}/{self.workload}: {state['allocated']} page(s) still "
                "allocated after the teardown (a fragment or slab leaked)"
            )

    def error(self) -> str | None:
        code = int(self.s[self.nh + NH_ERR])
        if code == 0:
            return None
        return f"napi {self.variant}/{self.workload}: {ERROR_TEXT.get(code, 'model error')}"

    def raise_if_error(self) -> None:
        self.cache.raise_if_error()  # first: the allocator's own finding is the cause
        msg = self.error()
        if msg is not None:
            raise ModelError(msg)

    def napi_stats(self, cpu: int | None = None) -> dict[str, int]:
        """The skb model's counters (summed over CPUs, or of one CPU)."""
        s = self.s
        base = int(s[self.nh + NH_PCPU_BASE])
        rows = [
            s[base + c * PCPU_STRIDE + PC_STATS :][:NAPI_STAT_STRIDE]
            for c in range(self.nr_cpus)
            if cpu is None or c == cpu
        ]
        total = np.sum(rows, axis=0)
        return {name: int(total[i]) for i, name in enumerate(NAPI_STATS)}

    def counters(self) -> dict[str, Any]:
        """Everything reported with a result: the skb layer's counters, the slab
        allocator's and the page allocator's."""
        out = {"napi": self.napi_stats()}
        out.update(self.cache.counters())
        out["page_alloc"] = PageAllocator(self.machine).stats()
        return out

    def params(self) -> dict[str, Any]:
        s = self.s
        nh = self.nh
        return {
            "variant": self.variant,
            "workload": self.workload,
            "budget": int(s[nh + NH_BUDGET]),
            "netdev_budget": int(s[nh + NH_NETDEV_BUDGET]),
            "rx_ring": int(s[nh + NH_RX_SIZE]),
            "tx_ring": int(s[nh + NH_TX_SIZE]),
            "tx_inflight": int(s[nh + NH_TX_INFLIGHT]),
            "fragsz": int(s[nh + NH_FRAGSZ]),
        }


def _pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def napi_create(
    variant: str,
    workload: str,
    budget: int = NAPI_POLL_WEIGHT,
    netdev_budget: int = NETDEV_BUDGET,
    rx_ring: int = 512,
    tx_ring: int = 512,
    tx_inflight: int = 128,
    tx_work: int = IXGBE_DEFAULT_TX_WORK,
    nr_cpus: int = 8,
    profile: str = "published",
    check: bool = False,
    allocator: str = "slub",
    reusable_check: bool = False,
    fragsz: int = DEFAULT_FRAGSZ,
    pkt_len: int = PACKET_LEN,
    defer_max: int = SKB_DEFER_MAX,
    max_backlog: int = NETDEV_MAX_BACKLOG,
    rx_cpu: int = 0,
    consumer_cpu: int = 1,
) -> NapiModel:
    """A machine for ``variant`` (v4.4, v4.6, rfc-bulk-alloc, v5.12, v6.19) running
    ``workload`` (drop, forward, remote, irq-free), its RX ring filled;
    ``skbuff_head_cache`` from the ``allocator`` model (slub or slab)."""
    if variant not in VARIANT_IDS:
        raise ModelParameterError(f"unknown variant '{variant}'")
    if workload not in WORKLOAD_IDS:
        raise ModelParameterError(f"unknown workload '{workload}'")
    for name, ring in (("rx_ring", rx_ring), ("tx_ring", tx_ring)):
        if not _pow2(ring):
            raise ModelParameterError(f"{name} {ring}: must be a power of two")
    if not 1 <= budget <= rx_ring:
        raise ModelParameterError(f"budget {budget}: must be 1..rx_ring ({rx_ring})")
    if not 0 <= tx_inflight < tx_ring:
        raise ModelParameterError(f"tx_inflight {tx_inflight}: must be below tx_ring")
    if not (0 <= rx_cpu < nr_cpus and 0 <= consumer_cpu < nr_cpus and rx_cpu != consumer_cpu):
        raise ModelParameterError("rx_cpu and consumer_cpu: two different simulated CPUs")
    if not 512 <= fragsz <= PAGE_SIZE:
        raise ModelParameterError(f"fragsz {fragsz}: must be 512..{PAGE_SIZE}")
    if (allocator, bool(check)) not in ALLOCATORS:
        raise ModelParameterError(
            f"unknown allocator '{allocator}' (slub, slab, sheaves or sheaves-6.18)"
        )
    vid = VARIANT_IDS[variant]
    alloc_id = ALLOCATORS[(allocator, bool(check))]
    prof = get_profile(profile)

    # Sizing: the heads and fragments that can be alive at once, with room for the
    # slabs SLUB keeps on partial lists and for fragment pages pinned by a straggler.
    live = tx_ring + max_backlog + 1 + 2 * NAPI_SKB_CACHE_MAX * 2 + defer_max + netdev_budget
    frags = live + rx_ring + 2 * netdev_budget
    per_page = (PAGE_SIZE << PAGE_FRAG_CACHE_MAX_ORDER) // fragsz
    frag_pages = (2 * (frags // per_page + 16)) << PAGE_FRAG_CACHE_MAX_ORDER
    slab_pages = 4 * (2 * live // 16 + 64)  # 16 objects per page of 256-byte heads
    if allocator == "slab":
        # and the objects SLAB's array caches hold: limit per CPU, shared per node
        size = slab_layout.cache_size(
            SKB_HEAD_SIZE, slab_layout.calculate_alignment(SKB_HEAD_SIZE, True)
        )
        limit, batch, shared = slab_layout.enable_cpucache_limits(size, nr_cpus)
        slab_pages += (nr_cpus * limit + shared * batch) // 8
        # order-0 slabs: pages parked on the per-CPU page lists (high + batch per CPU)
        # do not count as free for the watermark check (as in slab_create)
        pcp_high, pcp_batch = pageset_high_batch(zone_batchsize(DEFAULT_BATCH_ZONE_PAGES))
        slab_pages += nr_cpus * (pcp_high + pcp_batch)
        slab_meta = slab_meta_words(
            nr_cpus, 1, limit, batch, shared, frag_pages + slab_pages, size, check
        )
    elif allocator in ("sheaves", "sheaves-6.18"):
        form = "6.18" if allocator == "sheaves-6.18" else "7.0"
        cap = (
            sheaves_create.V618_DEFAULT_CAPACITY
            if form == "6.18"
            else calculate_sheaf_capacity(SKB_HEAD_SIZE, 0)
        )
        slab_meta = sheaves_meta_words(
            nr_cpus, 1, 64, frag_pages + slab_pages, SKB_HEAD_SIZE, cap, check, form
        )
    else:
        slab_meta = slub_meta_words(nr_cpus, 64, frag_pages + slab_pages, 256, check)
    nr_pages = frag_pages + slab_pages
    napi_words = NH_WORDS + nr_cpus * PCPU_STRIDE + rx_ring + tx_ring + 64
    meta = page_alloc_words(nr_cpus) + slab_meta + napi_words + 256
    machine = new_machine(
        nr_pages,
        nr_cpus,
        costs=cost_iters(prof),
        meta_words=meta,
        arena_align_order=PAGE_FRAG_CACHE_MAX_ORDER,
    )
    cache: SlubCache | SlabCache | SheavesCache
    if allocator in ("sheaves", "sheaves-6.18"):
        cache = sheaves_create.kmem_cache_create(
            object_size=SKB_HEAD_SIZE,
            profile=prof,
            check=check,
            name="skbuff_head_cache",
            machine=machine,
            form="6.18" if allocator == "sheaves-6.18" else "7.0",
        )
    elif allocator == "slab":
        cache = slab_cache_create(
            object_size=SKB_HEAD_SIZE,
            profile=prof,
            check=check,
            name="skbuff_head_cache",
            machine=machine,
        )
    else:
        cache = kmem_cache_create(
            object_size=SKB_HEAD_SIZE,
            profile=prof,
            check=check,
            name="skbuff_head_cache",
            machine=machine,
        )
    s = machine.s
    nh = machine.reserve(NH_WORDS)
    pcpu = machine.reserve(nr_cpus * PCPU_STRIDE)
    rxr = machine.reserve(rx_ring)
    txr = machine.reserve(tx_ring)
    size, bulk, free = CACHE_GEOMETRY.get(vid, (64, 0, 64))
    s[nh + NH_MAGIC] = NAPI_MAGIC
    s[nh + NH_VARIANT] = vid
    s[nh + NH_WORKLOAD] = WORKLOAD_IDS[workload]
    s[nh + NH_BUDGET] = budget
    s[nh + NH_NETDEV_BUDGET] = netdev_budget
    s[nh + NH_REUSABLE_CHECK] = 1 if reusable_check and vid == V512 else 0
    s[nh + NH_DEFER_MAX] = defer_max
    s[nh + NH_MAX_BACKLOG] = max_backlog
    s[nh + NH_PCPU_BASE] = pcpu
    s[nh + NH_PCPU_STRIDE] = PCPU_STRIDE
    s[nh + NH_RX_CPU] = rx_cpu
    s[nh + NH_CONSUMER_CPU] = consumer_cpu
    s[nh + NH_FRAGSZ] = fragsz
    s[nh + NH_PKT_LEN] = pkt_len
    s[nh + NH_CACHE_SIZE] = size
    s[nh + NH_CACHE_BULK] = bulk
    s[nh + NH_CACHE_FREE] = free
    s[nh + NH_RX_RING] = rxr
    s[nh + NH_RX_SIZE] = rx_ring
    s[nh + NH_TX_RING] = txr
    s[nh + NH_TX_SIZE] = tx_ring
    s[nh + NH_TX_INFLIGHT] = tx_inflight
    s[nh + NH_TX_WORK] = tx_work
    s[nh + NH_ERR] = 0
    s[nh + NH_ERR_AUX] = 0
    model = NapiModel(machine, cache, nh, variant, workload, Flavor(alloc_id))
    model.fill()
    return model
