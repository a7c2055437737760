"""Calibrated busy-waits: how kernel-only costs are charged in userspace.

Userspace cannot disable IRQs, bottom halves or preemption, so those costs are explicit
model parameters in cycles(tsc) (defaults from published time_bench samples). A kernel
charges one with ``busy_wait(iters)`` where ``iters = cost_iters(cycles)`` was computed
once, in Python, from this machine's calibration.

``busy_wait`` calls one out-of-line spin function (``intrinsics.spin_call``): the same
instructions at every call site, a loop LLVM can neither unroll nor fold, so a charge
costs the same wherever a model pays it. (Inlined loops did not: copies of a nominal
18-cycle charge measured 10 to 36 cycles depending on how each site was unrolled.)

The calibration measures a call's *latency*: consecutive calls are chained through the
spin's result, so they cannot overlap. (Measured back to back without the chain, calls
overlap in the out-of-order core, the cost stops growing with the count over a range of
counts, and which count gets picked is decided by noise.) Charges therefore add up: two
18-cycle charges cost about 36 cycles, and a charge costs about its cycles wherever it
stands, although the CPU may still overlap it with independent work around it, as it
would the kernel's instructions. ``cost_iters(c)`` searches the count whose call costs
closest to ``c``; a charge below one call (~4 cycles(tsc) on the reference machine)
costs that minimum; a zero cost makes no call at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from numba import njit

from skbbench.harness.intrinsics import spin_call, spin_call_chained, tsc_start, tsc_stop

_CALLS = 200_000
_SHORT, _LONG = 1, 101


@dataclass(frozen=True)
class SpinCalibration:
    overhead: float  # ticks per call beyond the iterations (call, ret, loop entry)
    per_iter: float  # ticks per spin iteration


_calibration: SpinCalibration | None = None


@njit(inline="always", nogil=True)
def busy_wait(iters):
    """Charge a calibrated busy-wait of ``iters`` (0 = nothing, not even a call)."""
    if iters > 0:
        spin_call(iters)


@njit(nogil=True, cache=True)
def _time_calls(calls, iters):
    # each call's count depends on the previous call's result (0): no overlap
    carry = 0
    t0 = tsc_start()
    for _ in range(calls):
        carry = spin_call_chained(iters + carry)
    t1 = tsc_stop()
    return t1 - t0


def calibration() -> SpinCalibration:
    """Measured cost of the spin call on this machine (median of 5 each, cached)."""
    global _calibration
    if _calibration is None:
        _time_calls(10, 1)

        def per_call(iters: int) -> float:
            samples = sorted(int(_time_calls(_CALLS, iters)) for _ in range(5))
            return samples[2] / _CALLS

        short, long_ = per_call(_SHORT), per_call(_LONG)
        per_iter = max((long_ - short) / (_LONG - _SHORT), 1e-3)
        _calibration = SpinCalibration(
            overhead=max(short - per_iter * _SHORT, 0.0), per_iter=per_iter
        )
    return _calibration


_measured: dict[int, float] = {}
_chosen: dict[float, int] = {}


def measured_call(iters: int) -> float:
    """Ticks per busy_wait(iters) call in a tight loop (median of 5, cached)."""
    if iters not in _measured:
        _time_calls(10, iters)
        samples = sorted(int(_time_calls(_CALLS // 4, iters)) for _ in range(5))
        _measured[iters] = samples[2] / (_CALLS // 4)
    return _measured[iters]


def cost_iters(cycles: float) -> int:
    """Spin iterations whose call costs closest to ``cycles`` TSC ticks (0 for 0).

    The cost of a call grows with its iterations but not linearly (consecutive calls
    overlap in the CPU), so the count is searched on measurements: doubling until a
    call costs at least ``cycles``, then bisection, then the closer of the two ends."""
    if cycles <= 0:
        return 0
    if cycles not in _chosen:
        lo, hi = 1, 1
        if measured_call(1) < cycles:
            while measured_call(hi) < cycles and hi < 1 << 16:
                lo, hi = hi, hi * 2
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if measured_call(mid) < cycles:
                    lo = mid
                else:
                    hi = mid
        _chosen[cycles] = min((lo, hi), key=lambda k: (abs(measured_call(k) - cycles), k))
    return _chosen[cycles]


def charged_cycles(iters: int) -> float:
    """What a busy_wait(iters) costs on this machine, in TSC ticks (measured)."""
    return measured_call(iters) if iters > 0 else 0.0


def calibration_report() -> dict[str, object]:
    """What the charges of this process cost: stored with every result."""
    cal = calibration() if _calibration is not None or _chosen else None
    return {
        "call_overhead_ticks": round(cal.overhead, 3) if cal else None,
        "ticks_per_iter": round(cal.per_iter, 4) if cal else None,
        "charges": {
            f"{cycles:g}": {"iters": k, "measured_ticks": round(measured_call(k), 2)}
            for cycles, k in sorted(_chosen.items())
        },
    }
