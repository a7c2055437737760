"""The slub_kunit batch benchmark of the sheaves series, on the SLUB v4.4, v6.18 sheaves
and v7.0 sheaves models.

The series' benchmarking branch timed, in slub_kunit.c, one 64-byte SLAB_NO_MERGE cache:
an iteration is 10^6 alloc+free pairs in rounds of ``batch`` single
``kmem_cache_alloc(GFP_KERNEL)`` calls into an array, then ``kmem_cache_free`` of the array
in array order (fifo) or a shuffled order. Here one timed run is one such iteration
(``--loops`` pairs, loops // batch rounds); one element = one alloc+free pair. The
shuffled order is one seeded permutation of the batch (the same every round), computed
before the window. Each run creates its cache before the window and destroys it after
(every object back, every sheaf freed); counters come from a replay
(skbbench.bench.replay), the timed run counts nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numba import njit

from skbbench.bench import replay
from skbbench.bench.kmem import GFP_KERNEL, SHEAVES, SHEAVES_618, SLUB, kmem_alloc_gfp, kmem_free
from skbbench.harness.flavor import Flavor
from skbbench.harness.runner import BenchAbort, Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop, window_record
from skbbench.model import sheaves_create, slub_create
from skbbench.model.kconfig_layout import MEMCG_KMEM_ACTIVE, SLUB_STATS, default_flags
from skbbench.specs.batch import CASE_NAMES, SHUFFLE_SEED, BatchConfig
from skbbench.timebench import Record

MODULE = "slub_kunit_batch"
CACHE_NAME = "TestSlub_batch"
_0 = np.uint64(0)
_GFP_KERNEL = np.uint64(GFP_KERNEL)


@njit(inline="always", nogil=True)
def _batch_rounds(allocator, kc, s, cpu, rounds, batch, objs, order, window):
    # rounds x (batch single allocations into objs, then free objs in ``order``)
    cnt = _0
    time_bench_start(window)
    for _ in range(rounds):
        got = 0
        for j in range(batch):
            obj = kmem_alloc_gfp(allocator, False, kc, s, cpu, _GFP_KERNEL)
            if obj == _0:
                break
            objs[np.uintp(j)] = obj
            got += 1
        if got < batch:  # out of memory: give back what this round holds, stop
            for j in range(got):
                kmem_free(allocator, False, kc, s, cpu, objs[np.uintp(j)])
            break
        for j in range(batch):
            kmem_free(allocator, False, kc, s, cpu, objs[order[np.uintp(j)]])
        cnt += np.uint64(batch)
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def batch_slub(kc, s, cpu, rounds, batch, objs, order, window):
    return _batch_rounds(SLUB, kc, s, cpu, rounds, batch, objs, order, window)


@njit(nogil=True, cache=True, _nrt=False)
def batch_sheaves(kc, s, cpu, rounds, batch, objs, order, window):
    return _batch_rounds(SHEAVES, kc, s, cpu, rounds, batch, objs, order, window)


@njit(nogil=True, cache=True, _nrt=False)
def batch_sheaves_618(kc, s, cpu, rounds, batch, objs, order, window):
    return _batch_rounds(SHEAVES_618, kc, s, cpu, rounds, batch, objs, order, window)


KERNELS = {"slub": batch_slub, "sheaves": batch_sheaves, "sheaves-6.18": batch_sheaves_618}

Cache = slub_create.SlubCache | sheaves_create.SheavesCache


def make_cache(cfg: BatchConfig, allocator: str, batch: int) -> Cache:
    """kmem_cache_create("TestSlub_batch", object_size, 0, SLAB_NO_MERGE, NULL) of the
    allocator model (no SLAB_HWCACHE_ALIGN), its own machine sized for the batch, a
    barn's worth of full sheaves and the partial slabs."""
    max_slabs = 64 + (batch + 1024) // 16
    if allocator == "slub":
        return slub_create.kmem_cache_create(
            object_size=cfg.object_size,
            nr_cpus=cfg.cpus,
            profile=cfg.profile,
            max_slabs=max_slabs,
            name=CACHE_NAME,
            hwcache_align=False,
        )
    return sheaves_create.kmem_cache_create(
        object_size=cfg.object_size,
        nr_cpus=cfg.cpus,
        profile=cfg.profile,
        max_slabs=max_slabs,
        name=CACHE_NAME,
        hwcache_align=False,
        form="6.18" if allocator == "sheaves-6.18" else "7.0",
        sheaf_capacity=cfg.sheaf_capacity,
    )


def flavors(cfg: BatchConfig) -> tuple[Flavor, Flavor]:
    """(timed flavor, replay flavor): the default Kconfig (memcg: its charging paths on),
    counters compiled in only for the replay."""
    flags = default_flags() | (MEMCG_KMEM_ACTIVE if cfg.memcg else 0)
    flags &= ~SLUB_STATS
    return Flavor(flags), Flavor(flags | SLUB_STATS)


def free_order(order: str, batch: int) -> np.ndarray:
    """The indexes the array is freed in: 0..batch-1, or a seeded permutation."""
    if order == "fifo":
        return np.arange(batch, dtype=np.uint64)
    rng = np.random.default_rng(SHUFFLE_SEED + batch)
    return rng.permutation(batch).astype(np.uint64)


class _Run:
    """A case's run()/counters(): create, time (counters off), destroy; counters()
    replays the last run with them on."""

    def __init__(self, cfg: BatchConfig, allocator: str, order: str, batch: int) -> None:
        self.cfg, self.allocator, self.batch = cfg, allocator, batch
        self.rounds = cfg.loops // batch
        self.order = free_order(order, batch)
        self.timed, self.replayed = flavors(cfg)
        self.kernel = KERNELS[allocator]
        self.pending: replay.Pending | None = None
        self.last: dict[str, Any] = {}
        self.cache: Cache | None = None

    def body(self, kc: Flavor, a: list[np.ndarray], window: np.ndarray, rounds: int) -> int:
        return int(self.kernel(kc, a[0], 0, rounds, self.batch, a[1], a[2], window))

    def compile(self, counting: bool) -> None:
        """Compile the timed run's kernel (``counting``: the replay's) by running it for
        no rounds on a cache of its own: nothing is timed or counted."""
        flavor = self.replayed if counting else self.timed
        cache = make_cache(self.cfg, self.allocator, self.batch)
        arrays = [cache.s, np.zeros(self.batch, dtype=np.uint64), self.order.copy()]
        self.body(flavor, arrays, new_window(), 0)
        cache.destroy()

    def __call__(self) -> Record:
        cache = make_cache(self.cfg, self.allocator, self.batch)
        arrays = [cache.s, np.zeros(self.batch, dtype=np.uint64), self.order.copy()]
        window = new_window()
        start = replay.start(cache.machine, arrays)
        cnt = self.body(self.timed, arrays, window, self.rounds)
        self.pending = replay.finish(cache.machine, start, arrays)
        cache.raise_if_error()
        self.cache = cache
        cache.destroy()  # kmem_cache_destroy: every object back
        if cnt < self.rounds * self.batch:
            raise BenchAbort(f"{MODULE}: kmem_cache_alloc failed (out of slabs)")
        return window_record(window, loops=self.rounds, step=self.batch)

    def counters(self) -> dict[str, Any]:
        if self.pending is not None and self.cache is not None:
            pending, self.pending = self.pending, None
            arrays = replay.replay(
                pending, lambda a: self.body(self.replayed, a, new_window(), self.rounds)
            )
            cache = self.cache
            machine = dataclasses.replace(cache.machine, s=arrays[0])
            view: Cache
            if isinstance(cache, sheaves_create.SheavesCache):
                slub = cache.slub and dataclasses.replace(cache.slub, s=arrays[0], machine=machine)
                view = dataclasses.replace(cache, s=arrays[0], machine=machine, slub=slub)
            else:
                view = dataclasses.replace(cache, s=arrays[0], machine=machine)
            view.raise_if_error()
            self.last = view.counters()
        return self.last


def module_note(cfg: BatchConfig, allocator: str) -> str:
    cache = make_cache(cfg, allocator, 1)
    geometry = (
        f"object_size:{cache.object_size} size:{cache.size} order:{cache.order} "
        f"objects/slab:{cache.objects} nr_cpus:{cache.nr_cpus}"
    )
    if isinstance(cache, sheaves_create.SheavesCache):
        geometry += f" sheaf_capacity:{cache.capacity}"
    memcg = " memcg:SLAB_ACCOUNT" if cfg.memcg else ""
    return f"{MODULE}: {allocator}: {CACHE_NAME} ({geometry} profile:{cfg.profile}{memcg})"


def build_cases(cfg: BatchConfig) -> list[Case]:
    cases = []
    for allocator in cfg.allocator:
        notes = [module_note(cfg, allocator)]
        for order in cfg.order:
            for batch in cfg.batch:
                run = _Run(cfg, allocator, order, batch)
                params: dict[str, Any] = {
                    "allocator": allocator,
                    "order": order,
                    "batch": batch,
                    "series": f"{allocator} {order}",
                    "object_size": cfg.object_size,
                    "profile": cfg.profile,
                }
                if allocator != "slub":
                    params["sheaf_capacity"] = cfg.sheaf_capacity
                if cfg.memcg:
                    params["memcg"] = True
                cases.append(
                    Case(
                        name=CASE_NAMES[order],
                        loops=run.rounds,
                        step=batch,
                        run=run,
                        counters=run.counters,
                        compile=run.compile,
                        independent_runs=True,  # each run creates and destroys its cache
                        params=params,
                        group=MODULE,
                        expected_invoked=run.rounds * batch,
                        notes=notes,
                    )
                )
                notes = []
    return cases
