"""What a call between jitted functions costs, against gcc's direct call.

The same callee (``x -> x + s[7]``, s[7] = 1: one add on the chain, the load off it) is
called in a dependent chain (each call's argument is the previous result, so calls
cannot overlap) by:

* C, gcc -O2: a ``noinline`` function called directly (``call rel32``);
* Numba, ``call_out_of_line`` (harness.calls): the noinline C-ABI wrapper the models use
  for exported and noinline kernel functions;
* Numba, a ``cfunc`` through a laundered function pointer (what qmempool's exported
  symbols used before);
* Numba, the callee inlined (``call_static``, LLVM inlines it): no call at all.

Prints cycles(tsc) per call (median and minimum of the repeats). Measure on a quiet
machine (docs/measurement.md).

    python tools/call_cost.py [--calls 5000000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llvmlite import ir  # noqa: E402
from numba import cfunc, njit, types  # noqa: E402
from numba.extending import intrinsic  # noqa: E402

from skbbench.harness.calls import call_out_of_line, call_static  # noqa: E402
from skbbench.harness.intrinsics import barrier, tsc_start, tsc_stop  # noqa: E402
from skbbench.harness.memory import aligned_words  # noqa: E402

U = np.uint64
C_SOURCE = r"""
#include <stdint.h>
typedef uint64_t u64;
static inline u64 tsc(void) {
    unsigned lo, hi;
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((u64)hi << 32) | lo;
}
__attribute__((noinline)) u64 callee(u64 *s, u64 x) { return x + s[7]; }
u64 chain(u64 *s, u64 n, u64 *out) {
    u64 acc = 0, t0 = tsc(), t1;
    for (u64 i = 0; i < n; i++)
        acc = callee(s, acc);
    t1 = tsc();
    *out = acc;
    return t1 - t0;
}
"""


@njit(nogil=True, cache=True, _nrt=False)
def callee(s, x):  # type: ignore[no-untyped-def]
    return x + s[U(7)]


@cfunc(types.uint64(types.uint64, types.uint64), cache=True, _nrt=False)
def callee_cfunc(addr, x):  # type: ignore[no-untyped-def]
    return x + U(1) + (addr & U(0))  # (the same add on the chain)


@intrinsic
def _call_ptr(typingctx, fn, a, x):  # type: ignore[no-untyped-def]
    sig = types.uint64(fn, a, x)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        i64 = ir.IntType(64)
        fnty = ir.FunctionType(i64, [i64, i64])
        launder = ir.InlineAsm(ir.FunctionType(i64, [i64]), "", "=r,0", side_effect=True)
        target = builder.inttoptr(builder.call(launder, [args[0]]), fnty.as_pointer())
        return builder.call(target, [args[1], args[2]])

    return sig, codegen


@njit(nogil=True, cache=True, _nrt=False)
def chain_out_of_line(s, n):  # type: ignore[no-untyped-def]
    acc = U(0)
    t0 = tsc_start()
    for _ in range(n):
        acc = call_out_of_line(callee, s, acc)
    return tsc_stop() - t0, acc


@njit(nogil=True, cache=True, _nrt=False)
def chain_static(s, n):  # type: ignore[no-untyped-def]
    acc = U(0)
    t0 = tsc_start()
    for _ in range(n):
        acc = call_static(callee, s, acc)
        barrier()
    return tsc_stop() - t0, acc


@njit(nogil=True, cache=True, _nrt=False)
def chain_pointer(fn, addr, n):  # type: ignore[no-untyped-def]
    acc = U(0)
    t0 = tsc_start()
    for _ in range(n):
        acc = _call_ptr(fn, addr, acc)
    return tsc_stop() - t0, acc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    n = args.calls
    s = aligned_words(64)
    s[7] = 1
    out = np.zeros(1, np.uint64)
    with tempfile.TemporaryDirectory() as tmp:
        src, lib = Path(tmp) / "c.c", Path(tmp) / "c.so"
        src.write_text(C_SOURCE)
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
        dll = ctypes.CDLL(str(lib))
        dll.chain.restype = ctypes.c_uint64
        dll.chain.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p]
        runs: dict[str, Callable[[], int]] = {
            "C direct call (gcc -O2, noinline)": lambda: dll.chain(
                s.ctypes.data, n, out.ctypes.data
            ),
            "call_out_of_line (noinline C-ABI)": lambda: chain_out_of_line(s, n)[0],
            "cfunc via laundered pointer": lambda: chain_pointer(
                U(callee_cfunc.address), U(s.ctypes.data), n
            )[0],
            "call_static (inlined: no call)": lambda: chain_static(s, n)[0],
        }
        for fn in runs.values():
            fn()  # compile / warm
        res: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(args.repeat):
            for name, fn in runs.items():
                res[name].append(int(fn()) / n)
    print(f"cycles(tsc) per call in a dependent chain, {n} calls x {args.repeat}")
    for name, vals in res.items():
        print(f"  {name:36s} median {statistics.median(vals):6.2f}  min {min(vals):6.2f}")


if __name__ == "__main__":
    main()
