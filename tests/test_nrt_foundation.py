"""Hot kernels of the harness and samples contain no NRT reference counting."""

import pytest

from skbbench.bench import sample, time_bench_parallel
from skbbench.harness import spin
from tests.asmcheck import nrt_calls

KERNELS = [k for k, _ in sample.SAMPLES.values()] + [
    time_bench_parallel.lock_unlock,
    time_bench_parallel.atomic_inc_dec,
    time_bench_parallel.atomic_read,
    time_bench_parallel.atomic_inc,
    spin._time_calls,
]


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.py_func.__name__)
def test_no_nrt_in_hot_kernel(kernel):
    import numpy as np

    from skbbench.harness.memory import aligned_words
    from skbbench.harness.window import new_window

    if kernel is spin._time_calls:
        kernel(10, 3)
    elif kernel in [k for k, _ in sample.SAMPLES.values()]:
        kernel(10, new_window(), aligned_words(16))
    else:
        kernel(10, new_window(), aligned_words(32), np.int64(8), aligned_words(8), 1)
    assert nrt_calls(kernel) == []


def test_the_check_flags_a_kernel_that_allocates():
    import numpy as np
    from numba import njit

    @njit
    def allocates(n):
        return np.zeros(n).sum()

    allocates(3)
    assert nrt_calls(allocates) != []
