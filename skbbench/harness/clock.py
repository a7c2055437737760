"""How fast the core runs against the TSC: a dependent-chain probe, and the for_loop cost.

The TSC ticks at a constant reference rate while the core clock moves (frequency scaling
under a hypervisor, a busy SMT sibling): the same work then costs a different number of
cycles(tsc). The probe runs a chain of dependent ``add`` instructions (one core cycle
each, on every x86-64 core since the P6) in inline asm the compiler cannot shorten, and
divides the core cycles it must have taken by the TSC ticks it took: the core-clock/TSC
ratio. A short window only ever gets slower (interrupts, preemption), so each estimate is
the best of several windows. Every process records it, so compare can show and undo a
drift (docs/measurement.md).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from skbbench.document import ClockProbe
from skbbench.harness.intrinsics import barrier, tsc_start, tsc_stop

CHAIN = 64  # dependent adds per iteration of the probe loop
PROBE_ITERATIONS = 20_000  # 1.28 M core cycles per window (~0.4 ms)
PROBE_WINDOWS = 9
_I64 = ir.IntType(64)


@intrinsic
def add_chain(typingctx, n):
    """``n`` iterations of CHAIN dependent ``addq $1`` on one register (plus a
    ``dec/jnz`` that runs beside the chain); returns n * CHAIN."""
    if not isinstance(n, types.Integer):
        return None
    sig = types.int64(n)

    def codegen(context, builder, signature, args):
        body = "1:\n" + "addq $$1, $0\n" * CHAIN + "decq $1\njnz 1b\n"
        fnty = ir.FunctionType(ir.LiteralStructType([_I64, _I64]), [_I64, _I64])
        asm = ir.InlineAsm(fnty, body, "=r,=r,0,1,~{cc}", side_effect=True)
        count = context.cast(builder, args[0], signature.args[0], types.int64)
        res = builder.call(asm, [ir.Constant(_I64, 0), count])
        return builder.extract_value(res, 0)

    return sig, codegen


@njit(nogil=True, cache=True)
def _probe(iterations, out):
    # out[i] = TSC ticks of window i; the chain's core cycles are iterations * CHAIN
    for i in range(out.shape[0]):
        t0 = tsc_start()
        add_chain(iterations)
        t1 = tsc_stop()
        out[i] = t1 - t0


@njit(nogil=True, cache=True)
def _for_loop(loops):
    t0 = tsc_start()
    for _ in range(loops):
        barrier()
    t1 = tsc_stop()
    return t1 - t0


def probe_clock(windows: int = PROBE_WINDOWS, iterations: int = PROBE_ITERATIONS) -> ClockProbe:
    """Measure the core-clock/TSC ratio and the for_loop cost on the calling CPU."""
    ticks = np.zeros(windows, dtype=np.uint64)
    _probe(10, ticks[:1])  # compile / load, warm the path
    _probe(iterations, ticks)
    best = int(ticks.min())
    median = float(np.median(ticks))
    loops = 2_000_000
    _for_loop(1000)
    loop_ticks = min(int(_for_loop(loops)) for _ in range(3))
    return ClockProbe(
        core_per_tsc=iterations * CHAIN / best,
        spread=median / best - 1.0,
        for_loop_cycles=loop_ticks / loops,
    )
