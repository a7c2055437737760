"""The timed kernels of `skbbench napi`: the NAPI driver loop of skbbench.model.napi
between time_bench_start/stop, one thin cached wrapper per slab allocator (its Flavor, a
compile-time constant: a second allocator is one more wrapper), deterministic and
per-thread forms.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.flavor import Flavor
from skbbench.harness.window import native_start_barrier, time_bench_start, time_bench_stop
from skbbench.model.napi import napi_consumer_thread, napi_rounds, napi_rx_thread
from skbbench.model.napi_layout import (
    ALLOC_SHEAVES,
    ALLOC_SHEAVES_618,
    ALLOC_SHEAVES_618_CHECKED,
    ALLOC_SHEAVES_CHECKED,
    ALLOC_SLAB,
    ALLOC_SLAB_CHECKED,
    ALLOC_SLUB,
    ALLOC_SLUB_CHECKED,
)

# the allocator flavors (skbuff.head_cache_*): one compiled chain each
SLUB = Flavor(ALLOC_SLUB)
SLUB_CHECKED = Flavor(ALLOC_SLUB_CHECKED)
SLAB = Flavor(ALLOC_SLAB)
SLAB_CHECKED = Flavor(ALLOC_SLAB_CHECKED)
SHEAVES = Flavor(ALLOC_SHEAVES)
SHEAVES_CHECKED = Flavor(ALLOC_SHEAVES_CHECKED)
SHEAVES_618 = Flavor(ALLOC_SHEAVES_618)
SHEAVES_618_CHECKED = Flavor(ALLOC_SHEAVES_618_CHECKED)


@njit(inline="always", nogil=True)
def _run(s, nh, packets, window, allocator):
    # the deterministic run: every simulated CPU in this thread, one window
    time_bench_start(window)
    n = napi_rounds(s, nh, np.uint64(packets), allocator)
    time_bench_stop(window, n)
    return n


@njit(nogil=True, cache=True, _nrt=False)
def napi_run_slub(s, nh, packets, window):
    return _run(s, nh, packets, window, SLUB)


@njit(nogil=True, cache=True, _nrt=False)
def napi_run_slub_checked(s, nh, packets, window):
    return _run(s, nh, packets, window, SLUB_CHECKED)


@njit(nogil=True, cache=True, _nrt=False)
def napi_run_slab(s, nh, packets, window):
    return _run(s, nh, packets, window, SLAB)


@njit(nogil=True, cache=True, _nrt=False)
def napi_run_slab_checked(s, nh, packets, window):
    return _run(s, nh, packets, window, SLAB_CHECKED)


@njit(nogil=True, cache=True, _nrt=False)
def napi_run_sheaves(s, nh, packets, window):
    return _run(s, nh, packets, window, SHEAVES)


@njit(nogil=True, cache=True, _nrt=False)
def napi_run_sheaves_checked(s, nh, packets, window):
    return _run(s, nh, packets, window, SHEAVES_CHECKED)


@njit(nogil=True, cache=True, _nrt=False)
def napi_run_sheaves_618(s, nh, packets, window):
    return _run(s, nh, packets, window, SHEAVES_618)


@njit(nogil=True, cache=True, _nrt=False)
def napi_run_sheaves_618_checked(s, nh, packets, window):
    return _run(s, nh, packets, window, SHEAVES_618_CHECKED)


@njit(inline="always", nogil=True)
def _rx_thread(s, nh, packets, window, sync, allocator):
    # threads mode, the RX CPU's thread
    native_start_barrier(sync, 2)
    time_bench_start(window)
    n = napi_rx_thread(s, nh, np.uint64(packets), allocator)
    time_bench_stop(window, n)
    return n


@njit(inline="always", nogil=True)
def _consumer_thread(s, nh, window, sync, allocator):
    # threads mode, the consumer CPU's thread
    native_start_barrier(sync, 2)
    time_bench_start(window)
    n = napi_consumer_thread(s, nh, allocator)
    time_bench_stop(window, n)
    return n


@njit(nogil=True, cache=True, _nrt=False)
def napi_rx_thread_slub(s, nh, packets, window, sync):
    return _rx_thread(s, nh, packets, window, sync, SLUB)


@njit(nogil=True, cache=True, _nrt=False)
def napi_consumer_thread_slub(s, nh, window, sync):
    return _consumer_thread(s, nh, window, sync, SLUB)


@njit(nogil=True, cache=True, _nrt=False)
def napi_rx_thread_slab(s, nh, packets, window, sync):
    return _rx_thread(s, nh, packets, window, sync, SLAB)


@njit(nogil=True, cache=True, _nrt=False)
def napi_consumer_thread_slab(s, nh, window, sync):
    return _consumer_thread(s, nh, window, sync, SLAB)


@njit(nogil=True, cache=True, _nrt=False)
def napi_rx_thread_sheaves(s, nh, packets, window, sync):
    return _rx_thread(s, nh, packets, window, sync, SHEAVES)


@njit(nogil=True, cache=True, _nrt=False)
def napi_consumer_thread_sheaves(s, nh, window, sync):
    return _consumer_thread(s, nh, window, sync, SHEAVES)


@njit(nogil=True, cache=True, _nrt=False)
def napi_rx_thread_sheaves_618(s, nh, packets, window, sync):
    return _rx_thread(s, nh, packets, window, sync, SHEAVES_618)


@njit(nogil=True, cache=True, _nrt=False)
def napi_consumer_thread_sheaves_618(s, nh, window, sync):
    return _consumer_thread(s, nh, window, sync, SHEAVES_618)


# The timed kernels by allocator flavor: (deterministic run, RX thread, consumer thread).
RUN = {
    SLUB: napi_run_slub,
    SLUB_CHECKED: napi_run_slub_checked,
    SLAB: napi_run_slab,
    SLAB_CHECKED: napi_run_slab_checked,
    SHEAVES: napi_run_sheaves,
    SHEAVES_CHECKED: napi_run_sheaves_checked,
    SHEAVES_618: napi_run_sheaves_618,
    SHEAVES_618_CHECKED: napi_run_sheaves_618_checked,
}
THREADS = {
    SLUB: (napi_rx_thread_slub, napi_consumer_thread_slub),
    SLAB: (napi_rx_thread_slab, napi_consumer_thread_slab),
    SHEAVES: (napi_rx_thread_sheaves, napi_consumer_thread_sheaves),
    SHEAVES_618: (napi_rx_thread_sheaves_618, napi_consumer_thread_sheaves_618),
}
