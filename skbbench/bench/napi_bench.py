"""`skbbench napi`: the skb recycle loops of the NAPI bulk-free post (v4.6, the RFC bulk
alloc) and the NAPI skb cache post (v5.12), with v4.4 before and v6.19 after.

Per run: a fresh machine (page allocator, skbuff_head_cache, rings) for one kernel variant
and workload, ``settle`` packets untimed, then ``packets`` received frames in the timed
window (time_bench: cycles(tsc) per packet), then a teardown that checks every head and
fragment page came back (docs/benchmarks.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skbbench.bench.napi_kernels import RUN, THREADS
from skbbench.errors import UsageError
from skbbench.harness.cpus import allowed_cpus, format_cpus
from skbbench.harness.runner import BenchAbort, Case, ParallelCase
from skbbench.harness.window import new_sync, new_window, window_record
from skbbench.model.napi_create import NapiModel, napi_create
from skbbench.model.napi_layout import NH_DONE
from skbbench.model.sheaves_create import SheavesCache
from skbbench.model.slab_create import SlabCache
from skbbench.specs.napi import (
    DESCRIPTIONS,
    GROUP,
    LABELS,
    WORKLOAD_TEXT,
    NapiConfig,
    case_name,
    thread_case_name,
)
from skbbench.timebench import Record

MODULE = "napi_bench"


def new_model(cfg: NapiConfig, variant: str, workload: str, check: bool | None = None) -> NapiModel:
    """The machine of one run (created outside the timed window)."""
    return napi_create(
        variant,
        workload,
        budget=cfg.budget,
        netdev_budget=cfg.netdev_budget,
        rx_ring=cfg.rx_ring,
        tx_ring=cfg.tx_ring,
        tx_inflight=cfg.tx_inflight,
        tx_work=cfg.tx_work,
        nr_cpus=cfg.cpus,
        profile=cfg.profile,
        check=cfg.check if check is None else check,
        allocator=cfg.allocator,
        reusable_check=cfg.reusable_check,
    )


def _delta(after: Any, before: Any) -> Any:
    """Counters of the timed work: after - before, recursively (non-counters kept)."""
    if isinstance(after, dict):
        return {
            k: _delta(v, before.get(k) if isinstance(before, dict) else None)
            for k, v in after.items()
        }
    if isinstance(after, int) and not isinstance(after, bool) and isinstance(before, int):
        return after - before
    return after


def timed_counters(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """The counters of the timed window: event counts minus those of setup and settle."""
    out = _delta(after, before)
    for key in ("nr_slabs", "nr_partial", "cache", "cached_objects"):
        if key in after:
            out[key] = after[key]
    hist = {int(k): v for k, v in out.get("slab_free_objects_per_call", {}).items() if v}
    out["slab_free_objects_per_call"] = {str(k): v for k, v in sorted(hist.items())}
    calls = sum(hist.values())
    out["slab_free_avg_objects"] = (
        round(sum(k * v for k, v in hist.items()) / calls, 3) if calls else 0.0
    )
    return out


class _Run:
    """A Case's run()/counters() pair: create, settle, time, tear down and check."""

    def __init__(self, cfg: NapiConfig, variant: str, workload: str) -> None:
        self.cfg, self.variant, self.workload = cfg, variant, workload
        self.last: dict[str, Any] = {}

    def __call__(self) -> Record:
        cfg = self.cfg
        model = new_model(cfg, self.variant, self.workload)
        kernel = RUN[model.allocator]
        if cfg.settle:
            kernel(model.s, model.nh, cfg.settle, new_window())
            model.raise_if_error()
        before = model.counters()
        window = new_window()
        cnt = int(kernel(model.s, model.nh, cfg.packets, window))
        model.raise_if_error()
        self.last = timed_counters(model.counters(), before)
        model.teardown()  # every head back in its slab, every page in the page allocator
        if cnt <= 0:
            raise BenchAbort()
        return window_record(window, loops=cfg.packets, step=cfg.budget)

    def counters(self) -> dict[str, Any]:
        return self.last


def case_params(cfg: NapiConfig, variant: str, workload: str) -> dict[str, Any]:
    """What a result depends on (part of every case's params and key)."""
    params: dict[str, Any] = {
        "variant": variant,
        "workload": workload,
        "budget": cfg.budget,
        "netdev_budget": cfg.netdev_budget,
        "rx_ring": cfg.rx_ring,
        "tx_ring": cfg.tx_ring,
        "tx_inflight": cfg.tx_inflight,
        "cpus": cfg.cpus,
        "profile": cfg.profile,
    }
    if cfg.reusable_check and variant == "v5.12":
        params["reusable_check"] = True
    if cfg.allocator != "slub":
        params["allocator"] = cfg.allocator
    return params


def module_notes(cfg: NapiConfig) -> list[str]:
    """What the module prints at load: the model it runs on and the variants."""
    model = new_model(cfg, cfg.variants[0], cfg.workloads[0])
    cache = model.cache
    p = model.params()
    model.teardown()
    if isinstance(cache, SheavesCache):
        geometry = (
            f"SLUB v{cache.form} sheaves object_size:{cache.object_size} size:{cache.size} "
            f"order:{cache.order} objects/slab:{cache.objects} "
            f"sheaf_capacity:{cache.capacity}"
        )
    elif isinstance(cache, SlabCache):
        geometry = (
            f"SLAB object_size:{cache.object_size} size:{cache.size} order:{cache.gfporder} "
            f"objects/slab:{cache.num} limit:{cache.limit} batchcount:{cache.batchcount} "
            f"shared:{cache.shared}"
        )
    else:
        geometry = (
            f"SLUB object_size:{cache.object_size} size:{cache.size} order:{cache.order} "
            f"objects/slab:{cache.objects}"
        )
    notes = [
        f"{MODULE}: Loaded (skbuff_head_cache: {geometry} "
        f"nr_cpus:{cache.nr_cpus}; page_frag: order-3 pages, fragsz:{p['fragsz']}; "
        f"rx_ring:{cfg.rx_ring} tx_ring:{cfg.tx_ring} tx_inflight:{cfg.tx_inflight} "
        f"budget:{cfg.budget} netdev_budget:{cfg.netdev_budget} "
        f"profile:{cfg.profile}{' check:on' if cfg.check else ''})"
    ]
    for v in cfg.variants:
        extra = " + dev_page_is_reusable" if v == "v5.12" and cfg.reusable_check else ""
        notes.append(f"{MODULE}: {LABELS[v]}: {DESCRIPTIONS[v]}{extra}")
    for w in cfg.workloads:
        notes.append(f"{MODULE}: workload {w}: {WORKLOAD_TEXT[w]}")
    return notes


@dataclass
class _Shared:
    model: NapiModel
    sync: np.ndarray = field(default_factory=new_sync)
    counters: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def thread_case(cfg: NapiConfig, variant: str, cpus: list[int]) -> ParallelCase:
    """The remote workload with RX and consumer on two pinned real threads."""

    def setup() -> _Shared:
        model = new_model(cfg, variant, "remote", check=False)  # threads: unchecked
        if cfg.settle:
            RUN[model.allocator](model.s, model.nh, cfg.settle, new_window())
            model.raise_if_error()
        model.s[model.nh + NH_DONE] = 0  # the RX thread raises it when it is done
        return _Shared(model=model, before=model.counters())

    def run(data: _Shared, index: int, cpu: int) -> Record:
        m = data.model
        window = new_window()
        rx_thread, consumer_thread = THREADS[m.allocator]
        if index == 0:
            got = int(rx_thread(m.s, m.nh, cfg.packets, window, data.sync))
        else:
            got = int(consumer_thread(m.s, m.nh, window, data.sync))
        if got <= 0:
            raise BenchAbort("ERROR: function being timed failed")
        return window_record(window, loops=cfg.packets, step=cfg.budget)

    def check(data: _Shared) -> None:
        m = data.model
        m.raise_if_error()
        data.counters = timed_counters(m.counters(), data.before)
        m.teardown()

    params = case_params(cfg, variant, "remote")
    params["threads"] = 2
    return ParallelCase(
        name=thread_case_name(variant),
        loops=cfg.packets,
        step=cfg.budget,
        cpus=cpus,
        run=run,
        setup=setup,
        check=check,
        counters=lambda data: data.counters,
        params=params,
        group=GROUP,
        expected_invoked=cfg.packets,
        notes=[f"{MODULE}: RX on CPU {cpus[0]} (simulated CPU 0), consumer on CPU {cpus[1]}"],
    )


def build_cases(cfg: NapiConfig) -> list[Case | ParallelCase]:
    cases: list[Case | ParallelCase] = []
    notes = module_notes(cfg)
    for workload in cfg.workloads:
        for variant in cfg.variants:
            run = _Run(cfg, variant, workload)
            cases.append(
                Case(
                    name=case_name(workload, variant),
                    loops=cfg.packets,
                    step=cfg.budget,
                    run=run,
                    counters=run.counters,
                    independent_runs=True,  # each run builds its model and tears it down
                    params=case_params(cfg, variant, workload),
                    group=GROUP,
                    expected_invoked=cfg.packets,
                    notes=notes,
                )
            )
            notes = []
    if cfg.threads:
        allowed = allowed_cpus()
        if cfg.threads > len(allowed):
            raise UsageError(
                f"--threads {cfg.threads}: only {len(allowed)} CPU(s) allowed "
                f"({format_cpus(allowed)})"
            )
        for variant in cfg.variants:
            cases.append(thread_case(cfg, variant, allowed[: cfg.threads]))
    return cases
