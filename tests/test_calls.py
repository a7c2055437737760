"""Kernel call boundaries between jitted functions (harness.calls) and compile-time
flavors (harness.flavor): real calls stay calls, flags fold away, results are right."""

import numpy as np
import pytest
from numba import njit

from skbbench.harness.calls import call_out_of_line, call_static
from skbbench.harness.flavor import Flavor, flavor_field, flavor_has
from skbbench.harness.memory import aligned_words

U = np.uint64
COUNT = 1  # a flavor bit


@njit(nogil=True)
def _callee(f, s, x):
    if flavor_has(f, COUNT):
        s[U(8)] += U(1)  # the "counter"
    return s[x & U(7)] + x + U(1) + flavor_field(f, 4, 0xF)


@njit(nogil=True)
def _store(s, i, v):
    s[i] = v


@njit(nogil=True)
def _kernel(f, s, n):
    acc = U(0)
    for _ in range(n):
        acc = call_out_of_line(_callee, f, s, acc)
        call_static(_store, s, U(9), acc)
    return acc


@njit(nogil=True)
def _kernel_slice(s, n):
    # an array that is not C-contiguous in Numba's typing (a strided view)
    call_out_of_line(_store, s[::2], U(n), U(7))


def _reference(s, n, add, count):
    acc = 0
    for _ in range(n):
        if count:
            s[8] += 1
        acc = int(s[acc & 7]) + acc + 1 + add
        s[9] = acc
    return acc


@pytest.mark.parametrize("flags", [0x0, 0x1, 0x30, 0x31])
def test_out_of_line_and_static_calls_compute_what_the_body_does(flags):
    s, ref = aligned_words(16), np.zeros(16, np.uint64)
    s[:8] = ref[:8] = np.arange(8, dtype=np.uint64) * 3
    got = _kernel(Flavor(flags), s, 50)
    want = _reference(ref, 50, (flags >> 4) & 0xF, flags & COUNT)
    assert int(got) == want and list(s) == list(ref)


def test_strided_arrays_keep_their_stride_across_the_call():
    s = aligned_words(16)
    _kernel_slice(s, 3)
    assert s[6] == 7 and s.sum() == 7


def test_each_flavor_is_its_own_compiled_function_and_off_bits_leave_no_code():
    s = aligned_words(16)
    _kernel(Flavor(0), s, 1)
    _kernel(Flavor(1), s, 1)
    sigs = {str(sig[0]) for sig in _kernel.signatures}
    assert {"Flavor(0x0)", "Flavor(0x1)"} <= sigs
    off = _asm_of(_kernel, "Flavor(0x0)")
    on = _asm_of(_kernel, "Flavor(0x1)")
    # the counter's address (word 8 = byte 64) is only written by the flavor with the bit
    assert "64(%" in _wrapper_body(on, "skbbench.ool.")
    assert "64(%" not in _wrapper_body(off, "skbbench.ool.")


def test_out_of_line_call_is_a_real_call_to_a_noinline_wrapper():
    s = aligned_words(16)
    _kernel(Flavor(1), s, 1)
    asm = _asm_of(_kernel, "Flavor(0x1)")
    calls = [line for line in asm.splitlines() if "call" in line and "*%" in line]
    assert calls, "no call emitted"
    assert "skbbench.ool." in asm and _wrapper_body(asm, "skbbench.ool.")


def _asm_of(dispatcher, flavor):
    for sig in dispatcher.signatures:
        if str(sig[0]) == flavor:
            return dispatcher.inspect_asm(sig)
    raise AssertionError(f"{flavor} not compiled")


def _wrapper_body(asm, prefix):
    lines, inside = [], False
    for line in asm.splitlines():
        if line.startswith(prefix) and line.endswith(":"):
            inside = True
            continue
        if inside and line.startswith(".Lfunc_end"):
            break
        if inside:
            lines.append(line)
    return "\n".join(lines)
