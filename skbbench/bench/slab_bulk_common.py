"""What slab_bulk_test01, 02 and 03 share: the timed kernels, cache creation from a
config, the merged-cache setup, counters of the timed work (from a replay), and case
builders.

Each run creates its cache before the timed window and destroys it after, like the
originals' bench functions (kmem_cache_create / kmem_cache_destroy).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from skbbench.bench import replay
from skbbench.bench.slab_bulk_kernels import BULK_KERNELS, FASTPATH_KERNELS, OTHER_USERS
from skbbench.errors import ModelParameterError
from skbbench.harness.flavor import Flavor
from skbbench.harness.runner import BenchAbort, Case
from skbbench.harness.window import new_window, window_record
from skbbench.model import sheaves_create, slab_create, slub_create
from skbbench.model.bulk import variant_id
from skbbench.model.kconfig_layout import SLUB_STATS, describe, flags_of, parse_assignments
from skbbench.model.slub_layout import C_PARTIAL, CPU_WORDS, H_CPU_BASE, PG_COUNTERS
from skbbench.specs.bulk import (
    DESCRIPTIONS,
    FASTPATH_REUSE,
    FOR_LOOP,
    LABELS,
    OPTION_ALLOCATORS,
    BulkConfig,
)
from skbbench.timebench import Record, loops_overflow

_0 = np.uint64(0)


# --------------------------------------------------------------------------------------
# Shared by the slab_bulk_test modules


def max_slabs_for(bulk: int, objects_hint: int = 16) -> int:
    """Page-allocator capacity for a bulk size: the live bulk plus partial lists."""
    return max(64, 4 * (bulk // objects_hint + 1) + 16)


Cache = slub_create.SlubCache | slab_create.SlabCache | sheaves_create.SheavesCache


def make_cache(
    cfg: BulkConfig, allocator: str, name: str, max_slabs: int, check: bool | None = None
) -> Cache:
    """kmem_cache_create of the allocator model, on a machine of its own (SLUB: with the
    sysfs tunables of the config)."""
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
    if allocator in ("sheaves", "sheaves-6.18"):
        form = "6.18" if allocator == "sheaves-6.18" else "7.0"
        return sheaves_create.kmem_cache_create(
            object_size=cfg.object_size,
            nr_cpus=cfg.cpus,
            profile=cfg.profile,
            check=check,
            max_slabs=max_slabs,
            name=name,
            form=form,
            sheaf_capacity=cfg.sheaf_capacity,
            cpu_partial=cfg.cpu_partial if form == "6.18" else None,
            min_partial=cfg.min_partial,
            order=cfg.order,
            min_objects=cfg.min_objects,
        )
    return slub_create.kmem_cache_create(
        object_size=cfg.object_size,
        nr_cpus=cfg.cpus,
        profile=cfg.profile,
        check=check,
        max_slabs=max_slabs,
        name=name,
        cpu_partial=cfg.cpu_partial,
        min_partial=cfg.min_partial,
        order=cfg.order,
        min_objects=cfg.min_objects,
    )


def cache_view(cache: Cache, s: np.ndarray) -> Cache:
    """The same cache looking at another state array (a replay's)."""
    machine = dataclasses.replace(cache.machine, s=s)
    if isinstance(cache, sheaves_create.SheavesCache):
        slub = cache.slub and dataclasses.replace(cache.slub, s=s, machine=machine)
        return dataclasses.replace(cache, s=s, machine=machine, slub=slub)
    if isinstance(cache, slub_create.SlubCache):
        return dataclasses.replace(cache, s=s, machine=machine)
    return dataclasses.replace(cache, machine=machine)


def kconfig_flags(cfg: BulkConfig) -> int:
    """The SLUB flavor flags of a config (Kconfig defaults, --kconfig, --what-if,
    --lookahead): what the timed runs are compiled with."""
    return flags_of(parse_assignments(cfg.kconfig), cfg.what_if, cfg.lookahead)


def flavors(
    cfg: BulkConfig, traffic: bool, allocator: str = "slub"
) -> tuple[Flavor, Flavor | None]:
    """(timed flavor, replay flavor or None): with counters compiled into the timed run
    (SLUB_STATS=y, or the checked mode) there is no replay. SLAB's counters are gated at
    run time (MH_STATS), not by the flavor: its replay runs the timed kernel itself (one
    compile instead of two of the same code)."""
    flags = kconfig_flags(cfg) | (OTHER_USERS if traffic else 0)
    if cfg.check or flags & SLUB_STATS:
        return Flavor(flags | SLUB_STATS), None
    if allocator == "slab":
        return Flavor(flags), Flavor(flags)
    return Flavor(flags), Flavor(flags | SLUB_STATS)


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
    if cfg.setup != "nomerge":
        params["setup"] = cfg.setup
        for key in ("merged_objects", "merged_partial", "merged_traffic", "merged_remote"):
            params[key] = getattr(cfg, key)
    if allocator != "slab":
        for key in ("cpu_partial", "min_partial", "order", "min_objects", "sheaf_capacity"):
            if getattr(cfg, key) is not None and allocator in OPTION_ALLOCATORS[key]:
                params[key] = getattr(cfg, key)
        if cfg.lookahead != 3:
            params["lookahead"] = cfg.lookahead
        kc = describe(kconfig_flags(cfg))
        if kc != "defaults":
            params["kconfig"] = kc
        if cfg.what_if and allocator in OPTION_ALLOCATORS["what_if"]:
            params["what_if"] = ",".join(cfg.what_if)
    return params


MERGED_SEED = 13


def objects_per_slab(cache: Cache) -> int:
    return cache.num if isinstance(cache, slab_create.SlabCache) else cache.objects


def merged_slabs(cfg: BulkConfig, allocator: str) -> int:
    """Slabs the other users of a merged cache need: their objects, one partly used
    slab per CPU, the traffic's few."""
    if cfg.setup != "merged":
        return 0
    objects = objects_per_slab(make_cache(cfg, allocator, "probe", 1, check=False))
    return -(-cfg.merged()[0] // objects) + cfg.cpus + 4


def _cpu_partial_pages(cache: Cache, cpu: int) -> int:
    """Slabs on a SLUB CPU's cpu partial list (the head's pages count)."""
    s = cache.s
    head = int(s[int(s[H_CPU_BASE]) + cpu * CPU_WORDS + C_PARTIAL])
    count = 0
    while head:
        count += 1
        head = int(s[cache.machine.record(head) + 2])  # page->next
    return count


def merged_setup(cache: Cache, cfg: BulkConfig, bench_cpu: int = 0) -> list[tuple[int, int]]:
    """--setup merged: the bench cache is an alias of kmalloc-256, which other users
    share (docs/model.md). They hold ``merged_objects`` objects, allocated on every
    simulated CPU in turn (they are system-wide); ``merged_partial`` of their full slabs
    then got one object freed on the bench CPU, so SLUB froze each onto that CPU's cpu
    partial list (put_cpu_partial), as the reference host's slabs_cpu_partial shows.
    Returns the other users' objects still held (cpu, object), freed after the run."""
    if cfg.setup != "merged":
        return []
    n_objects, n_partial, _, _ = cfg.merged()
    nr = cache.nr_cpus
    held = []
    for i in range(n_objects):
        cpu = i % nr
        obj = cache.alloc(cpu)
        if not obj:
            raise ModelParameterError("merged: the model's page allocator ran out (merged_objects)")
        held.append((cpu, obj))
    if n_partial:
        rng = np.random.default_rng(MERGED_SEED)
        order = rng.permutation(len(held))
        shift = 12 + (cache.gfporder if isinstance(cache, slab_create.SlabCache) else cache.order)
        used: set[int] = set()
        freed: list[int] = []
        for i in order:
            obj = held[i][1]
            slab = obj >> shift
            if slab in used or not _full_unfrozen(cache, obj):
                continue
            used.add(slab)
            cache.free(bench_cpu, obj)  # a free of another user, on the bench CPU
            freed.append(int(i))
            if len(freed) == n_partial:
                break
        if len(freed) < n_partial:
            raise ModelParameterError(
                f"merged_partial {n_partial}: only {len(freed)} full slabs of "
                f"{n_objects} objects (raise merged_objects)"
            )
        gone = set(freed)
        held = [h for i, h in enumerate(held) if i not in gone]
    return held


def _full_unfrozen(cache: Cache, obj: int) -> bool:
    """SLAB: any slab; SLUB: a slab that is full and not frozen (no CPU owns it), whose
    first free SLUB sends to the freeing CPU's cpu partial list."""
    if not isinstance(cache, slub_create.SlubCache):
        return True
    head = obj >> (12 + cache.order) << cache.order
    counters = int(cache.s[cache.machine.record(head) + PG_COUNTERS])
    inuse, objects, frozen = counters & 0xFFFF, (counters >> 16) & 0x7FFF, (counters >> 31) & 1
    return not frozen and inuse == objects


def traffic_schedule(
    cfg: BulkConfig, iterations: int, bulk: int, nr_cpus: int
) -> tuple[np.ndarray, np.ndarray]:
    """--setup merged traffic: (sched, held ring). ``merged_traffic`` allocations per 1000
    bench objects on the bench CPU, at seeded iterations; each object is freed at the
    next allocation's point (one in flight, like a short-lived interrupt-context user),
    by another CPU with probability ``merged_remote`` (round robin) or RCU-deferred on
    the bench CPU. Empty arrays without traffic."""
    _, _, rate, remote_share = cfg.merged()
    allocs = int(round(rate * iterations * bulk / 1000))
    if allocs == 0:
        return np.zeros(0, np.uint64), np.zeros(3, np.uint64)
    rng = np.random.default_rng(MERGED_SEED + 1)
    at = np.sort(rng.integers(0, iterations, size=allocs))
    remote = rng.random(allocs) < remote_share
    events: list[tuple[int, int]] = []
    k = 0
    for j, it in enumerate(at.tolist()):
        if j:
            cpu = 1 + k % (nr_cpus - 1) if remote[j - 1] and nr_cpus > 1 else 0
            k += int(remote[j - 1])
            events.append((it, cpu + 1))  # free the previous one
        events.append((it, 0))  # allocate
    sched = np.array([w for e in events for w in e], dtype=np.uint64)
    return sched, np.zeros(2 + 4, np.uint64)


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


Body = Callable[[Flavor, list[np.ndarray], np.ndarray, int], int]  # (kc, arrays, window, loops)


class _Run:
    """A Case's run()/counters() pair: create the cache, time the kernel (counters off),
    keep what the replay needs; counters() replays once, after the last run."""

    def __init__(
        self,
        cfg: BulkConfig,
        allocator: str,
        name: str,
        max_slabs: int,
        body: Body,
        make_arrays: Callable[[Cache], list[np.ndarray]],
        loops: int,
        step: int,
        traffic: bool = False,
    ) -> None:
        self.cfg, self.allocator, self.name, self.max_slabs = cfg, allocator, name, max_slabs
        self.body, self.make_arrays, self.loops, self.step = body, make_arrays, loops, step
        self.timed, self.replayed = flavors(cfg, traffic, allocator)
        self.last: dict[str, Any] = {}
        self.pending: tuple[Cache, replay.Pending] | None = None

    def __call__(self) -> Record:
        cfg = self.cfg
        extra = merged_slabs(cfg, self.allocator)
        # kmem_cache_create (merged: the alias of a kmalloc-256 other users already use)
        cache = make_cache(cfg, self.allocator, self.name, self.max_slabs + extra)
        held = merged_setup(cache, cfg)
        arrays = [cache.s] + self.make_arrays(cache)
        window = new_window()
        if self.replayed is None:  # counters compiled into the timed run
            before = cache.counters() if held else {}
            cnt = self.body(self.timed, arrays, window, self.loops)
            cache.raise_if_error()
            self.last = counter_delta(cache.counters(), before) if held else cache.counters()
        else:
            start = replay.start(cache.machine, arrays)
            cnt = self.body(self.timed, arrays, window, self.loops)
            self.pending = (cache, replay.finish(cache.machine, start, arrays))
            cache.raise_if_error()
        for cpu, obj in held:  # the other users free theirs before kmem_cache_destroy
            cache.free(cpu, obj)
        self._drain_traffic(cache, arrays)
        cache.destroy()  # kmem_cache_destroy: every object must be back
        if cnt <= 0:
            raise BenchAbort()
        return window_record(window, loops=self.loops, step=self.step)

    @staticmethod
    def _drain_traffic(cache: Cache, arrays: list[np.ndarray]) -> None:
        # other users' objects of the traffic still in flight (the held ring, if any)
        if len(arrays) < 4:
            return
        held = arrays[3]
        size = len(held) - 2
        for i in range(int(held[0]), int(held[1])):
            obj = int(held[2 + i % size])
            if obj:
                cache.free(0, obj)
        held[0] = held[1]

    def compile(self, counting: bool) -> None:
        """Compile the kernel of the timed run (or, ``counting``, of the replay) by running
        it with no loops on a cache of its own: nothing is timed or counted."""
        flavor = self.replayed if counting else self.timed
        if flavor is None:
            return
        cache = make_cache(self.cfg, self.allocator, self.name, self.max_slabs)
        self.body(flavor, [cache.s] + self.make_arrays(cache), new_window(), 0)
        cache.destroy()

    def counters(self) -> dict[str, Any]:
        if self.pending is not None:
            cache, pending = self.pending
            self.pending = None
            flavor = self.replayed
            assert flavor is not None
            arrays = replay.replay(
                pending, lambda a: self.body(flavor, a, new_window(), self.loops)
            )
            view = cache_view(cache, arrays[0])
            view.raise_if_error()
            self.last = view.counters()
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

    def make_arrays(cache: Cache) -> list[np.ndarray]:
        sched, held = traffic_schedule(cfg, iterations, bulk, cache.nr_cpus)
        return [np.zeros(max(bulk, 1), dtype=np.uint64), sched, held]

    def body(kc: Flavor, a: list[np.ndarray], window: np.ndarray, loops: int) -> int:
        return int(kernel(kc, a[0], 0, loops, bulk, a[1], vid, window, a[2], a[3]))

    traffic = cfg.merged()[2] > 0
    run = _Run(
        cfg,
        allocator,
        cache_name,
        max_slabs_for(bulk),
        body,
        make_arrays,
        iterations,
        bulk,
        traffic,
    )
    return Case(
        name=name,
        loops=iterations,
        step=bulk,
        run=run,
        counters=run.counters,
        compile=run.compile,
        independent_runs=True,  # each run creates and destroys its cache
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

    return Case(
        name=FOR_LOOP,
        loops=n,
        step=0,
        run=run,
        group=group,
        expected_invoked=n,
        independent_runs=True,
    )


def fastpath_case(cfg: BulkConfig, allocator: str, loops: int, group: str) -> Case:
    kernel = FASTPATH_KERNELS[(allocator, cfg.check)]

    def body(kc: Flavor, a: list[np.ndarray], window: np.ndarray, n: int) -> int:
        return int(kernel(kc, a[0], 0, n, window))

    run = _Run(cfg, allocator, "slab_bench_test1", 64, body, lambda cache: [], loops, 0)
    return Case(
        name=FASTPATH_REUSE,
        loops=loops,
        step=0,
        run=run,
        counters=run.counters,
        compile=run.compile,
        independent_runs=True,  # each run creates and destroys its cache
        params=cache_params(cfg, allocator),
        group=group,
        expected_invoked=loops,
    )


def module_notes(cfg: BulkConfig, module: str, allocator: str = "slub") -> list[str]:
    """What the module prints at load: the model it runs on."""
    cache = make_cache(cfg, allocator, "probe", 1, check=False)
    tail = f"profile:{cache.profile.name}{' check:on' if cfg.check else ''}"
    if cfg.setup == "merged":
        tail += (
            f" setup:merged (other users: {cfg.merged()[0]} objects, "
            f"{cfg.merged()[1]} cpu partial slabs, traffic {cfg.merged()[2]:g}/1000)"
        )
    if allocator != "slab":
        kc = describe(kconfig_flags(cfg))
        tail += f" kconfig:{kc.replace(' ', ',')}" if kc != "defaults" else ""
        tail += f" lookahead:{cfg.lookahead}" if cfg.lookahead != 3 else ""
        if cfg.what_if and allocator in OPTION_ALLOCATORS["what_if"]:
            tail += f" what-if:{','.join(cfg.what_if)}"
    if isinstance(cache, sheaves_create.SheavesCache):
        model = (
            f"SLUB v{cache.form} sheaves model: object_size:{cache.object_size} "
            f"size:{cache.size} order:{cache.order} objects/slab:{cache.objects} "
            f"min_partial:{cache.min_partial} sheaf_capacity:{cache.capacity} "
            + (f"cpu_partial:{cache.slub.cpu_partial} " if cache.slub else "")
            + f"nr_cpus:{cache.nr_cpus} "
        )
    elif isinstance(cache, slab_create.SlabCache):
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
