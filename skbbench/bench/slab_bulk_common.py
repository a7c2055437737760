"""What slab_bulk_test01, 02 and 03 share: the timed kernels, cache creation from a
config, aging, counters of the timed work, and case builders.

Each run creates its cache before the timed window and destroys it after, like the
originals' bench functions (kmem_cache_create / kmem_cache_destroy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from skbbench.bench.kmem import SLAB, SLUB, kmem_alloc, kmem_alloc_bulk, kmem_free, kmem_free_bulk
from skbbench.errors import ModelParameterError
from skbbench.harness.intrinsics import barrier
from skbbench.harness.runner import BenchAbort, Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop, window_record
from skbbench.model import slab_create, slub_create
from skbbench.model.bulk import variant_id
from skbbench.specs.bulk import DESCRIPTIONS, FASTPATH_REUSE, FOR_LOOP, LABELS, BulkConfig
from skbbench.timebench import Record, loops_overflow

_0 = np.uint64(0)


# --------------------------------------------------------------------------------------
# Timed kernels: one inlined body each, compiled per allocator (SLUB, SLAB) and per
# checking mode (plain, SLUB_DEBUG-like) by thin cached wrappers passing constants.


@njit(inline="always", nogil=True)
def _fastpath_reuse(allocator, check, s, cpu, loops, window):
    # kmem fastpath reuse: alloc + barrier + free of the same object
    cnt = 0
    time_bench_start(window)
    for _ in range(loops):
        obj = kmem_alloc(allocator, check, s, cpu)
        if obj == _0:
            break
        barrier()
        kmem_free(allocator, check, s, cpu, obj)
        cnt += 1
    time_bench_stop(window, cnt)
    return cnt


@njit(inline="always", nogil=True)
def _bulk_quick_reuse(allocator, check, s, cpu, iterations, bulk, p, variant, window):
    # kmem bulk_quick_reuse / bulk_fallback / kmem_cache_(free+alloc)_bulk: alloc ``bulk``
    # objects into p, barrier, free them; ``variant`` picks the bulk implementation
    cnt = 0
    time_bench_start(window)
    for _ in range(iterations):
        if kmem_alloc_bulk(allocator, check, s, cpu, bulk, p, variant) == _0:
            break
        barrier()
        kmem_free_bulk(allocator, check, s, cpu, bulk, p, variant)
        cnt += bulk
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse(s, cpu, loops, window):
    return _fastpath_reuse(SLUB, False, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_checked(s, cpu, loops, window):
    return _fastpath_reuse(SLUB, True, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_slab(s, cpu, loops, window):
    return _fastpath_reuse(SLAB, False, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_slab_checked(s, cpu, loops, window):
    return _fastpath_reuse(SLAB, True, s, cpu, loops, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse(s, cpu, iterations, bulk, p, variant, window):
    return _bulk_quick_reuse(SLUB, False, s, cpu, iterations, bulk, p, variant, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_checked(s, cpu, iterations, bulk, p, variant, window):
    return _bulk_quick_reuse(SLUB, True, s, cpu, iterations, bulk, p, variant, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_slab(s, cpu, iterations, bulk, p, variant, window):
    return _bulk_quick_reuse(SLAB, False, s, cpu, iterations, bulk, p, variant, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_slab_checked(s, cpu, iterations, bulk, p, variant, window):
    return _bulk_quick_reuse(SLAB, True, s, cpu, iterations, bulk, p, variant, window)


# (allocator, check) -> kernel
FASTPATH_KERNELS = {
    ("slub", False): fastpath_reuse,
    ("slub", True): fastpath_reuse_checked,
    ("slab", False): fastpath_reuse_slab,
    ("slab", True): fastpath_reuse_slab_checked,
}
BULK_KERNELS = {
    ("slub", False): bulk_quick_reuse,
    ("slub", True): bulk_quick_reuse_checked,
    ("slab", False): bulk_quick_reuse_slab,
    ("slab", True): bulk_quick_reuse_slab_checked,
}


# --------------------------------------------------------------------------------------
# Shared by the slab_bulk_test modules


def max_slabs_for(bulk: int, objects_hint: int = 16) -> int:
    """Page-allocator capacity for a bulk size: the live bulk plus partial lists."""
    return max(64, 4 * (bulk // objects_hint + 1) + 16)


Cache = slub_create.SlubCache | slab_create.SlabCache


def make_cache(
    cfg: BulkConfig, allocator: str, name: str, max_slabs: int, check: bool | None = None
) -> Cache:
    """kmem_cache_create of the allocator model, on a machine of its own."""
    check = cfg.check if check is None else check
    if allocator == "slab":
        return slab_create.kmem_cache_create(
            object_size=cfg.object_size,
            nr_cpus=cfg.cpus,
            nr_nodes=cfg.nodes,
            profile=cfg.profile,
            check=check,
            max_slabs=max_slabs,
            name=name,
        )
    return slub_create.kmem_cache_create(
        object_size=cfg.object_size,
        nr_cpus=cfg.cpus,
        profile=cfg.profile,
        check=check,
        max_slabs=max_slabs,
        name=name,
    )


def cache_params(cfg: BulkConfig, allocator: str) -> dict[str, Any]:
    """The model parameters a result depends on (part of every case's params)."""
    params: dict[str, Any] = {
        "allocator": allocator,
        "object_size": cfg.object_size,
        "cpus": cfg.cpus,
        "profile": cfg.profile,
    }
    if allocator == "slab" and cfg.nodes != 1:
        params["nodes"] = cfg.nodes
    if cfg.aged:
        params["aged"] = cfg.aged
    return params


AGE_SLABS = 16  # slabs' worth of objects the aging step allocates before a run
AGE_SEED = 13


def objects_per_slab(cache: Cache) -> int:
    return cache.objects if isinstance(cache, slub_create.SlubCache) else cache.num


def age_cache(cache: Cache, fraction: float, cpu: int = 0) -> list[int]:
    """Leave ``fraction`` of AGE_SLABS slabs' objects allocated by "other users".

    A cache created by a benchmark module is usually merged into an existing one
    (kmalloc-256, skbuff_head_cache: docs/benchmarks.md), whose slabs are partly in use
    elsewhere. This allocates AGE_SLABS * objects objects on ``cpu`` and frees a seeded
    random subset, so the cpu slab and the partial lists hold partially used slabs.
    Returns the objects still held (freed after the timed window). 0 = a pristine cache.
    """
    if fraction <= 0:
        return []
    objs = [cache.alloc(cpu) for _ in range(AGE_SLABS * objects_per_slab(cache))]
    if not all(objs):
        raise ModelParameterError("aged: the model's page allocator ran out while aging the cache")
    rng = np.random.default_rng(AGE_SEED)
    order = rng.permutation(len(objs))
    keep = int(round(fraction * len(objs)))
    held = [objs[i] for i in order[:keep]]
    for i in order[keep:]:
        cache.free(cpu, objs[i])
    return held


def counter_delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """Counters of the timed work only: event counts minus those of the setup."""
    out = dict(after)
    for key in ("slub_stats", "slab_stats", "model_events", "slab_free_objects_per_call"):
        if key in after and key in before:
            b = before[key]
            delta = {k: v - b.get(k, 0) for k, v in after[key].items()}
            out[key] = {k: v for k, v in delta.items() if v or key != "slab_free_objects_per_call"}
    if "slab_free_objects_per_call" in out:
        hist = {int(k): v for k, v in out["slab_free_objects_per_call"].items()}
        calls = sum(hist.values())
        out["slab_free_avg_objects"] = (
            round(sum(k * v for k, v in hist.items()) / calls, 3) if calls else 0.0
        )
    return out


class _Run:
    """A Case's run()/counters() pair: create the cache, time the kernel, keep counters."""

    def __init__(
        self,
        cfg: BulkConfig,
        allocator: str,
        name: str,
        max_slabs: int,
        body: Callable[[Cache, np.ndarray], int],
        loops: int,
        step: int,
    ) -> None:
        self.cfg, self.allocator, self.name, self.max_slabs = cfg, allocator, name, max_slabs
        self.body, self.loops, self.step = body, loops, step
        self.last: dict[str, Any] = {}

    def __call__(self) -> Record:
        aged = self.cfg.aged
        extra = AGE_SLABS if aged > 0 else 0
        # kmem_cache_create
        cache = make_cache(self.cfg, self.allocator, self.name, self.max_slabs + extra)
        held = age_cache(cache, aged)
        before = cache.counters() if held else {}
        window = new_window()
        cnt = self.body(cache, window)
        cache.raise_if_error()
        self.last = counter_delta(cache.counters(), before) if held else cache.counters()
        for obj in held:  # the other users free theirs before kmem_cache_destroy
            cache.free(0, obj)
        cache.destroy()  # kmem_cache_destroy: every object must be back
        if cnt <= 0:
            raise BenchAbort()
        return window_record(window, loops=self.loops, step=self.step)

    def counters(self) -> dict[str, Any]:
        return self.last


def bulk_case(
    cfg: BulkConfig,
    allocator: str,
    name: str,
    variant: str,
    bulk: int,
    iterations: int,
    cache_name: str,
    notes: list[str],
    group: str,
) -> Case:
    """One bulk alloc+free scenario: ``iterations`` x (alloc ``bulk``, free ``bulk``)."""
    vid = variant_id(variant)
    kernel = BULK_KERNELS[(allocator, cfg.check)]

    def body(cache: Cache, window: np.ndarray) -> int:
        p = np.zeros(max(bulk, 1), dtype=np.uint64)
        return int(kernel(cache.s, 0, iterations, bulk, p, vid, window))

    run = _Run(cfg, allocator, cache_name, max_slabs_for(bulk), body, iterations, bulk)
    return Case(
        name=name,
        loops=iterations,
        step=bulk,
        run=run,
        counters=run.counters,
        params={"variant": variant, **cache_params(cfg, allocator)},
        group=group,
        expected_invoked=iterations * bulk,
        notes=list(notes),
    )


def for_loop_case(loops: int, group: str) -> Case:
    from skbbench.bench.sample import for_loop

    n = loops * 10

    def run() -> Record:
        window = new_window()
        mem = np.zeros(16, dtype=np.uint64)
        if for_loop(n, window, mem) <= 0:
            raise BenchAbort()
        return window_record(window, loops=n, step=0)

    return Case(name=FOR_LOOP, loops=n, step=0, run=run, group=group, expected_invoked=n)


def fastpath_case(cfg: BulkConfig, allocator: str, loops: int, group: str) -> Case:
    kernel = FASTPATH_KERNELS[(allocator, cfg.check)]

    def body(cache: Cache, window: np.ndarray) -> int:
        return int(kernel(cache.s, 0, loops, window))

    run = _Run(cfg, allocator, "slab_bench_test1", 64, body, loops, 0)
    return Case(
        name=FASTPATH_REUSE,
        loops=loops,
        step=0,
        run=run,
        counters=run.counters,
        params=cache_params(cfg, allocator),
        group=group,
        expected_invoked=loops,
    )


def module_notes(cfg: BulkConfig, module: str, allocator: str = "slub") -> list[str]:
    """What the module prints at load: the model it runs on."""
    cache = make_cache(cfg, allocator, "probe", 1, check=False)
    tail = f"profile:{cache.profile.name}{' check:on' if cfg.check else ''}" + (
        f" aged:{cfg.aged:g}" if cfg.aged else ""
    )
    if isinstance(cache, slab_create.SlabCache):
        model = (
            f"SLAB model: object_size:{cache.object_size} size:{cache.size} "
            f"order:{cache.gfporder} objects/slab:{cache.num} limit:{cache.limit} "
            f"batchcount:{cache.batchcount} shared:{cache.shared} nr_cpus:{cache.nr_cpus} "
            f"nodes:{cache.nr_nodes} "
        )
    else:
        model = (
            f"SLUB model: object_size:{cache.object_size} size:{cache.size} "
            f"order:{cache.order} objects/slab:{cache.objects} min_partial:{cache.min_partial} "
            f"cpu_partial:{cache.cpu_partial} nr_cpus:{cache.nr_cpus} "
        )
    return [f"{module}: Loaded ({model}{tail})"]


def variant_note(module: str, variant: str) -> str:
    return f"{module}: {LABELS[variant]}: {DESCRIPTIONS[variant]}"


def guard_overflow(module: str, loops: int, bulk: int) -> str | None:
    """The originals' up-front 32-bit guard message, or None."""
    if loops_overflow(loops, bulk):
        return f"{module}: Loop cnt too big will overflow 32-bit"
    return None
