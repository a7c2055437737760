"""bench_page_pool_cross_cpu: several CPUs return pages into one page_pool (its ptr_ring's
producer lock shared: MPSC) while one CPU allocates in softirq; ``page_pool_cross_cpu``
on R + 1 pinned threads (R returning CPUs, then the RX CPU), step = R.

Setup (outside the windows): one machine with R + 1 simulated CPUs, a page_pool
(``--version``, pool_size 32000, no NAPI), 256 pages allocated and put back with
allow_direct = false, and one transfer ptr_ring of 1024 per returning CPU.

* RX CPU (the last): its window covers the "tasklet" (softirq): produce R x loops +
  1024 x R pages -- page_pool_alloc_pages (NULL: counted, retried), a transfer queue
  picked round robin (``rr++ % R``, advancing past a full one), ``__ptr_ring_produce``
  without a lock; a full queue is counted and the page goes back with
  page_pool_recycle_direct; at most 1000 attempts per page. It counts R x loops + R
  elements, as the original's time_bench_stop.
* Returning CPU i: spins on ptr_ring_consume of its queue until the first page, waits
  400 ns (ndelay) to let the queue fill, returns that page, then times ``loops`` x
  {ptr_ring_consume (retried while empty, counted; the original aborts after 100 x loops
  retries, here only if also no page came for 10 s: a preempted RX thread on a shared
  machine is not a failure);
  page_pool_put_page(pool, page, allow_direct = false)} from process context
  (spin_lock_bh on the pool's ring; a full ring sends the page back to the page
  allocator). One element = one page returned.

Cleanup: the transfer queues are drained into the pool, the pool destroyed, and every
page must be back in the buddy lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from skbbench.bench.pages_common import conserve, cpus_wanted, page_machine
from skbbench.errors import ModelError, UsageError
from skbbench.harness.calls import FALSE as _FALSE
from skbbench.harness.calls import TRUE as _TRUE
from skbbench.harness.cpus import allowed_cpus
from skbbench.harness.intrinsics import cpu_relax, wall_ns
from skbbench.harness.memory import aligned_words
from skbbench.harness.runner import BenchAbort, ParallelCase
from skbbench.harness.window import (
    native_start_barrier,
    new_sync,
    new_window,
    time_bench_start,
    time_bench_stop,
    window_record,
)
from skbbench.model.machine import Machine
from skbbench.model.page_pool import (
    PagePool,
    page_pool_alloc_pages,
    page_pool_create,
    page_pool_put_page,
    page_pool_recycle_direct,
)
from skbbench.model.ptr_ring import (
    __ptr_ring_produce,
    ptr_ring_consume,
    ptr_ring_entries,
    ptr_ring_init,
    ptr_ring_words,
)
from skbbench.specs.pagepool import (
    CROSS_CPU,
    CROSS_PREFILL,
    CROSS_QUEUE,
    PAGE_POOL_CROSS_CPU,
    RETURNING_CPUS,
    PagepoolConfig,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)
MIN_CPUS = 2  # the default run skips this module on fewer allowed CPUs
QW = ptr_ring_words(CROSS_QUEUE)  # words per transfer queue
# rx_out / ret_out words
OUT_PRODUCED, OUT_FULL, OUT_OOM, OUT_ATTEMPTS = 0, 1, 2, 3
OUT_RECYCLED, OUT_EMPTY, OUT_ABORT = 0, 1, 2


@njit(nogil=True, cache=True, _nrt=False)
def pp_tasklet_simulate_rx_napi(s, pool, queues, nq, cpu, nr, invoked, window, out, sync, nthreads):
    # the RX CPU's kthread + tasklet: nr pages allocated in softirq and spread over the
    # transfer queues round robin; a full queue -> page_pool_recycle_direct
    pool = np.uint64(pool)
    cpu = np.uint64(cpu)
    nq = np.uint64(nq)
    nr = np.uint64(nr)
    max_attempts = nr * np.uint64(1000)
    produced = _0
    full = _0
    oom = _0
    attempts = _0
    rr = _0
    native_start_barrier(sync, nthreads)
    time_bench_start(window)
    while produced < nr and attempts < max_attempts:
        attempts += _1
        page = page_pool_alloc_pages(s, pool, cpu, _0, _TRUE)
        if page == _0:
            oom += _1
            cpu_relax()
            continue
        q = (rr % nq) * np.uint64(QW)
        rr += _1
        if __ptr_ring_produce(queues, q, page):
            produced += _1
        else:
            full += _1
            page_pool_recycle_direct(s, pool, cpu, page, _TRUE)
    time_bench_stop(window, invoked)
    out[OUT_PRODUCED] = produced
    out[OUT_FULL] = full
    out[OUT_OOM] = oom
    out[OUT_ATTEMPTS] = attempts
    return produced


@njit(nogil=True, cache=True, _nrt=False)
def time_pp_put_page_recycle(s, pool, queues, q, cpu, loops, window, out, sync, nthreads):
    # a returning CPU: first page, ndelay(400), then loops x {consume; page_pool_put_page}
    pool = np.uint64(pool)
    cpu = np.uint64(cpu)
    q = np.uint64(q)
    n = np.uint64(loops)
    limit = n * np.uint64(100)
    native_start_barrier(sync, nthreads)
    if n == _0:  # compile-only call
        return _0
    deadline = wall_ns() + np.uint64(60_000_000_000)
    spins = _0
    page = _0
    while page == _0:  # wait on the first page
        page = ptr_ring_consume(queues, q)
        if page == _0:
            cpu_relax()
            spins += _1
            if (spins & np.uint64(0xFFFF)) == _0 and wall_ns() > deadline:
                out[OUT_ABORT] = _1
                time_bench_start(window)
                time_bench_stop(window, _0)
                return _0
    t = wall_ns() + np.uint64(400)  # ndelay(400)
    while wall_ns() < t:
        cpu_relax()
    page_pool_put_page(s, pool, cpu, page, _FALSE, _FALSE)
    cnt = _0
    empty = _0
    stalled = _0  # wall_ns when the current run of empty polls passed the limit
    time_bench_start(window)
    while cnt < n:
        page = ptr_ring_consume(queues, q)
        if page == _0:
            empty += _1
            if empty > limit:  # the original aborts here; a preempted RX thread is no
                now = wall_ns()  # reason to in userspace: give up after 10 s of no page
                if stalled == _0:
                    stalled = now
                elif now - stalled > np.uint64(10_000_000_000):
                    out[OUT_ABORT] = _1
                    break
            continue
        stalled = _0
        page_pool_put_page(s, pool, cpu, page, _FALSE, _FALSE)
        cnt += _1
    time_bench_stop(window, cnt)
    out[OUT_RECYCLED] = cnt + _1
    out[OUT_EMPTY] = empty
    return cnt


@dataclass
class _Cross:
    machine: Machine
    pool: PagePool
    queues: np.ndarray
    nthreads: int
    outs: list[np.ndarray]
    sync: np.ndarray = field(default_factory=new_sync)
    counters: dict[str, Any] = field(default_factory=dict)


def returning_cpus(cfg: PagepoolConfig) -> tuple[list[int], list[str]]:
    """CPUs 0..R-1 return, CPU R allocates: R + 1 CPUs."""
    if cfg.returning_cpus:
        allowed = allowed_cpus()
        if cfg.returning_cpus + 1 > len(allowed):
            raise UsageError(
                f"--returning-cpus {cfg.returning_cpus}: needs {cfg.returning_cpus + 1} CPUs "
                f"(R returning + the RX CPU), only {len(allowed)} allowed"
            )
        return allowed[: cfg.returning_cpus + 1], []
    cpus, notes = cpus_wanted(RETURNING_CPUS + 1, None, CROSS_CPU)
    if len(cpus) < 2:
        raise UsageError(f"{CROSS_CPU}: needs 2 allowed CPUs (one returning, the RX CPU)")
    return cpus, notes


def build_cases(cfg: PagepoolConfig) -> list[ParallelCase]:
    cpus, notes = returning_cpus(cfg)
    r = len(cpus) - 1
    loops = cfg.cross_loops
    nr = r * loops + CROSS_QUEUE * r
    invoked = r * loops + r
    nr_pages = CROSS_QUEUE * r + min(cfg.cross_pool_size or 1024, 32768) + 8192

    def setup() -> _Cross:
        m = page_machine(nr_pages, r + 1, cfg.profile, PAGE_POOL_CROSS_CPU)
        pool = page_pool_create(
            m,
            cfg.version,
            pool_size=cfg.cross_pool_size,
            alloc_cache_size=cfg.alloc_cache,
            what_if=cfg.what_if,
        )
        pages = [pool.alloc(r, in_softirq=False) for _ in range(CROSS_PREFILL)]
        if not all(pages):
            raise BenchAbort(f"{CROSS_CPU}: cannot prefill the page_pool")
        for p in pages:
            pool.put(r, p, allow_direct=False, in_softirq=False)
        queues = aligned_words(QW * r)
        for i in range(r):
            ptr_ring_init(queues, i * QW, CROSS_QUEUE)
        outs = [np.zeros(8, dtype=np.uint64) for _ in cpus]
        # compile both kernels here, not in the threads (one thread compiling while the
        # other waits on it would spoil the first run)
        args = (m.s, pool.base, queues)
        pp_tasklet_simulate_rx_napi(*args, r, r, 0, 0, new_window(), outs[r], new_sync(), 1)
        time_pp_put_page_recycle(*args, 0, 0, 0, new_window(), outs[0], new_sync(), 1)
        return _Cross(machine=m, pool=pool, queues=queues, nthreads=len(cpus), outs=outs)

    def run(data: _Cross, index: int, cpu: int) -> Record:
        window = new_window()
        out = data.outs[index]
        s, base = data.machine.s, data.pool.base
        if index == r:
            pp_tasklet_simulate_rx_napi(
                s, base, data.queues, r, r, nr, invoked, window, out, data.sync, data.nthreads
            )
            produced = int(out[OUT_PRODUCED])
            if produced != nr:
                raise BenchAbort("ERROR: the RX tasklet could not produce every page")
            return window_record(window, loops=loops, step=r)
        time_pp_put_page_recycle(
            s, base, data.queues, index * QW, index, loops, window, out, data.sync, data.nthreads
        )
        if out[OUT_ABORT]:
            raise BenchAbort(f"ERROR: returning CPU:{cpu}: abort on retries")
        return window_record(window, loops=loops, step=r)

    def check(data: _Cross) -> None:
        pool = data.pool
        left = 0
        for i in range(r):
            for p in ptr_ring_entries(data.queues, i * QW):  # drain into the pool
                pool.put(r, p, allow_direct=False, in_softirq=False)
                left += 1
        destroyed = pool.destroy(r)
        if destroyed["inflight"]:
            raise ModelError(f"page_pool: {destroyed['inflight']} pages in flight at destroy")
        c = conserve(data.machine)
        data.counters = {
            "pages_returned": c["pages_returned"],
            "recycled": [int(o[OUT_RECYCLED]) for o in data.outs[:r]],
            "produced": int(data.outs[r][OUT_PRODUCED]),
            "left_in_transfer_queues": left,
        }

    return [
        ParallelCase(
            name=PAGE_POOL_CROSS_CPU,
            loops=loops,
            step=r,
            cpus=cpus,
            run=run,
            setup=setup,
            check=check,
            counters=lambda data: data.counters,
            group=CROSS_CPU,
            params={"module": CROSS_CPU, "version": cfg.version, "returning_cpus": r},
            notes=[
                *notes,
                f"{CROSS_CPU}: time_pp_put_page_recycle(): run on CPU:0..{r - 1} "
                f"expect nr_cpus:{r + 1}",
            ],
            expected_invoked=loops,
        )
    ]
