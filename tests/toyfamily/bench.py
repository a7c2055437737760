"""toy_bench: push N objects onto a per-CPU array stack and pop them again, one call per
object (``one``) or one call per N (``bulk``); one element = one object's push + pop."""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.intrinsics import barrier
from skbbench.harness.runner import Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop, window_record
from skbbench.timebench import Record
from tests.toyfamily.spec import CASE, ToyConfig

_0 = np.uint64(0)
_1 = np.uint64(1)


@njit(nogil=True, cache=True, _nrt=False)
def toy_stack(stack, iterations, n, bulk, window):
    # the timed loop: push n, barrier, pop n; returns the elements counted
    cnt = _0
    time_bench_start(window)
    for _ in range(iterations):
        if bulk:
            for j in range(n):
                stack[np.uintp(1 + j)] = np.uint64(j + 1)
            stack[0] = np.uint64(n)
        else:
            for j in range(n):
                stack[np.uintp(1 + stack[0])] = np.uint64(j + 1)
                stack[0] += _1
        barrier()
        if bulk:
            stack[0] = _0
        else:
            for _ in range(n):
                stack[0] -= _1
        cnt += np.uint64(n)
    time_bench_stop(window, cnt)
    return cnt


def _case(cfg: ToyConfig, variant: str, size: int) -> Case:
    iterations = cfg.loops // size
    stack = np.zeros(1 + size, dtype=np.uint64)

    def run() -> Record:
        window = new_window()
        toy_stack(stack, iterations, size, variant == "bulk", window)
        return window_record(window, iterations, size)

    return Case(
        name=CASE,
        loops=iterations,
        step=size,
        run=run,
        params={"variant": variant, "size": size},
        counters=lambda: {"toy": {"pushes": iterations * size}},
        expected_invoked=iterations * size,
    )


def build_cases(cfg: ToyConfig) -> list[Case]:
    return [_case(cfg, v, s) for v in cfg.compare for s in cfg.sizes]
