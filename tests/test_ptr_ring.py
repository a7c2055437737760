"""ptr_ring: sizes and batch, NULL-marks-empty, the early "full" of batched release,
release at the array end, locked/BH/batched wrappers, and random sequences against a
plain-Python transcription of the header's algorithm."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from skbbench.errors import UsageError
from skbbench.harness.memory import aligned_words
from skbbench.model import ptr_ring as pr
from skbbench.model.ptr_ring import (
    PTR_RING_MAX_SIZE,
    R_BATCH,
    R_CONSUMER_HEAD,
    R_CONSUMER_TAIL,
    R_PRODUCER,
    R_QUEUE,
    R_SIZE,
    consume,
    consume_batched,
    consume_unlocked,
    empty,
    full,
    produce,
    produce_unlocked,
    ptr_ring_alloc,
    ptr_ring_batch,
    ptr_ring_entries,
    ptr_ring_init,
    ptr_ring_words,
)


def fill(a, r=0, start=1):
    n = 0
    while produce(a, r, start + n):
        n += 1
    return n


def test_batch_is_16_or_1_below_32_slots():
    sizes = (0, 1, 8, 31, 32, 33, 64, 1000, 32000)
    assert [ptr_ring_batch(n) for n in sizes] == [1] * 4 + [16] * 5
    a = ptr_ring_alloc(1000)
    assert a[R_BATCH] == 16 and a[R_SIZE] == 1000 and a[R_QUEUE] == 24


def test_sizes_are_not_rounded_and_limits_are_checked():
    a = ptr_ring_alloc(42)
    assert a[R_SIZE] == 42 and fill(a) == 42
    assert fill(ptr_ring_alloc(33)) == 33
    with pytest.raises(UsageError, match="-ENOMEM"):
        ptr_ring_alloc(PTR_RING_MAX_SIZE + 1)
    with pytest.raises(UsageError, match=">= 0"):
        ptr_ring_alloc(-1)
    with pytest.raises(UsageError, match="integer"):
        ptr_ring_alloc(2.5)


def test_size_zero_is_always_full_and_empty():
    a = ptr_ring_alloc(0)
    assert not produce(a, 0, 7) and consume(a, 0) == 0 and empty(a, 0)


def test_four_slot_queue_empty_and_single_element():
    a = ptr_ring_alloc(4)
    assert consume(a, 0) == 0
    assert produce(a, 0, 99)
    assert consume(a, 0) == 99 and consume(a, 0) == 0


def test_early_full_until_a_batch_of_16_is_released():
    a = ptr_ring_alloc(64)
    assert fill(a) == 64 and full(a, 0)
    for i in range(15):
        assert consume(a, 0) == i + 1
        assert full(a, 0)  # consumed slots are not released yet
    q = int(a[R_QUEUE])
    assert np.all(a[q : q + 15] != 0)
    assert consume(a, 0) == 16  # 16th: slots 0..15 zeroed, consumer_tail = 16
    assert np.all(a[q : q + 16] == 0) and a[R_CONSUMER_TAIL] == 16
    assert fill(a, start=1000) == 16
    assert ptr_ring_entries(a) == list(range(17, 65)) + list(range(1000, 1016))


def test_small_ring_releases_every_slot_at_once():
    a = ptr_ring_alloc(8)  # batch 1
    assert fill(a) == 8
    assert consume(a, 0) == 1
    assert produce(a, 0, 9) and not produce(a, 0, 10)


def test_the_end_of_the_array_releases_early():
    a = ptr_ring_alloc(40)  # batch 16
    assert fill(a) == 40
    for i in range(39):
        assert consume(a, 0) == i + 1
    assert a[R_CONSUMER_TAIL] == 32 and a[R_CONSUMER_HEAD] == 39
    assert consume(a, 0) == 40  # consumer_head reaches size: release 32..39, wrap to 0
    assert a[R_CONSUMER_HEAD] == 0 and a[R_CONSUMER_TAIL] == 0
    assert fill(a, start=100) == 40


def test_ring_inside_another_array_at_a_base_word():
    words = 8 + ptr_ring_words(100)
    a = aligned_words(words + 16)
    ptr_ring_init(a, 8, 100)
    a[:8] = 0xDEAD
    for i in range(250):
        assert produce(a, 8, i + 1)
        assert consume(a, 8) == i + 1
    assert np.all(a[:8] == 0xDEAD) and np.all(a[8 + words :] == 0)
    with pytest.raises(ValueError, match="cache line"):
        ptr_ring_init(a, 3, 4)


def test_consume_batched_and_unlocked_ops():
    a = ptr_ring_alloc(64)
    for i in range(10):
        assert produce_unlocked(a, 0, i + 1)
    out = np.zeros(16, dtype=np.uint64)
    assert consume_batched(a, 0, out, 4) == 4 and list(out[:4]) == [1, 2, 3, 4]
    assert consume_batched(a, 0, out, 16) == 6 and list(out[:6]) == [5, 6, 7, 8, 9, 10]
    assert consume_unlocked(a, 0) == 0
    assert a[1] == 0 and a[10] == 0  # both locks released


@njit(cache=True)
def _bh_roundtrip(a, n, bh):
    total = 0
    for i in range(n):
        pr.ptr_ring_produce_bh(a, 0, np.uint64(i + 1), bh)
        total += pr.ptr_ring_consume_bh(a, 0, bh)
    return total


def test_bh_variants_move_the_same_elements():
    a = ptr_ring_alloc(16)
    assert _bh_roundtrip(a, 100, np.uint64(0)) == sum(range(1, 101))
    assert _bh_roundtrip(a, 10, np.uint64(3)) == sum(range(1, 11))


class RefRing:
    """ptr_ring.h transcribed into plain Python (the test's oracle)."""

    def __init__(self, size):
        self.q = [0] * size
        self.size = size
        self.batch = 16 if 16 <= size // 2 else 1
        self.producer = self.head = self.tail = 0

    def produce(self, v):
        if not self.size or self.q[self.producer]:
            return False
        self.q[self.producer] = v
        self.producer = (self.producer + 1) % self.size
        return True

    def consume(self):
        if not self.size:
            return 0
        v = self.q[self.head]
        if not v:
            return 0
        head = self.head
        ch = head + 1
        if ch - self.tail >= self.batch or ch >= self.size:
            while head >= self.tail:
                self.q[head] = 0
                head -= 1
            self.tail = ch
        if ch >= self.size:
            ch = self.tail = 0
        self.head = ch
        return v


@settings(max_examples=60, deadline=None)
@given(
    size=st.sampled_from([1, 2, 5, 31, 32, 33, 40, 64, 100]),
    ops=st.lists(st.integers(-20, 20), min_size=1, max_size=60),
)
def test_random_sequences_match_the_header(size, ops):
    a = ptr_ring_alloc(size)
    ref = RefRing(size)
    produced = consumed = 0
    for n in ops:
        for _ in range(abs(n)):
            if n > 0:
                v = produced + 1
                ok = produce(a, 0, v)
                assert ok == ref.produce(v)
                produced += ok
            else:
                v = consume(a, 0)
                assert v == ref.consume()
                if v:
                    consumed += 1
                    assert v == consumed  # FIFO, nothing lost or duplicated
        q = int(a[R_QUEUE])
        assert [int(x) for x in a[q : q + size]] == ref.q
        assert (int(a[R_PRODUCER]), int(a[R_CONSUMER_HEAD]), int(a[R_CONSUMER_TAIL])) == (
            ref.producer,
            ref.head,
            ref.tail,
        )
