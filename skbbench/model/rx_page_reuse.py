"""Driver RX page reuse by refcount, before page_pool: Eric Dumazet's ``page_count == 1``
rule and ixgbe v4.6's half-page flip, as @njit functions a driver RX loop calls.

Both keep one reference for the driver on every page of the RX ring and hand the page's
other reference to the stack with each frame; a page is re-posted only when the stack has
dropped every reference (``page_count == 1``), else it is left to the stack and replaced.
State: one uint64 array per RX ring (the driver's ``rx_buffer_info[]``)::

    0 count   1 next_to_clean   2 next_to_alloc   3 next_to_use
    4 truesize (bytes per buffer: half a page)    5 hdr_size (copy-break)   6 page order
    8.. counters (RX_STATS)    16.. per slot: page pfn, page_offset

See docs/page_alloc.md for what each models.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.errors import UsageError
from skbbench.harness.memory import aligned_words
from skbbench.model.mm_types import (
    GFP_COLD,
    GFP_COMP,
    GFP_NOWARN,
    PAGE_SIZE,
    PG_PFMEMALLOC,
    U_PG_FLAGS,
)
from skbbench.model.page_alloc import (
    __alloc_pages_nodemask,
    __free_pages,
    page_count,
    page_ref_inc,
    pfn_to_page,
    put_page,
)

RX_COUNT = 0
RX_NEXT_TO_CLEAN = 1
RX_NEXT_TO_ALLOC = 2
RX_NEXT_TO_USE = 3
RX_TRUESIZE = 4
RX_HDR_SIZE = 5
RX_ORDER = 6
RX_STATS_BASE = 8
RX_SLOTS = 16
SLOT_WORDS = 2

IXGBE_RX_HDR_SIZE = 256
IXGBE_RXBUFFER_2K = 2048

RX_STATS = (
    "reused",  # page re-posted (page_count was 1)
    "replaced",  # page left to the stack (page_count != 1), another allocated
    "reserved",  # page not reused: pfmemalloc or remote node
    "copied",  # small frame copied into the skb head (buffer reused as-is)
    "page_alloc",  # pages allocated for the ring
    "alloc_failed",  # alloc_pages returned NULL
)
(ST_REUSED, ST_REPLACED, ST_RESERVED, ST_COPIED, ST_ALLOC, ST_ALLOC_FAILED) = (
    np.uint64(i) for i in range(len(RX_STATS))
)

_0 = np.uint64(0)
_1 = np.uint64(1)
_SLOTW = np.uint64(SLOT_WORDS)
_RX_SLOTS = np.uint64(RX_SLOTS)
_RX_STATS = np.uint64(RX_STATS_BASE)
_RX_COUNT = np.uint64(RX_COUNT)
_RX_NTC = np.uint64(RX_NEXT_TO_CLEAN)
_RX_NTA = np.uint64(RX_NEXT_TO_ALLOC)
_RX_NTU = np.uint64(RX_NEXT_TO_USE)
_RX_TRUESIZE = np.uint64(RX_TRUESIZE)
_RX_HDR = np.uint64(RX_HDR_SIZE)
_RX_ORDER = np.uint64(RX_ORDER)
_PG_PFMEMALLOC = np.uint64(PG_PFMEMALLOC)
_NODE_SHIFT = np.uint64(48)
_DEV_ALLOC_GFP = np.uint64(GFP_COLD | GFP_COMP | GFP_NOWARN)  # dev_alloc_pages
_GFP_COLD = np.uint64(GFP_COLD)


def rx_ring_alloc(count: int, order: int = 0, truesize: int | None = None) -> np.ndarray:
    """An empty RX ring of ``count`` slots (ixgbe: 4K pages split in two 2K buffers)."""
    if not isinstance(count, int) or not 1 <= count <= 65536:
        raise UsageError(f"rx ring size {count!r}: must be 1..65536")
    truesize = IXGBE_RXBUFFER_2K if truesize is None else truesize
    if truesize < 1 or truesize > PAGE_SIZE << order:
        raise UsageError(f"truesize {truesize}: must be 1..{PAGE_SIZE << order}")
    rx = aligned_words(RX_SLOTS + SLOT_WORDS * count)
    rx[RX_COUNT] = count
    rx[RX_TRUESIZE] = truesize
    rx[RX_HDR_SIZE] = IXGBE_RX_HDR_SIZE
    rx[RX_ORDER] = order
    return rx


def rx_stats(rx: np.ndarray) -> dict[str, int]:
    return {n: int(rx[RX_STATS_BASE + i]) for i, n in enumerate(RX_STATS)}


def rx_ring_pages(rx: np.ndarray) -> list[int]:
    """pfns held by the ring's slots (the driver's references)."""
    n = int(rx[RX_COUNT])
    return [int(p) for p in rx[RX_SLOTS : RX_SLOTS + SLOT_WORDS * n : SLOT_WORDS] if p]


@njit(inline="always", nogil=True)
def rx_stat(rx, item):
    # the driver's rx_stats counters: the one place they are bumped
    rx[_RX_STATS + item] += _1


# --------------------------------------------------------------------------------------
# Eric Dumazet's rule (netdev/linux-mm, April 2016)


@njit(inline="always", nogil=True)
def rx_refcount_reuse(s, cpu, rx, pfn, gfp):
    # "if (page_count(page) != 1) { free the page and allocate another one, since we are
    # not the exclusive owner. Prefer __GFP_COLD pages } page_ref_inc(page);"
    # Called when the driver comes back to an RX slot (a ring cycle after its page went up
    # the stack with a frame) to post it for the next frame; pfn 0 = empty slot. Returns
    # the page to post, its count raised by the reference the next frame's skb will own.
    if pfn == _0 or page_count(s, pfn) != _1:
        if pfn != _0:
            put_page(s, cpu, pfn)  # drop the driver's reference; the stack frees it later
            rx_stat(rx, ST_REPLACED)
        pfn = __alloc_pages_nodemask(s, cpu, np.uint64(gfp) | _GFP_COLD, _0)
        if pfn == _0:
            rx_stat(rx, ST_ALLOC_FAILED)
            return _0
        rx_stat(rx, ST_ALLOC)
    else:
        rx_stat(rx, ST_REUSED)
    page_ref_inc(s, pfn)  # one atomic per reuse: skb's refcount==1 trick does not apply
    return pfn


@njit(nogil=True, cache=True, _nrt=False)
def rx_refcount_reuse_slot(s, cpu, rx, i, gfp):
    # rx_refcount_reuse on slot i of the ring (out of line, for tests and simple loops)
    w = _RX_SLOTS + np.uint64(i) * _SLOTW
    pfn = rx_refcount_reuse(s, np.uint64(cpu), rx, rx[w], gfp)
    rx[w] = pfn
    return pfn


# --------------------------------------------------------------------------------------
# ixgbe v4.6 (drivers/net/ethernet/intel/ixgbe/ixgbe_main.c), PAGE_SIZE < 8192


@njit(inline="always", nogil=True)
def ixgbe_page_is_reserved(s, pfn):
    # ixgbe_page_is_reserved: remote node (page_to_nid != numa_mem_id) or pfmemalloc
    flags = s[pfn_to_page(s, pfn) + U_PG_FLAGS]
    return (flags >> _NODE_SHIFT) != _0 or (flags & _PG_PFMEMALLOC) != _0


@njit(inline="always", nogil=True)
def ixgbe_alloc_mapped_page(s, cpu, rx, i):
    # ixgbe_alloc_mapped_page: keep a page still in the slot, else dev_alloc_pages
    w = _RX_SLOTS + i * _SLOTW
    if rx[w] != _0:
        return True
    pfn = __alloc_pages_nodemask(s, cpu, _DEV_ALLOC_GFP, rx[_RX_ORDER])
    if pfn == _0:
        rx_stat(rx, ST_ALLOC_FAILED)
        return False
    rx_stat(rx, ST_ALLOC)
    rx[w] = pfn
    rx[w + _1] = _0  # page_offset
    return True


@njit(nogil=True, cache=True, _nrt=False)
def ixgbe_alloc_rx_buffers(s, cpu, rx, cleaned_count):
    # ixgbe_alloc_rx_buffers: post cleaned_count buffers from next_to_use
    cpu = np.uint64(cpu)
    n = np.uint64(cleaned_count)
    count = rx[_RX_COUNT]
    i = rx[_RX_NTU]
    done = _0
    while done < n:
        if not ixgbe_alloc_mapped_page(s, cpu, rx, i):
            break
        i += _1
        if i == count:
            i = _0
        done += _1
    rx[_RX_NTU] = i
    rx[_RX_NTA] = i  # ixgbe_release_rx_desc: next_to_alloc = next_to_use
    return done


@njit(inline="always", nogil=True)
def ixgbe_add_rx_frag(s, cpu, rx, i, size):
    # ixgbe_add_rx_frag: copy small frames (reuse as-is), else attach the half page as a
    # frag (the skb takes the driver's reference) and flip to the other half if the
    # driver is the only owner, taking a new reference; returns True if reusable
    w = _RX_SLOTS + i * _SLOTW
    pfn = rx[w]
    if size <= rx[_RX_HDR]:  # memcpy into the skb head
        rx_stat(rx, ST_COPIED)
        if not ixgbe_page_is_reserved(s, pfn):
            return True
        __free_pages(s, cpu, pfn, rx[_RX_ORDER])  # this page cannot be reused
        rx_stat(rx, ST_RESERVED)
        return False
    # skb_add_rx_frag(skb, ..., page, page_offset, size, truesize)
    if ixgbe_page_is_reserved(s, pfn):  # avoid re-using remote pages
        rx_stat(rx, ST_RESERVED)
        return False
    if page_count(s, pfn) != _1:  # if we are only owner of page we can reuse it
        rx_stat(rx, ST_REPLACED)
        return False
    rx[w + _1] = rx[w + _1] ^ rx[_RX_TRUESIZE]  # flip page offset to the other buffer
    page_ref_inc(s, pfn)  # not atomic_set: get_page_unless_zero users
    rx_stat(rx, ST_REUSED)
    return True


@njit(inline="always", nogil=True)
def ixgbe_reuse_rx_page(rx, i):
    # ixgbe_reuse_rx_page: move the buffer to next_to_alloc (DMA sync: not modelled)
    nta = rx[_RX_NTA]
    src = _RX_SLOTS + i * _SLOTW
    dst = _RX_SLOTS + nta * _SLOTW
    rx[dst] = rx[src]
    rx[dst + _1] = rx[src + _1]
    nta += _1
    if nta >= rx[_RX_COUNT]:
        nta = _0
    rx[_RX_NTA] = nta


@njit(nogil=True, cache=True, _nrt=False)
def ixgbe_fetch_rx_buffer(s, cpu, rx, size):
    # ixgbe_fetch_rx_buffer for the frame at next_to_clean (one-buffer frames): returns
    # the page the skb holds a reference on (0: the frame was copied)
    cpu = np.uint64(cpu)
    size = np.uint64(size)
    i = rx[_RX_NTC]
    w = _RX_SLOTS + i * _SLOTW
    pfn = rx[w]
    copied = size <= rx[_RX_HDR]
    if ixgbe_add_rx_frag(s, cpu, rx, i, size):
        ixgbe_reuse_rx_page(rx, i)  # hand the second half back to the ring
    rx[w] = _0  # clear contents of buffer_info (the page moved, left with the skb or freed)
    i += _1
    if i >= rx[_RX_COUNT]:
        i = _0
    rx[_RX_NTC] = i
    if copied:
        return _0
    return pfn
