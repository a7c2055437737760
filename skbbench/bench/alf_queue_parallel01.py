"""alf_queue_parallel01: the ALF queue across CPUs on real pinned threads (docs/benchmarks.md).

One thread per CPU (``ParallelCase``), all released by the start barrier, each timing its
own loop. Role by CPU parity as in the original: **even CPU id -> enqueuer (step 1), odd
-> dequeuer (step 0)**. Each scenario gets a fresh queue of ``q_size`` (65536) prefilled
with ``prefill`` (32000) fake pointers (42), one ``alf_mp_enqueue`` at a time, outside
the timed windows, so dequeuers do not run dry.

* non-bulk scenarios: ``loops`` iterations of one enqueue(1) or one dequeue(1), one
  element each; a full (enqueue) or empty (dequeue) queue stops that CPU's timing early
  with the original's WARN message (kept in the case's counters) and a partial count.
* ``alf_queue_BULK_MPMC_parallel_many_CPUs``: loop until the element count reaches
  ``loops``; each call must move exactly ``bulk`` (else stop early); step = bulk on all
  CPUs.

The original wants CPUs {0,1} for the two_CPUs scenarios and 0..3 (``parallel_cpus``
default 4) for the many_CPUs ones; on a machine with fewer allowed CPUs the scenario runs
on those there are and says so in ParallelCase.notes. An explicit ``parallel_cpus``
larger than the allowed set is a UsageError.

Also here: ``stress()``, the concurrency correctness check (the role of
alf_queue_concurrency_test): pinned threads push unique tagged values through a queue in
bulks and every consumer records what it saw; nothing may be lost, duplicated or reordered
per producer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from skbbench.errors import UsageError
from skbbench.harness.cpus import (
    allowed_cpus,
    choose_parallel_cpus,
    current_affinity,
    format_cpus,
    pin_current_thread,
)
from skbbench.harness.intrinsics import (
    atomic_add64,
    atomic_load64,
    atomic_store64,
    wall_ns,
)
from skbbench.harness.runner import ParallelCase
from skbbench.harness.window import (
    native_start_barrier,
    new_sync,
    new_window,
    time_bench_start,
    time_bench_stop,
    window_record,
)
from skbbench.model.alf_queue import (
    alf_mc_dequeue,
    alf_mp_enqueue,
    alf_queue_alloc,
    alf_sc_dequeue,
    alf_sp_enqueue,
    queue_count,
)
from skbbench.model.alf_queue_layout import C_HEAD, C_TAIL, P_HEAD, P_TAIL
from skbbench.specs.alfq import MANY_CPUS, MAX_PAR_BULK, PARALLEL_SCENARIOS, AlfqConfig
from skbbench.timebench import Record

_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_U32 = np.uint64(0xFFFFFFFF)


@njit(nogil=True, cache=True, _nrt=False)
def prefill_queue(q, n, buf):
    # one alf_mp_enqueue(1) of buf[0] per element, as the original's prefill
    for i in range(n):
        if alf_mp_enqueue(q, buf, 0, 1) != _ONE:
            return i
    return n


@njit(nogil=True, cache=True, _nrt=False)
def time_alf_queue_parallel(q, loops, enqueue, spsc, window, objs, out, warn, sync, nthreads):
    # time_bench_CPU_enq_or_deq: loops single enqueues or dequeues; stop early on full/empty
    cnt = np.uint64(0)
    native_start_barrier(sync, nthreads)
    time_bench_start(window)
    if enqueue:
        for i in range(loops):
            if spsc:
                got = alf_sp_enqueue(q, objs, 0, 1)
            else:
                got = alf_mp_enqueue(q, objs, 0, 1)
            if got != _ONE:
                warn[0] = _ONE
                warn[1] = np.uint64(i)
                break
            cnt += _ONE
    else:
        for i in range(loops):
            if spsc:
                got = alf_sc_dequeue(q, out, 0, 1)
            else:
                got = alf_mc_dequeue(q, out, 0, 1)
            if got != _ONE:
                warn[0] = _ONE
                warn[1] = np.uint64(i)
                break
            cnt += _ONE
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def time_alf_queue_parallel_bulk(
    q,
    loops,
    bulk,
    enqueue,
    window,
    objs,
    out,
    warn,
    sync,
    nthreads,
):
    # time_bench_CPU_BULK_enq_or_deq: until the element count reaches loops
    native_start_barrier(sync, nthreads)
    b = np.uint64(bulk)
    target = np.uint64(loops)
    cnt = np.uint64(0)
    i = np.uint64(0)
    time_bench_start(window)
    while cnt < target:
        if enqueue:
            got = alf_mp_enqueue(q, objs, 0, b)
        else:
            got = alf_mc_dequeue(q, out, 0, b)
        if got != b:
            warn[0] = _ONE
            warn[1] = i
            break
        cnt += b
        i += _ONE
    time_bench_stop(window, cnt)
    return cnt


@dataclass
class _ParData:
    q: np.ndarray
    prefilled: int
    nthreads: int
    sync: np.ndarray = field(default_factory=new_sync)
    warnings: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _setup(q_size: int, prefill: int, nthreads: int) -> Callable[[], _ParData]:
    def setup() -> _ParData:
        q = alf_queue_alloc(q_size)
        done = int(prefill_queue(q, prefill, np.full(1, 42, dtype=np.uint64)))
        if done != prefill:
            raise UsageError(f"alf_queue_parallel01: err cannot prefill:{done} sz:{q_size}")
        return _ParData(q=q, prefilled=done, nthreads=nthreads)

    return setup


def _counters(data: _ParData) -> dict[str, Any]:
    return {
        "prefill": data.prefilled,
        "queue_count_after": queue_count(data.q),
        "warnings": list(data.warnings),
    }


def _run_single(name: str, loops: int, spsc: bool) -> Callable[[_ParData, int, int], Record]:
    fn = "time_bench_CPU_enq_or_deq"

    def run(data: _ParData, index: int, cpu: int) -> Record:
        enqueue = cpu % 2 == 0
        window = new_window()
        objs = np.full(MAX_PAR_BULK, 42, dtype=np.uint64)
        out = np.zeros(MAX_PAR_BULK, dtype=np.uint64)
        warn = np.zeros(2, dtype=np.uint64)
        time_alf_queue_parallel(
            data.q, loops, enqueue, spsc, window, objs, out, warn, data.sync, data.nthreads
        )
        if warn[0]:
            what = "enq fullq" if enqueue else "deq emptyq"
            with data.lock:
                data.warnings.append(f"{fn}() WARN: {what}(CPU:{cpu}) i:{int(warn[1])}")
        return window_record(window, loops=loops, step=1 if enqueue else 0)

    return run


def _run_bulk(loops: int, bulk: int) -> Callable[[_ParData, int, int], Record]:
    fn = "time_bench_CPU_BULK_enq_or_deq"

    def run(data: _ParData, index: int, cpu: int) -> Record:
        enqueue = cpu % 2 == 0
        window = new_window()
        objs = np.full(MAX_PAR_BULK, 42, dtype=np.uint64)
        out = np.zeros(MAX_PAR_BULK, dtype=np.uint64)
        warn = np.zeros(2, dtype=np.uint64)
        time_alf_queue_parallel_bulk(
            data.q, loops, bulk, enqueue, window, objs, out, warn, data.sync, data.nthreads
        )
        if warn[0]:
            what = "enq fullq" if enqueue else "deq emptyq"
            with data.lock:
                data.warnings.append(f"{fn}() WARN: {what}(CPU:{cpu}) i:{int(warn[1])} bulk:{bulk}")
        return window_record(window, loops=loops, step=bulk)

    return run


def cpus_for(wanted: int, requested: int | None) -> tuple[list[int], list[str]]:
    """CPUs for a scenario that wants ``wanted`` CPUs (0..wanted-1 in the original)."""
    if requested is not None:
        cpus = choose_parallel_cpus(requested)
        notes = [f"Limit to {requested} parallel CPUs"]
        return cpus, notes
    allowed = allowed_cpus()
    if len(allowed) >= wanted:
        return allowed[:wanted], []
    return allowed, [
        f"NOTE: the original runs this on {wanted} CPUs; only {len(allowed)} allowed "
        f"({format_cpus(allowed)}), running on those"
    ]


def build_cases(cfg: AlfqConfig) -> list[ParallelCase]:
    loops = cfg.parallel_loops
    bulk = cfg.parallel_bulk
    q_size = cfg.q_size
    prefill = cfg.prefill
    requested = cfg.parallel_cpus or None
    tests = PARALLEL_SCENARIOS
    params = {"q_size": q_size, "prefill": prefill}
    cases: list[ParallelCase] = []
    two, two_notes = cpus_for(2, None if requested is None else min(2, requested))
    many, many_notes = cpus_for(MANY_CPUS, requested)
    for name, spsc in (
        ("alf_queue_MPMC_parallel_two_CPUs", False),
        ("alf_queue_SPSC_parallel_two_CPUs", True),
    ):
        if name in tests:
            cases.append(
                ParallelCase(
                    name=name,
                    loops=loops,
                    step=0,
                    cpus=two,
                    run=_run_single(name, loops, spsc),
                    setup=_setup(q_size, prefill, len(two)),
                    params=params,
                    counters=_counters,
                    group="alf_queue_parallel01",
                    notes=list(two_notes),
                )
            )
    if "alf_queue_MPMC_parallel_many_CPUs" in tests:
        cases.append(
            ParallelCase(
                name="alf_queue_MPMC_parallel_many_CPUs",
                loops=loops,
                step=0,
                cpus=many,
                run=_run_single("many", loops, False),
                setup=_setup(q_size, prefill, len(many)),
                params=params,
                counters=_counters,
                group="alf_queue_parallel01",
                notes=list(many_notes),
            )
        )
    if "alf_queue_BULK_MPMC_parallel_many_CPUs" in tests:
        cases.append(
            ParallelCase(
                name="alf_queue_BULK_MPMC_parallel_many_CPUs",
                loops=loops,
                step=bulk,
                cpus=many,
                run=_run_bulk(loops, bulk),
                setup=_setup(q_size, prefill, len(many)),
                params={**params, "bulk": bulk},
                counters=_counters,
                group="alf_queue_parallel01",
                notes=[
                    n.replace("parallel CPUs", f"parallel CPUs (bulk:{bulk})") for n in many_notes
                ],
            )
        )
    return cases


# --- concurrency stress (no element lost, duplicated or reordered) ------------------------

# shared control words, each on its own cache line
S_CONSUMED = 0
S_ABORT = 8


@njit(nogil=True, cache=True, _nrt=False)
def stress_worker(
    q,
    spsc,
    produce,
    consume,
    pid,
    per_producer,
    total,
    bulk,
    shared,
    seen,
    last,
    sums,
    buf,
    out,
    deadline,
):
    """One pinned thread: produce ``per_producer`` values tagged (pid << 32 | serial+1)
    in bulks of ``bulk`` (all-or-nothing), and/or consume in bulks of up to ``bulk``
    until ``total`` elements were consumed by all consumers together. ``seen[i]`` counts
    the element with global index i; ``last[p]`` is the last serial seen from producer
    p (must grow strictly); ``sums`` = [count, sum, xor, order violations, bad values,
    timed out]."""
    b = np.uint64(bulk)
    per = np.uint64(per_producer)
    tot = np.uint64(total)
    produced = np.uint64(0)
    count = np.uint64(0)
    acc = np.uint64(0)
    xor = np.uint64(0)
    disorder = np.uint64(0)
    bad = np.uint64(0)
    tag = np.uint64(pid) << np.uint64(32)
    nprod = np.uint64(last.shape[0])
    spins = 0
    while True:
        if produce and produced < per:
            n = b
            if per - produced < n:
                n = per - produced
            for i in range(n):
                buf[np.uintp(i)] = tag | (produced + np.uint64(i) + _ONE)
            if spsc:
                got = alf_sp_enqueue(q, buf, 0, n)
            else:
                got = alf_mp_enqueue(q, buf, 0, n)
            if got == n:
                produced += n
            elif got != _ZERO:
                bad += _ONE  # all-or-nothing violated
        if consume:
            if spsc:
                got = alf_sc_dequeue(q, out, 0, b)
            else:
                got = alf_mc_dequeue(q, out, 0, b)
            if got > b:
                bad += _ONE
                got = b
            for i in range(got):
                v = out[np.uintp(i)]
                p = v >> np.uint64(32)
                s = v & _U32
                if p >= nprod or s == _ZERO or s > per:
                    bad += _ONE
                    continue
                if s <= last[np.uintp(p)]:
                    disorder += _ONE
                last[np.uintp(p)] = s
                seen[np.uintp(p * per + s - _ONE)] += np.uint8(1)
                acc += v
                xor ^= v
            count += got
            if got != _ZERO:
                atomic_add64(shared, S_CONSUMED, got)
        done_producing = (not produce) or produced >= per
        if done_producing and (not consume or atomic_load64(shared, S_CONSUMED) >= tot):
            break
        spins += 1
        if spins >= 4096:
            spins = 0
            if atomic_load64(shared, S_ABORT) != _ZERO:
                break
            if wall_ns() > np.uint64(deadline):
                atomic_store64(shared, S_ABORT, _ONE)
                sums[5] = _ONE
                break
    sums[0] = count
    sums[1] = acc
    sums[2] = xor
    sums[3] = disorder
    sums[4] = bad
    return count


@dataclass
class StressResult:
    api: str
    bulk: int
    ring: int
    cpus: list[int]
    total: int
    consumed: int
    lost: int
    duplicated: int
    disorder: int
    bad: int
    sum_ok: bool
    xor_ok: bool
    timed_out: bool
    left_in_queue: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _expected_checksums(nprod: int, per: int) -> tuple[int, int]:
    mask = (1 << 64) - 1
    s = 0
    x = 0
    for p in range(nprod):
        serials = np.arange(1, per + 1, dtype=np.uint64)
        vals = (np.uint64(p) << np.uint64(32)) | serials
        s = (s + int(vals.sum(dtype=np.uint64))) & mask
        x ^= int(np.bitwise_xor.reduce(vals))
    return s, x


def stress(
    api: str,
    total: int,
    bulk: int,
    ring: int = 64,
    cpus: list[int] | None = None,
    start: int = 0,
    timeout_s: float = 120.0,
) -> StressResult:
    """Push ``total`` tagged elements through one queue on pinned threads and check them.

    ``api``: ``"mpmc"`` (every thread produces and consumes with mp/mc: both heads are
    contended), ``"mpmc-split"`` (even CPUs produce, odd consume, mp/mc API) or ``"spsc"``
    (exactly one producer and one consumer, sp/sc API). ``start`` sets the free-running
    counters' initial value (near 2**32 exercises the u32 wrap)."""
    cpus = list(cpus if cpus is not None else allowed_cpus()[:2])
    if api not in ("mpmc", "mpmc-split", "spsc"):
        raise UsageError(f"stress api {api!r}: expected mpmc, mpmc-split or spsc")
    if api == "spsc" and len(cpus) != 2:
        raise UsageError("stress spsc: needs exactly 2 CPUs (one producer, one consumer)")
    if api != "mpmc" and len(cpus) < 2:
        raise UsageError(f"stress {api}: needs at least 2 CPUs")
    if bulk < 1 or bulk > 64 or bulk > ring:
        raise UsageError(f"stress bulk {bulk}: must be 1..min(64, ring {ring})")
    n = len(cpus)
    if api == "mpmc":
        roles = [(True, True)] * n
    else:
        roles = [(i % 2 == 0, i % 2 == 1) for i in range(n)]
    producers = [i for i, r in enumerate(roles) if r[0]]
    nprod = len(producers)
    per = -(-total // nprod)
    total = per * nprod
    q = alf_queue_alloc(ring)
    for w in (P_HEAD, P_TAIL, C_HEAD, C_TAIL):
        q[w] = start & 0xFFFFFFFF
    shared = np.zeros(16, dtype=np.uint64)
    consumers = [i for i, r in enumerate(roles) if r[1]]
    seen = np.zeros((len(consumers), total), dtype=np.uint8)
    lasts = np.zeros((n, nprod), dtype=np.uint64)
    sums = np.zeros((n, 8), dtype=np.uint64)
    deadline = time.monotonic_ns() + int(timeout_s * 1e9)  # CLOCK_MONOTONIC, as wall_ns
    barrier = threading.Barrier(n)
    errors: list[str] = []

    def body(i: int, cpu: int) -> None:
        try:
            pin_current_thread(cpu)
            if current_affinity() != [cpu]:
                errors.append(f"thread {i} not pinned to CPU {cpu}")
            produce, consume = roles[i]
            row = consumers.index(i) if consume else 0
            pid = producers.index(i) if produce else 0
            barrier.wait(timeout=60)
            stress_worker(
                q,
                api == "spsc",
                produce,
                consume,
                pid,
                per,
                total,
                bulk,
                shared,
                seen[row],
                lasts[i],
                sums[i],
                np.zeros(64, dtype=np.uint64),
                np.zeros(64, dtype=np.uint64),
                deadline,
            )
        except Exception as exc:  # report, never lose a thread silently
            errors.append(f"thread {i}: {type(exc).__name__}: {str(exc)[:300]}")
            shared[S_ABORT] = 1
            barrier.abort()

    threads = [threading.Thread(target=body, args=(i, c), daemon=True) for i, c in enumerate(cpus)]
    for t in threads:
        t.start()
    end = time.monotonic() + timeout_s + 30
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    if any(t.is_alive() for t in threads):
        # stuck inside a queue operation (e.g. the in-order tail wait): a livelock
        shared[S_ABORT] = 1
        return StressResult(
            api=api,
            bulk=bulk,
            ring=ring,
            cpus=cpus,
            total=total,
            consumed=-1,
            lost=-1,
            duplicated=-1,
            disorder=-1,
            bad=-1,
            sum_ok=False,
            xor_ok=False,
            timed_out=True,
            left_in_queue=-1,
            problems=errors
            + [
                f"threads still running after {timeout_s + 30:.0f} s"
                " (stuck inside a queue operation)"
            ],
        )
    counts = seen.sum(axis=0, dtype=np.int64)
    lost = int((counts == 0).sum())
    dup = int((counts > 1).sum())
    mask = (1 << 64) - 1
    got_sum = 0
    got_xor = 0
    for i in range(n):
        got_sum = (got_sum + int(sums[i, 1])) & mask
        got_xor ^= int(sums[i, 2])
    exp_sum, exp_xor = _expected_checksums(nprod, per)
    consumed = int(sums[:, 0].sum())
    res = StressResult(
        api=api,
        bulk=bulk,
        ring=ring,
        cpus=cpus,
        total=total,
        consumed=consumed,
        lost=lost,
        duplicated=dup,
        disorder=int(sums[:, 3].sum()),
        bad=int(sums[:, 4].sum()),
        sum_ok=got_sum == exp_sum,
        xor_ok=got_xor == exp_xor,
        timed_out=bool(sums[:, 5].any()),
        left_in_queue=queue_count(q),
        problems=list(errors),
    )
    for label, bad in (
        ("lost", res.lost),
        ("duplicated", res.duplicated),
        ("reordered", res.disorder),
        ("bad values", res.bad),
        ("left in queue", res.left_in_queue),
    ):
        if bad:
            res.problems.append(f"{bad} {label}")
    if consumed != total:
        res.problems.append(f"consumed {consumed} != produced {total}")
    if not res.sum_ok or not res.xor_ok:
        res.problems.append("checksum mismatch")
    if res.timed_out:
        res.problems.append(f"timed out after {timeout_s} s")
    return res
