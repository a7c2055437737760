"""slab_bulk_test01: bulk API vs fallback for many bulk sizes, on the SLUB model.

Replicates prototype-kernel ``kernel/mm/slab_bulk_test01.c`` (benchmarks.md 2.1 and
6.2) with the original scenario names and counting units:

* ``for_loop`` -- loops x 10 iterations of an empty loop (overhead reference);
* ``kmem fastpath reuse`` -- loops x (kmem_cache_alloc + barrier + kmem_cache_free of
  the same object), one element per pair;
* per bulk size b: ``kmem bulk_fallback`` -- loops // b iterations of b single allocs
  then b single frees (the noinline my__kmem_cache_*_bulk copies); and
  ``kmem bulk_quick_reuse`` -- the same with kmem_cache_alloc_bulk +
  kmem_cache_free_bulk; ``kfree_bulk`` (slab_bulk_test05) frees with kfree_bulk.
  One element = one object's alloc + free, invoked = (loops // b) * b.

Each run creates its cache before the timed window and destroys it after, like the
original's bench functions (kmem_cache_create / kmem_cache_destroy). ``--compare A,B``
picks which bulk implementations run (``before`` = the API before the detached-freelist
patchset, ``after`` = v4.4); each runs as one block of ``kmem bulk_quick_reuse`` lines
introduced by a module print naming it, as if the module had been loaded on that
kernel. ``kmem bulk_fallback`` and ``kmem fastpath reuse`` do not depend on the bulk
implementation and run once.

This module also holds what the three slab_bulk_test modules share (cache creation from
a config, defaults, labels) and ``build_cases`` for `skbbench bulk`, which dispatches on
``test`` (01, 02, 03).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from skbbench.errors import UsageError
from skbbench.harness.intrinsics import barrier
from skbbench.harness.record import Record, loops_overflow
from skbbench.harness.runner import BenchAbort, Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop, window_record
from skbbench.model.bulk import (
    kmem_cache_alloc_bulk,
    kmem_cache_alloc_bulk_checked,
    kmem_cache_free_bulk,
    kmem_cache_free_bulk_checked,
    variant_id,
)
from skbbench.model.slub import kmem_cache_alloc, kmem_cache_free
from skbbench.model.slub_create import SlubCache, kmem_cache_create
from skbbench.model.slub_debug import kmem_cache_alloc_checked, kmem_cache_free_checked

MODULE = "slab_bulk_test01"
DEFAULT_SIZES = {
    "01": [1, 2, 3, 4, 8, 16, 30, 32, 34, 48, 64, 128, 158, 250],
    "02": [16],  # bulksz
    "03": [64],  # bulksz = 32 * 2
}
ORIGINAL_LOOPS = {"01": 10_000_000, "02": 10_000_000, "03": 100_000}
# Defaults here: test 01/02 use 1/10 of the original so the default sweep stays within
# ~10 s on a 2-core machine; 03 keeps the original's 100,000.
DEFAULT_LOOPS = {"01": 1_000_000, "02": 1_000_000, "03": 100_000}
CHECK_LOOPS = 10_000  # the originals' default with CONFIG_SLUB_DEBUG_ON
MAX_BULK = 250  # slab_bulk_test01's on-stack array
LABELS = {
    "before": "Bulk-API-before",
    "after": "Bulk-API with patchset",
    "fallback": "Fallback-loop",
    "kfree_bulk": "kfree_bulk",
}
DESCRIPTIONS = {
    "fallback": "kmem_cache_alloc/kmem_cache_free loops (no bulk API)",
    "before": "bulk API before the detached-freelist patchset (v4.3 kmem_cache_free_bulk)",
    "after": "bulk API with the detached-freelist patchset (v4.4 build_detached_freelist)",
    "kfree_bulk": "kmem_cache_alloc_bulk + kfree_bulk (v4.6)",
}

_0 = np.uint64(0)


# --------------------------------------------------------------------------------------
# Timed kernels (the _checked twins call the SLUB_DEBUG-like entry points)


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse(s, cpu, loops, window):  # type: ignore[no-untyped-def]
    """kmem fastpath reuse: alloc + barrier + free of the same object."""
    cnt = 0
    time_bench_start(window)
    for _ in range(loops):
        obj = kmem_cache_alloc(s, cpu)
        if obj == _0:
            break
        barrier()
        kmem_cache_free(s, cpu, obj)
        cnt += 1
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse_checked(s, cpu, loops, window):  # type: ignore[no-untyped-def]
    cnt = 0
    time_bench_start(window)
    for _ in range(loops):
        obj = kmem_cache_alloc_checked(s, cpu)
        if obj == _0:
            break
        barrier()
        kmem_cache_free_checked(s, cpu, obj)
        cnt += 1
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse(s, cpu, iterations, bulk, p, variant, window):  # type: ignore[no-untyped-def]
    """kmem bulk_quick_reuse / kmem bulk_fallback / kmem_cache_(free+alloc)_bulk:
    alloc ``bulk`` objects into p, barrier, free them; ``variant`` picks the API."""
    cnt = 0
    time_bench_start(window)
    for _ in range(iterations):
        if kmem_cache_alloc_bulk(s, cpu, bulk, p, variant) == _0:
            break
        barrier()
        kmem_cache_free_bulk(s, cpu, bulk, p, variant)
        cnt += bulk
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def bulk_quick_reuse_checked(s, cpu, iterations, bulk, p, variant, window):  # type: ignore[no-untyped-def]
    cnt = 0
    time_bench_start(window)
    for _ in range(iterations):
        if kmem_cache_alloc_bulk_checked(s, cpu, bulk, p, variant) == _0:
            break
        barrier()
        kmem_cache_free_bulk_checked(s, cpu, bulk, p, variant)
        cnt += bulk
    time_bench_stop(window, cnt)
    return cnt


# --------------------------------------------------------------------------------------
# Shared by the slab_bulk_test modules


def test_sizes(cfg: dict[str, Any]) -> list[int]:
    sizes = cfg.get("sizes") or DEFAULT_SIZES[cfg["test"]]
    return [int(b) for b in sizes]


def test_loops(cfg: dict[str, Any]) -> int:
    if cfg.get("loops"):
        return int(cfg["loops"])
    return CHECK_LOOPS if cfg.get("check") else DEFAULT_LOOPS[cfg["test"]]


def compare_variants(cfg: dict[str, Any]) -> list[str]:
    variants = list(cfg.get("compare") or ["before", "after"])
    for v in variants:
        variant_id(v)  # UsageError for unknown names
    if len(variants) != 2 or variants[0] == variants[1]:
        raise UsageError(f"compare: expected two different variants A,B, got {','.join(variants)}")
    return variants


def max_slabs_for(bulk: int, objects_hint: int = 16) -> int:
    """Page-allocator capacity for a bulk size: the live bulk plus partial lists."""
    return max(64, 4 * (bulk // objects_hint + 1) + 16)


def make_cache(cfg: dict[str, Any], name: str, max_slabs: int) -> SlubCache:
    return kmem_cache_create(
        object_size=int(cfg.get("object_size", 256)),
        nr_cpus=int(cfg.get("cpus", 8)),
        profile=cfg.get("profile", "published"),
        check=bool(cfg.get("check", False)),
        max_slabs=max_slabs,
        name=name,
    )


def cache_params(cfg: dict[str, Any]) -> dict[str, Any]:
    """The model parameters a result depends on (part of every case's params)."""
    params = {
        "object_size": int(cfg.get("object_size", 256)),
        "cpus": int(cfg.get("cpus", 8)),
        "profile": cfg.get("profile", "published"),
    }
    if cfg.get("aged"):
        params["aged"] = float(cfg["aged"])
    return params


AGE_SLABS = 16  # slabs' worth of objects the aging step allocates before a run
AGE_SEED = 13


def age_cache(cache: SlubCache, fraction: float, cpu: int = 0) -> list[int]:
    """Leave ``fraction`` of AGE_SLABS slabs' objects allocated by "other users".

    A cache created by a benchmark module is usually merged into an existing one
    (kmalloc-256, skbuff_head_cache: benchmarks.md 2.0), whose slabs are partly in use
    elsewhere. This allocates AGE_SLABS * objects objects on ``cpu`` and frees a seeded
    random subset, so the cpu slab and the partial lists hold partially used slabs.
    Returns the objects still held (freed after the timed window). 0 = a pristine cache.
    """
    if fraction <= 0:
        return []
    objs = [cache.alloc(cpu) for _ in range(AGE_SLABS * cache.objects)]
    if not all(objs):
        raise UsageError("aged: the model's page allocator ran out while aging the cache")
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
    for key in ("slub_stats", "model_events", "slab_free_objects_per_call"):
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
        cfg: dict[str, Any],
        name: str,
        max_slabs: int,
        body: Callable[[SlubCache, np.ndarray], int],
        loops: int,
        step: int,
    ) -> None:
        self.cfg, self.name, self.max_slabs = cfg, name, max_slabs
        self.body, self.loops, self.step = body, loops, step
        self.last: dict[str, Any] = {}

    def __call__(self) -> Record:
        aged = float(self.cfg.get("aged") or 0.0)
        extra = AGE_SLABS if aged > 0 else 0
        cache = make_cache(self.cfg, self.name, self.max_slabs + extra)  # kmem_cache_create
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
    cfg: dict[str, Any],
    name: str,
    variant: str,
    bulk: int,
    iterations: int,
    cache_name: str,
    notes: list[str] | None = None,
    group: str = MODULE,
) -> Case:
    """One bulk alloc+free scenario: ``iterations`` x (alloc ``bulk``, free ``bulk``)."""
    vid = variant_id(variant)
    kernel = bulk_quick_reuse_checked if cfg.get("check") else bulk_quick_reuse

    def body(cache: SlubCache, window: np.ndarray) -> int:
        p = np.zeros(max(bulk, 1), dtype=np.uint64)
        return int(kernel(cache.s, 0, iterations, bulk, p, vid, window))

    run = _Run(cfg, cache_name, max_slabs_for(bulk), body, iterations, bulk)
    return Case(
        name=name,
        loops=iterations,
        step=bulk,
        run=run,
        counters=run.counters,
        params={"variant": variant, **cache_params(cfg)},
        group=group,
        expected_invoked=iterations * bulk,
        notes=list(notes or []),
    )


def _for_loop_case(loops: int) -> Case:
    from skbbench.bench.sample import for_loop

    n = loops * 10

    def run() -> Record:
        window = new_window()
        mem = np.zeros(16, dtype=np.uint64)
        if for_loop(n, window, mem) <= 0:
            raise BenchAbort()
        return window_record(window, loops=n, step=0)

    return Case(name="for_loop", loops=n, step=0, run=run, group=MODULE, expected_invoked=n)


def _fastpath_case(cfg: dict[str, Any], loops: int, notes: list[str]) -> Case:
    kernel = fastpath_reuse_checked if cfg.get("check") else fastpath_reuse

    def body(cache: SlubCache, window: np.ndarray) -> int:
        return int(kernel(cache.s, 0, loops, window))

    run = _Run(cfg, "slab_bench_test1", 64, body, loops, 0)
    return Case(
        name="kmem fastpath reuse",
        loops=loops,
        step=0,
        run=run,
        counters=run.counters,
        params=cache_params(cfg),
        group=MODULE,
        expected_invoked=loops,
        notes=notes,
    )


def module_notes(cfg: dict[str, Any], module: str) -> list[str]:
    """What the module prints at load: the model it runs on."""
    cache = make_cache({**cfg, "check": False}, "probe", 1)
    return [
        f"{module}: Loaded (SLUB model: object_size:{cache.object_size} size:{cache.size} "
        f"order:{cache.order} objects/slab:{cache.objects} min_partial:{cache.min_partial} "
        f"cpu_partial:{cache.cpu_partial} nr_cpus:{cache.nr_cpus} "
        f"profile:{cache.profile.name}{' check:on' if cfg.get('check') else ''}"
        + (f" aged:{float(cfg['aged']):g}" if cfg.get("aged") else "")
        + ")"
    ]


def variant_note(module: str, variant: str) -> str:
    return f"{module}: {LABELS[variant]}: {DESCRIPTIONS[variant]}"


def quick_reuse_name(variant: str) -> str:
    if variant == "fallback":
        return "kmem bulk_fallback"
    if variant == "kfree_bulk":
        return "kfree_bulk"
    return "kmem bulk_quick_reuse"


def build_test01(cfg: dict[str, Any]) -> list[Case]:
    loops = test_loops(cfg)
    variants = compare_variants(cfg)
    cases: list[Case] = [_for_loop_case(loops)]
    cases.append(_fastpath_case(cfg, loops, []))
    sizes: list[tuple[int, list[str]]] = []
    for b in test_sizes(cfg):
        note = []
        if b > MAX_BULK:
            note = [f"{MODULE}: bulk_test() bulk({b}) request too big cap at {MAX_BULK}"]
            b = MAX_BULK
        sizes.append((b, note))
    blocks = ["fallback"] + [v for v in variants if v != "fallback"]
    for variant in blocks:
        first = True
        for b, note in sizes:
            notes = ([variant_note(MODULE, variant)] if first else []) + note
            first = False
            iterations = loops // b
            name = quick_reuse_name(variant)
            cache_name = {"fallback": "slab_bench_test2", "kfree_bulk": "slab_bench_test5"}.get(
                variant, "slab_bench_test3"
            )
            cases.append(bulk_case(cfg, name, variant, b, iterations, cache_name, notes))
    cases[0].notes = module_notes(cfg, MODULE)
    return cases


def build_cases(cfg: dict[str, Any]) -> list[Case]:
    """`skbbench bulk`: the cases of slab_bulk_test01, 02 or 03 (``cfg["test"]``)."""
    test = str(cfg.get("test", "01"))
    if test == "01":
        return build_test01(cfg)
    if test == "02":
        from skbbench.bench.slab_bulk_test02 import build_test02

        return build_test02(cfg)
    if test == "03":
        from skbbench.bench.slab_bulk_test03 import build_test03

        return build_test03(cfg)
    raise UsageError(f"test: unknown test '{test}' (choose from 01, 02, 03)")


def guard_overflow(module: str, loops: int, bulk: int) -> str | None:
    """The originals' up-front 32-bit guard message, or None."""
    if loops_overflow(loops, bulk):
        return f"{module}: Loop cnt too big will overflow 32-bit"
    return None
