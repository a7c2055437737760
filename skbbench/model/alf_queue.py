"""alf_queue: the Array-based Lock-Free queue (Brouer + Hannes Frederic Sowa, RFC Dec 2014).

Models ``include/linux/alf_queue.h`` + ``alf_queue_helpers.h`` of netoptimizer/
prototype-kernel (../shared/design/kernel-model.md 5.6, benchmarks.md 4.1-4.2).

State is one 64-byte-aligned uint64 array laid out like ``struct alf_queue``, each part
on its own cache line (``____cacheline_aligned_in_smp``)::

    words  0..7   size, mask, flags            (read-only after alf_queue_alloc)
    words  8..15  producer {head, tail}
    words 16..23  consumer {head, tail}
    words 24..    ring[size]                   (the pointers; here opaque u64 values)

All four counters are free-running u32 (kept in u64 words, always < 2**32): every sum or
difference is computed in uint64 and masked with ``U32``; a slot is ``counter & mask``.
So all ``size`` slots are usable (no sentinel slot).

Memory ordering follows the original: READ_ONCE of the other side's tail is an acquire
load (``atomic_load64``), ``smp_wmb`` + ``WRITE_ONCE(tail)`` and ``smp_store_release(tail)``
are release stores (``atomic_store64``), the reservation is a real ``lock cmpxchg``
(``cmpxchg64``; a full barrier) and the in-order wait spins with ``cpu_relax`` (pause).
On x86 acquire/release compile to plain moves, as smp_rmb/smp_wmb do in the kernel.

Calling from another @njit kernel (all functions are ``inline="always"``)::

    q = alf_queue_alloc(512)            # Python; ModelParameterError on bad sizes
    objs = np.zeros(16, np.uint64)      # the caller's ptr[] array
    n = alf_mp_enqueue(q, objs, 0, 16)  # objs[0:16] -> ring; returns 16 or 0 (all-or-nothing)
    n = alf_mc_dequeue(q, objs, 0, 16)  # up to 16 into objs[0:]; returns the number moved

``off`` is the start index in ``objs`` (the kernel passes ``&ptr[off]``); ``n`` and ``off``
may be any integer type; the return value is uint64. ``alf_sp_enqueue`` /
``alf_sc_dequeue`` are the single-producer / single-consumer variants (no atomics; the
caller guarantees exclusivity, as the kernel's callers do by disabling preemption).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.errors import ModelParameterError
from skbbench.harness.intrinsics import atomic_load64, atomic_store64, cmpxchg64, cpu_relax
from skbbench.harness.memory import aligned_words

ALF_MAX_SIZE = 65536

# Word offsets in the queue array (struct alf_queue).
Q_SIZE = 0
Q_MASK = 1
Q_FLAGS = 2
P_HEAD = 8
P_TAIL = 9
C_HEAD = 16
C_TAIL = 17
RING = 24

U32 = np.uint64(0xFFFFFFFF)
_RING = np.uint64(RING)
_ZERO = np.uint64(0)


def check_size(size: int, what: str = "ring size") -> None:
    """alf_queue_alloc's check: a power of two, at most 65536 (else -EINVAL)."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ModelParameterError(f"{what} {size!r}: must be an integer")
    if size < 1 or size & (size - 1):
        raise ModelParameterError(
            f"{what} {size}: must be a power of two (alf_queue_alloc: -EINVAL)"
        )
    if size > ALF_MAX_SIZE:
        raise ModelParameterError(
            f"{what} {size}: larger than the maximum {ALF_MAX_SIZE} (alf_queue_alloc: -EINVAL)"
        )


def alf_queue_alloc(size: int) -> np.ndarray:
    # alf_queue_alloc: zeroed struct + ring, mask = size - 1
    check_size(size)
    q = aligned_words(RING + size)
    q[Q_SIZE] = size
    q[Q_MASK] = size - 1
    return q


def queue_size(q: np.ndarray) -> int:
    return int(q[Q_SIZE])


def queue_count(q: np.ndarray) -> int:
    """alf_queue_count: producer.tail - consumer.head (u32)."""
    return (int(q[P_TAIL]) - int(q[C_HEAD])) & 0xFFFFFFFF


def queue_avail_space(q: np.ndarray) -> int:
    """alf_queue_avail_space: size + consumer.tail - producer.head (u32)."""
    return (int(q[Q_SIZE]) + int(q[C_TAIL]) - int(q[P_HEAD])) & 0xFFFFFFFF


def queue_empty(q: np.ndarray) -> bool:
    """alf_queue_empty: consumer.tail == producer.tail."""
    return int(q[C_TAIL]) == int(q[P_TAIL])


def queue_contents(q: np.ndarray) -> list[int]:
    """The elements from consumer.head to producer.tail, oldest first (quiescent queue)."""
    mask = int(q[Q_MASK])
    head = int(q[C_HEAD])
    return [int(q[RING + ((head + i) & 0xFFFFFFFF & mask)]) for i in range(queue_count(q))]


# --- alf_queue_helpers.h: store/load with the _unroll variant's branch ------------------


@njit(inline="always", nogil=True)
def __helper_alf_enqueue_store(q, p_head, objs, off, n):
    # __helper_alf_enqueue_store_unroll: contiguous copy unless the run reaches the end
    mask = q[Q_MASK]
    index = p_head & mask
    if index + n <= mask:
        base = _RING + index
        for i in range(n):
            j = np.uint64(i)
            q[np.uintp(base + j)] = objs[np.uintp(off + j)]
    else:
        for i in range(n):
            j = np.uint64(i)
            q[np.uintp(_RING + ((index + j) & mask))] = objs[np.uintp(off + j)]


@njit(inline="always", nogil=True)
def __helper_alf_dequeue_load(q, c_head, objs, off, n):
    # __helper_alf_dequeue_load_unroll
    mask = q[Q_MASK]
    index = c_head & mask
    if index + n <= mask:
        base = _RING + index
        for i in range(n):
            j = np.uint64(i)
            objs[np.uintp(off + j)] = q[np.uintp(base + j)]
    else:
        for i in range(n):
            j = np.uint64(i)
            objs[np.uintp(off + j)] = q[np.uintp(_RING + ((index + j) & mask))]


# --- multi-producer / multi-consumer ------------------------------------------------------


@njit(inline="always", nogil=True)
def alf_mp_enqueue(q, objs, off, n):
    """alf_mp_enqueue: all-or-nothing enqueue of objs[off:off+n]; returns n or 0."""
    n = np.uint64(n)
    off = np.uint64(off)
    size = q[Q_SIZE]
    # Reserve [p_head, p_next) with cmpxchg on producer.head (a full barrier).
    while True:
        p_head = atomic_load64(q, P_HEAD)
        c_tail = atomic_load64(q, C_TAIL)
        space = (size + c_tail - p_head) & U32
        if n > space:
            return _ZERO
        p_next = (p_head + n) & U32
        if cmpxchg64(q, P_HEAD, p_head, p_next) == p_head:
            break
    __helper_alf_enqueue_store(q, p_head, objs, off, n)
    # smp_wmb(); wait for earlier producers to publish (in-order completion).
    while atomic_load64(q, P_TAIL) != p_head:
        cpu_relax()
    atomic_store64(q, P_TAIL, p_next)  # WRITE_ONCE(producer.tail) after smp_wmb: release
    return n


@njit(inline="always", nogil=True)
def alf_mc_dequeue(q, objs, off, n):
    """alf_mc_dequeue: dequeue up to n into objs[off:]; returns the number dequeued."""
    n = np.uint64(n)
    off = np.uint64(off)
    while True:
        c_head = atomic_load64(q, C_HEAD)
        p_tail = atomic_load64(q, P_TAIL)
        elems = (p_tail - c_head) & U32
        if elems == _ZERO:
            return _ZERO
        if elems > n:
            elems = n
        c_next = (c_head + elems) & U32
        if cmpxchg64(q, C_HEAD, c_head, c_next) == c_head:
            break
    # No smp_rmb needed: the cmpxchg is a full barrier.
    __helper_alf_dequeue_load(q, c_head, objs, off, elems)
    while atomic_load64(q, C_TAIL) != c_head:
        cpu_relax()
    atomic_store64(q, C_TAIL, c_next)  # smp_store_release(consumer.tail)
    return elems


# --- single-producer / single-consumer (no atomics) ---------------------------------------


@njit(inline="always", nogil=True)
def alf_sp_enqueue(q, objs, off, n):
    """alf_sp_enqueue: all-or-nothing, caller is the only producer; returns n or 0."""
    n = np.uint64(n)
    off = np.uint64(off)
    size = q[Q_SIZE]
    p_head = q[P_HEAD]
    c_tail = atomic_load64(q, C_TAIL)  # smp_rmb(); read consumer.tail
    space = (size + c_tail - p_head) & U32
    if n > space:
        return _ZERO
    p_next = (p_head + n) & U32
    q[P_HEAD] = p_next
    __helper_alf_enqueue_store(q, p_head, objs, off, n)
    atomic_store64(q, P_TAIL, p_next)  # smp_wmb(); producer.tail = p_next
    return n


@njit(inline="always", nogil=True)
def alf_sc_dequeue(q, objs, off, n):
    """alf_sc_dequeue: up to n, caller is the only consumer; returns the number dequeued."""
    n = np.uint64(n)
    off = np.uint64(off)
    c_head = q[C_HEAD]
    p_tail = atomic_load64(q, P_TAIL)  # read producer.tail; smp_rmb() before the loads
    elems = (p_tail - c_head) & U32
    if elems == _ZERO:
        return _ZERO
    if elems > n:
        elems = n
    c_next = (c_head + elems) & U32
    q[C_HEAD] = c_next
    __helper_alf_dequeue_load(q, c_head, objs, off, elems)
    atomic_store64(q, C_TAIL, c_next)  # smp_wmb(); consumer.tail = c_next
    return elems


# --- quiescent helpers (jitted, for setup/teardown code) ------------------------------------


@njit(inline="always", nogil=True)
def alf_queue_count(q):
    # alf_queue_count
    return (atomic_load64(q, P_TAIL) - atomic_load64(q, C_HEAD)) & U32


@njit(inline="always", nogil=True)
def alf_queue_avail_space(q):
    # alf_queue_avail_space
    return (q[Q_SIZE] + atomic_load64(q, C_TAIL) - atomic_load64(q, P_HEAD)) & U32
