"""alf_queue: the Array-based Lock-Free queue (Brouer + Hannes Frederic Sowa, RFC Dec 2014),
as include/linux/alf_queue.h of prototype-kernel: free-running u32 indices, MPMC with a
real ``lock cmpxchg`` reservation, SPSC without atomics. Layout and calling conventions in
docs/model.md.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.errors import ModelParameterError
from skbbench.harness.intrinsics import atomic_load64, atomic_store64, cmpxchg64, cpu_relax
from skbbench.harness.memory import aligned_words
from skbbench.model.alf_queue_layout import (
    C_HEAD,
    C_TAIL,
    P_HEAD,
    P_TAIL,
    Q_MASK,
    Q_SIZE,
    RING,
    alf_size_problem,
)

U32 = np.uint64(0xFFFFFFFF)
_RING = np.uint64(RING)
_ZERO = np.uint64(0)


def check_size(size: int, what: str = "ring size") -> None:
    """alf_queue_alloc's check: a power of two, at most 65536 (else -EINVAL)."""
    problem = alf_size_problem(size)
    if problem:
        raise ModelParameterError(f"{what} {size!r}: {problem}")


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
