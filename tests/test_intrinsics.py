"""The CPU primitives do what the kernel's do, and timed loops are not optimized away."""

import numpy as np
import pytest
from numba import njit

from skbbench.harness.cpus import allowed_cpus, pin_current_thread
from skbbench.harness.intrinsics import (
    atomic_add64,
    atomic_load64,
    atomic_store64,
    barrier,
    call_indirect,
    call_noinline,
    cmpxchg64,
    cmpxchg64_local,
    cmpxchg128,
    cmpxchg128_local,
    prefetch,
    rdtscp_aux,
    static_branch_nop,
    tsc_start,
    tsc_stop,
    wall_ns,
)
from skbbench.harness.memory import aligned_words

U = np.uint64


@njit
def _cas64(a, i, old, new):
    return cmpxchg64(a, i, old, new)


@njit
def _cas128(a, i, olo, ohi, nlo, nhi):
    return cmpxchg128(a, i, olo, ohi, nlo, nhi)


@njit
def _rmw(a):
    old = atomic_add64(a, 0, U(5))
    atomic_store64(a, 1, U(7))
    return old, atomic_load64(a, 1)


@njit
def _aux():
    return rdtscp_aux()


@njit
def _timed_loop(n):
    w0 = wall_ns()
    t0 = tsc_start()
    for _ in range(n):
        barrier()
    t1 = tsc_stop()
    return t1 - t0, wall_ns() - w0


@njit
def _calls(n):
    acc = 0
    for _ in range(n):
        acc = call_noinline(acc)
        acc = call_indirect(acc)
    return acc


def test_cmpxchg64_swaps_only_on_match():
    a = np.zeros(4, np.uint64)
    assert _cas64(a, 1, U(1), U(9)) == 0 and a[1] == 0  # mismatch: unchanged, returns found
    assert _cas64(a, 1, U(0), U(9)) == 0 and a[1] == 9  # match: swapped


def test_cmpxchg128_updates_both_words_atomically():
    a = aligned_words(4)
    a[0], a[1] = 3, 4
    assert not _cas128(a, 0, U(3), U(5), U(7), U(8))  # second word differs
    assert list(a[:2]) == [3, 4]
    assert _cas128(a, 0, U(3), U(4), U(7), U(8))
    assert list(a[:2]) == [7, 8]


def test_atomic_add_returns_old_and_store_load_roundtrip():
    a = np.array([10, 0], np.uint64)
    assert _rmw(a) == (10, 7)
    assert a[0] == 15


def test_rdtscp_aux_reports_the_pinned_cpu(all_cpus):
    for cpu in allowed_cpus()[:2]:
        pin_current_thread(cpu)
        assert _aux() & 0xFFF == cpu


@pytest.mark.exclusive  # measures time
def test_barrier_loop_is_not_deleted_and_scales_with_loops():
    _timed_loop(10)
    small = min(_timed_loop(1_000_000)[0] for _ in range(3))
    large = min(_timed_loop(10_000_000)[0] for _ in range(3))
    assert small > 0
    assert large > 5 * small  # a deleted loop would cost the same for both


def test_wall_clock_encloses_a_positive_interval():
    ticks, ns = _timed_loop(1_000_000)
    assert ns > 0 and ticks > 0


def test_noinline_and_indirect_calls_are_real_calls():
    assert _calls(10) == 20
    asm = _calls.inspect_asm(_calls.signatures[0])
    assert "skbbench_noinline_inc" in asm
    assert "call" in asm and "*%" in asm  # an indirect call through a register


@pytest.mark.parametrize("loops", [0, 5])
def test_calls_count(loops):
    assert _calls(loops) == 2 * loops


# --------------------------------------------------------------------------------------
# The kernel's own instructions: unlocked cmpxchg16b/cmpxchg, prefetchnta, static keys


@njit
def _cas128_local(a, i, olo, ohi, nlo, nhi):
    return cmpxchg128_local(a, i, olo, ohi, nlo, nhi)


@njit
def _cas64_local(a, i, old, new):
    return cmpxchg64_local(a, i, old, new)


@njit
def _prefetch_and_nop(a, off):
    prefetch(a, off)
    static_branch_nop()
    return a[0]


def _instructions(dispatcher, mnemonic):
    asm = dispatcher.inspect_asm(dispatcher.signatures[0])
    return [line.strip() for line in asm.splitlines() if mnemonic in line]


def test_unlocked_cmpxchg16b_has_the_semantics_of_the_locked_one():
    a = aligned_words(4)
    a[2], a[3] = 3, 4
    assert not _cas128_local(a, 2, U(3), U(5), U(7), U(8))  # second word differs
    assert list(a[2:4]) == [3, 4]
    assert _cas128_local(a, 2, U(3), U(4), U(7), U(8))
    assert list(a[2:4]) == [7, 8]
    assert not _cas128_local(a, 2, U(3), U(4), U(1), U(1))  # the old value is gone
    assert list(a[2:4]) == [7, 8]


def test_unlocked_cmpxchg16b_is_emitted_without_lock_prefix():
    for fn in (_cas128_local, _cas128):  # compiled here: tests may run in any order
        fn(aligned_words(4), 2, U(0), U(0), U(0), U(0))
    found = _instructions(_cas128_local, "cmpxchg16b")
    assert found and all("lock" not in line for line in found), found
    locked = _instructions(_cas128, "cmpxchg16b")
    assert locked and all("lock" in line for line in locked), locked


def test_unlocked_cmpxchg_returns_the_value_found():
    a = np.zeros(4, np.uint64)
    assert _cas64_local(a, 1, U(1), U(9)) == 0 and a[1] == 0
    assert _cas64_local(a, 1, U(0), U(9)) == 0 and a[1] == 9
    found = _instructions(_cas64_local, "cmpxchgq")
    assert found and all("lock" not in line for line in found), found


def test_prefetchnta_and_the_static_key_nop_are_emitted():
    a = np.arange(8, dtype=np.uint64)
    assert _prefetch_and_nop(a, U(1 << 40)) == 0  # a prefetch never faults
    assert _instructions(_prefetch_and_nop, "prefetchnta")
    asm = _prefetch_and_nop.inspect_asm(_prefetch_and_nop.signatures[0])
    nop5 = "\t.byte\t15\n\t.byte\t31\n\t.byte\t68\n\t.byte\t0\n\t.byte\t0\n"  # 0f 1f 44 00 00
    assert nop5 in asm
