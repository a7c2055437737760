"""ptr_ring (include/linux/ptr_ring.h, Michael S. Tsirkin 2016): a NULL-terminated ring.

The ring lives in any uint64 array ``a`` at a base word index ``r`` (so a page_pool's
ring sits inside the machine array and an skb_array bench's in its own array), laid out
as the kernel's three cache-line groups::

    r + 0   producer            r + 1   producer_lock        (line 0)
    r + 8   consumer_head       r + 9   consumer_tail
    r + 10  consumer_lock                                     (line 1)
    r + 16  size                r + 17  batch
    r + 18  queue (word index of queue[0] in the same array)  (line 2)

A NULL (0) slot is empty: the queue must never hold 0. The producer tests the slot it
writes, the consumer the slot it reads; consumed slots go back to the producer in batches
of ``batch`` (16; 1 when size < 32), zeroed in reverse order. ``_bh`` variants take the
busy-wait iterations of a local_bh_disable/enable pair (a machine's ``s[MH_COST_BH]``, or
``cost_iters(profile).bh_disable_enable`` for a standalone ring). See docs/page_alloc.md.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.errors import UsageError
from skbbench.harness.intrinsics import atomic_load64, atomic_store64
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.memory import aligned_words
from skbbench.harness.spin import busy_wait
from skbbench.model.pages_layout import PTR_RING_MAX_SIZE, PTR_SIZE, SMP_CACHE_BYTES

R_PRODUCER = 0
R_PRODUCER_LOCK = 1
R_CONSUMER_HEAD = 8
R_CONSUMER_TAIL = 9
R_CONSUMER_LOCK = 10
R_SIZE = 16
R_BATCH = 17
R_QUEUE = 18
PTR_RING_WORDS = 24


_0 = np.uint64(0)
_1 = np.uint64(1)
_PRODUCER = np.uint64(R_PRODUCER)
_PRODUCER_LOCK = np.uint64(R_PRODUCER_LOCK)
_CONSUMER_HEAD = np.uint64(R_CONSUMER_HEAD)
_CONSUMER_TAIL = np.uint64(R_CONSUMER_TAIL)
_CONSUMER_LOCK = np.uint64(R_CONSUMER_LOCK)
_SIZE = np.uint64(R_SIZE)
_BATCH = np.uint64(R_BATCH)
_QUEUE = np.uint64(R_QUEUE)


def ptr_ring_batch(size: int) -> int:
    """__ptr_ring_set_size: batch = 2 * SMP_CACHE_BYTES / sizeof(void *) = 16, or 1 when
    that exceeds size / 2 (or is 0)."""
    batch = SMP_CACHE_BYTES * 2 // PTR_SIZE
    if batch > size // 2 or batch == 0:
        batch = 1
    return batch


def check_ptr_ring_size(size: int, what: str = "ptr_ring size") -> int:
    """ptr_ring_init's limits: any size >= 0 (not rounded), at most KMALLOC_MAX_SIZE/8."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise UsageError(f"{what} {size!r}: must be an integer")
    if size < 0:
        raise UsageError(f"{what} {size}: must be >= 0")
    if size > PTR_RING_MAX_SIZE:
        raise UsageError(
            f"{what} {size}: larger than KMALLOC_MAX_SIZE / 8 = {PTR_RING_MAX_SIZE} "
            f"(ptr_ring_init: -ENOMEM)"
        )
    return int(size)


def ptr_ring_words(size: int) -> int:
    """Words for a ring header plus its queue, rounded to a cache line."""
    return PTR_RING_WORDS + -(-size // 8) * 8


def ptr_ring_init(a: np.ndarray, r: int, size: int, queue: int | None = None) -> None:
    """ptr_ring_init: zeroed queue of ``size`` slots at word ``queue`` (default: right
    after the header), indices 0, locks free, batch from __ptr_ring_set_size."""
    size = check_ptr_ring_size(size)
    if r % 8:
        raise ValueError(f"ptr_ring at word {r}: must start on a cache line (multiple of 8)")
    q = r + PTR_RING_WORDS if queue is None else queue
    if q + size > len(a) or r + PTR_RING_WORDS > len(a):
        raise ValueError("ptr_ring does not fit in the array")
    a[r : r + PTR_RING_WORDS] = 0
    a[q : q + size] = 0
    a[r + R_SIZE] = size
    a[r + R_BATCH] = ptr_ring_batch(size)
    a[r + R_QUEUE] = q


def ptr_ring_alloc(size: int) -> np.ndarray:
    """A standalone ring in its own cache-line aligned array (base word 0)."""
    size = check_ptr_ring_size(size)
    a = aligned_words(ptr_ring_words(size))
    ptr_ring_init(a, 0, size)
    return a


def ptr_ring_entries(a: np.ndarray, r: int = 0) -> list[int]:
    """The queued pointers, oldest first (quiescent ring; for tests and teardown)."""
    size = int(a[r + R_SIZE])
    q = int(a[r + R_QUEUE])
    head = int(a[r + R_CONSUMER_HEAD])
    tail = int(a[r + R_CONSUMER_TAIL])
    out = []
    # slots [consumer_tail, consumer_head) were consumed but not yet released (still
    # non-NULL): reading on from the head must stop before them
    for k in range(size - (head - tail)):
        v = int(a[q + (head + k) % size])
        if v == 0:
            break
        out.append(v)
    return out


# --------------------------------------------------------------------------------------
# Unlocked operations (the caller holds the right lock or is the only user)


@njit(inline="always", nogil=True)
def __ptr_ring_full(a, r):
    # __ptr_ring_full: the producer's slot is still in use
    r = np.uint64(r)
    return atomic_load64(a, a[r + _QUEUE] + a[r + _PRODUCER]) != _0


@njit(inline="always", nogil=True)
def __ptr_ring_produce(a, r, ptr):
    # __ptr_ring_produce: -ENOSPC (False) if size 0 or the slot is not NULL
    r = np.uint64(r)
    size = a[r + _SIZE]
    producer = a[r + _PRODUCER]
    slot = a[r + _QUEUE] + producer
    if size == _0 or atomic_load64(a, slot) != _0:
        return False
    # smp_wmb(); WRITE_ONCE(r->queue[r->producer++], ptr)
    atomic_store64(a, slot, np.uint64(ptr))
    producer += _1
    if producer >= size:
        producer = _0
    a[r + _PRODUCER] = producer
    return True


@njit(inline="always", nogil=True)
def __ptr_ring_peek(a, r):
    # __ptr_ring_peek: READ_ONCE(queue[consumer_head]) (NULL = empty)
    r = np.uint64(r)
    if a[r + _SIZE] != _0:
        return atomic_load64(a, a[r + _QUEUE] + atomic_load64(a, r + _CONSUMER_HEAD))
    return _0


@njit(inline="always", nogil=True)
def __ptr_ring_empty(a, r):
    # __ptr_ring_empty: !queue[READ_ONCE(consumer_head)]
    return __ptr_ring_peek(a, r) == _0


@njit(inline="always", nogil=True)
def __ptr_ring_discard_one(a, r):
    # __ptr_ring_discard_one: advance; release slots to the producer in batches, zeroing
    # them in reverse (the producer's next slot last), and at the end of the array
    r = np.uint64(r)
    q = a[r + _QUEUE]
    size = a[r + _SIZE]
    tail = a[r + _CONSUMER_TAIL]
    head = a[r + _CONSUMER_HEAD]
    consumer_head = head + _1
    if consumer_head - tail >= a[r + _BATCH] or consumer_head >= size:
        while True:  # while (head >= consumer_tail) queue[head--] = NULL
            atomic_store64(a, q + head, _0)
            if head == tail:
                break
            head -= _1
        tail = consumer_head
        a[r + _CONSUMER_TAIL] = tail
    if consumer_head >= size:
        consumer_head = _0
        a[r + _CONSUMER_TAIL] = _0
    atomic_store64(a, r + _CONSUMER_HEAD, consumer_head)  # WRITE_ONCE(consumer_head)


@njit(inline="always", nogil=True)
def __ptr_ring_consume(a, r):
    # __ptr_ring_consume: peek, then discard the slot if it held something
    ptr = __ptr_ring_peek(a, r)
    if ptr != _0:
        __ptr_ring_discard_one(a, r)
    return ptr


@njit(inline="always", nogil=True)
def __ptr_ring_consume_batched(a, r, out, off, n):
    # __ptr_ring_consume_batched: up to n single consumes into out[off:]
    n = np.uint64(n)
    off = np.uint64(off)
    i = _0
    while i < n:
        ptr = __ptr_ring_consume(a, r)
        if ptr == _0:
            break
        out[off + i] = ptr
        i += _1
    return i


# --------------------------------------------------------------------------------------
# Locked wrappers: producer_lock / consumer_lock are real spinlocks


@njit(inline="always", nogil=True)
def ptr_ring_produce(a, r, ptr):
    # ptr_ring_produce: spin_lock(producer_lock); __ptr_ring_produce; spin_unlock
    r = np.uint64(r)
    spin_lock(a, r + _PRODUCER_LOCK)
    ok = __ptr_ring_produce(a, r, ptr)
    spin_unlock(a, r + _PRODUCER_LOCK)
    return ok


@njit(inline="always", nogil=True)
def ptr_ring_produce_bh(a, r, ptr, bh_iters):
    # ptr_ring_produce_bh: spin_lock_bh; the BH disable+enable pair charged at the enable
    ok = ptr_ring_produce(a, r, ptr)
    busy_wait(bh_iters)
    return ok


@njit(inline="always", nogil=True)
def ptr_ring_consume(a, r):
    # ptr_ring_consume: spin_lock(consumer_lock); __ptr_ring_consume; spin_unlock
    r = np.uint64(r)
    spin_lock(a, r + _CONSUMER_LOCK)
    ptr = __ptr_ring_consume(a, r)
    spin_unlock(a, r + _CONSUMER_LOCK)
    return ptr


@njit(inline="always", nogil=True)
def ptr_ring_consume_bh(a, r, bh_iters):
    # ptr_ring_consume_bh: spin_lock_bh(consumer_lock) ... spin_unlock_bh
    ptr = ptr_ring_consume(a, r)
    busy_wait(bh_iters)
    return ptr


@njit(inline="always", nogil=True)
def ptr_ring_consume_batched(a, r, out, off, n):
    # ptr_ring_consume_batched: one consumer_lock hold for up to n consumes
    r = np.uint64(r)
    spin_lock(a, r + _CONSUMER_LOCK)
    got = __ptr_ring_consume_batched(a, r, out, off, n)
    spin_unlock(a, r + _CONSUMER_LOCK)
    return got


@njit(inline="always", nogil=True)
def ptr_ring_full(a, r):
    # ptr_ring_full: __ptr_ring_full under producer_lock
    r = np.uint64(r)
    spin_lock(a, r + _PRODUCER_LOCK)
    full = __ptr_ring_full(a, r)
    spin_unlock(a, r + _PRODUCER_LOCK)
    return full


@njit(inline="always", nogil=True)
def ptr_ring_empty(a, r):
    # ptr_ring_empty: __ptr_ring_empty under consumer_lock
    r = np.uint64(r)
    spin_lock(a, r + _CONSUMER_LOCK)
    empty = __ptr_ring_empty(a, r)
    spin_unlock(a, r + _CONSUMER_LOCK)
    return empty


# --------------------------------------------------------------------------------------
# Callable-from-Python entry points (compiled, cached)


@njit(nogil=True, cache=True, _nrt=False)
def produce(a, r, ptr):
    # ptr_ring_produce (out of line)
    return ptr_ring_produce(a, r, ptr)


@njit(nogil=True, cache=True, _nrt=False)
def consume(a, r):
    # ptr_ring_consume (out of line)
    return ptr_ring_consume(a, r)


@njit(nogil=True, cache=True, _nrt=False)
def produce_unlocked(a, r, ptr):
    # __ptr_ring_produce (out of line)
    return __ptr_ring_produce(a, r, ptr)


@njit(nogil=True, cache=True, _nrt=False)
def consume_unlocked(a, r):
    # __ptr_ring_consume (out of line)
    return __ptr_ring_consume(a, r)


@njit(nogil=True, cache=True, _nrt=False)
def consume_batched(a, r, out, n):
    # ptr_ring_consume_batched (out of line) into out[0:n]
    return ptr_ring_consume_batched(a, r, out, 0, n)


@njit(nogil=True, cache=True, _nrt=False)
def empty(a, r):
    # ptr_ring_empty (out of line)
    return ptr_ring_empty(a, r)


@njit(nogil=True, cache=True, _nrt=False)
def full(a, r):
    # ptr_ring_full (out of line)
    return ptr_ring_full(a, r)
