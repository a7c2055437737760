"""The ALF queue model on one thread: sizes, FIFO order, all-or-nothing / up-to-n bulks,
u32 wrap of the free-running indices, and a random comparison with a Python deque
(the functional tests of alf_queue_test.c, plus a model check)."""

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from skbbench.errors import ModelParameterError
from skbbench.model.alf_queue import (
    C_HEAD,
    C_TAIL,
    P_HEAD,
    P_TAIL,
    alf_mc_dequeue,
    alf_mp_enqueue,
    alf_queue_alloc,
    alf_sc_dequeue,
    alf_sp_enqueue,
    queue_avail_space,
    queue_contents,
    queue_count,
    queue_empty,
)

MP, SP = 0, 1


@njit(nogil=True, cache=True)
def enqueue(q, api, objs, off, n):
    if api == MP:
        return alf_mp_enqueue(q, objs, off, n)
    return alf_sp_enqueue(q, objs, off, n)


@njit(nogil=True, cache=True)
def dequeue(q, api, objs, off, n):
    if api == MP:
        return alf_mc_dequeue(q, objs, off, n)
    return alf_sc_dequeue(q, objs, off, n)


def vals(*xs):
    return np.array(xs, dtype=np.uint64)


def start_at(q, start):
    for w in (P_HEAD, P_TAIL, C_HEAD, C_TAIL):
        q[w] = start & 0xFFFFFFFF


@pytest.mark.parametrize("size", [0, 3, 42, 100, 65535, 131072, 1 << 20])
def test_bad_sizes_are_rejected(size):
    with pytest.raises(ModelParameterError, match="power of two|maximum"):
        alf_queue_alloc(size)


def test_layout_and_alignment():
    q = alf_queue_alloc(2048)
    assert q.ctypes.data % 64 == 0
    assert q.shape == (24 + 2048,)
    assert queue_empty(q) and queue_avail_space(q) == 2048
    # producer, consumer and ring on their own cache lines
    assert P_HEAD // 8 != C_HEAD // 8 and C_HEAD // 8 != 24 // 8


@pytest.mark.parametrize("api", [MP, SP])
def test_single_element_roundtrip(api):
    q = alf_queue_alloc(8)
    out = np.zeros(1, dtype=np.uint64)
    assert enqueue(q, api, vals(0xDEADBEEF), 0, 1) == 1
    assert queue_count(q) == 1
    assert dequeue(q, api, out, 0, 1) == 1
    assert out[0] == 0xDEADBEEF
    assert queue_empty(q)
    assert dequeue(q, api, out, 0, 1) == 0


@pytest.mark.parametrize("api", [MP, SP])
def test_fifo_rounds(api):
    # alf_queue_test: size 32, 6 rounds of 10 enqueued then 10 dequeued in order
    q = alf_queue_alloc(32)
    assert queue_avail_space(q) == 32
    out = np.zeros(10, dtype=np.uint64)
    for r in range(6):
        objs = np.arange(20 + 10 * r, 30 + 10 * r, dtype=np.uint64)
        assert enqueue(q, api, objs, 0, 10) == 10
        assert queue_count(q) == 10
        assert dequeue(q, api, out, 0, 10) == 10
        assert list(out) == list(objs)
    assert queue_empty(q)


@pytest.mark.parametrize("api", [MP, SP])
def test_add_until_full_all_or_nothing(api):
    # alf_queue_test's test_add_until_full: size 16, bulks of j until enqueue fails
    size = 16
    out = np.zeros(15, dtype=np.uint64)
    for j in range(1, 16):
        q = alf_queue_alloc(size)
        objs = np.arange(1, j + 1, dtype=np.uint64)
        total = 0
        while True:
            got = enqueue(q, api, objs, 0, j)
            assert got in (0, j)  # all-or-nothing
            if got == 0:
                break
            total += j
        assert total == (size // j) * j
        assert queue_avail_space(q) == size - total
        assert queue_count(q) == total
        deq = 0
        while True:
            got = dequeue(q, api, out, 0, 15)
            assert got <= min(15, total - deq)  # up to n
            if got == 0:
                break
            deq += got
        assert deq == total and queue_empty(q)


@pytest.mark.parametrize("api", [MP, SP])
def test_offsets_into_the_callers_array(api):
    q = alf_queue_alloc(16)
    objs = np.arange(100, 116, dtype=np.uint64)
    assert enqueue(q, api, objs, 5, 3) == 3
    out = np.zeros(8, dtype=np.uint64)
    assert dequeue(q, api, out, 4, 8) == 3
    assert list(out) == [0, 0, 0, 0, 105, 106, 107, 0]


@pytest.mark.parametrize("api", [MP, SP])
def test_u32_wrap_of_free_running_indices(api):
    q = alf_queue_alloc(8)
    start_at(q, 2**32 - 5)
    out = np.zeros(8, dtype=np.uint64)
    seen = []
    nxt = 1
    for _ in range(40):  # crosses 2**32 several times worth of slots
        objs = np.arange(nxt, nxt + 3, dtype=np.uint64)
        assert enqueue(q, api, objs, 0, 3) == 3
        nxt += 3
        assert queue_count(q) == 3
        assert dequeue(q, api, out, 0, 8) == 3
        seen += list(out[:3])
    assert seen == list(range(1, nxt))
    assert int(q[P_HEAD]) < 2**32 and int(q[P_HEAD]) == (2**32 - 5 + 120) % 2**32


@pytest.mark.parametrize("api", [MP, SP])
def test_full_queue_at_wrap_keeps_capacity(api):
    q = alf_queue_alloc(4)
    start_at(q, 2**32 - 2)
    assert enqueue(q, api, vals(1, 2, 3, 4), 0, 4) == 4  # all 4 slots usable
    assert enqueue(q, api, vals(5), 0, 1) == 0
    assert queue_contents(q) == [1, 2, 3, 4]


@settings(max_examples=60, deadline=None)
@given(
    size_log=st.integers(1, 5),
    start=st.sampled_from([0, 7, 2**32 - 9]),
    ops=st.lists(
        st.tuples(st.booleans(), st.integers(1, 20), st.sampled_from([MP, SP])), max_size=60
    ),
)
def test_matches_a_bounded_deque(size_log, start, ops):
    size = 1 << size_log
    q = alf_queue_alloc(size)
    start_at(q, start)
    ref: deque[int] = deque()
    nxt = 1
    buf = np.zeros(32, dtype=np.uint64)
    for is_enq, n, api in ops:
        if is_enq:
            objs = np.arange(nxt, nxt + n, dtype=np.uint64)
            got = int(enqueue(q, api, objs, 0, n))
            if len(ref) + n <= size:
                assert got == n
                ref.extend(range(nxt, nxt + n))
                nxt += n
            else:
                assert got == 0
        else:
            got = int(dequeue(q, api, buf, 0, n))
            want = min(n, len(ref))
            assert got == want
            assert list(buf[:got]) == [ref.popleft() for _ in range(want)]
        assert queue_count(q) == len(ref)
        assert queue_avail_space(q) == size - len(ref)
    assert queue_contents(q) == list(ref)
