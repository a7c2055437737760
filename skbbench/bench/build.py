"""The cases of a resolved config: each family's bench code, chosen by config type."""

from __future__ import annotations

from types import ModuleType

from skbbench.errors import UsageError
from skbbench.harness.cpus import allowed_cpus, format_cpus
from skbbench.harness.runner import Case, ParallelCase
from skbbench.spec import RunConfig
from skbbench.specs.alfq import AlfqConfig
from skbbench.specs.bulk import BulkConfig
from skbbench.specs.napi import NapiConfig
from skbbench.specs.pagepool import PagepoolConfig
from skbbench.specs.pages import (
    PAGE_BENCH01,
    PAGE_BENCH02,
    PAGE_BENCH04,
    PAGE_BENCH05,
    PagesConfig,
)
from skbbench.specs.parallel import ParallelConfig
from skbbench.specs.qmempool import QmempoolConfig
from skbbench.specs.recycle import RecycleConfig
from skbbench.specs.sample import SampleConfig


class _Groups:
    """The modules of a family's groups that this machine can run: a module declaring
    ``MIN_CPUS`` above the allowed CPUs is skipped with a note; if that leaves nothing to
    run, the first skip is the usage error."""

    def __init__(self, notes: list[str]) -> None:
        self.notes = notes
        self.skipped: list[str] = []

    def runnable(self, group: str, module: ModuleType) -> bool:
        need = int(getattr(module, "MIN_CPUS", 1))
        cpus = allowed_cpus()
        if len(cpus) >= need:
            return True
        self.skipped.append(f"{group}: needs {need} allowed CPUs, only {format_cpus(cpus)} allowed")
        self.notes.append(f"NOTE: {self.skipped[-1]}; skipped")
        return False

    def check(self, cases: list[Case | ParallelCase]) -> None:
        if not cases and self.skipped:
            raise UsageError(self.skipped[0])


def build_cases(cfg: RunConfig, notes: list[str] | None = None) -> list[Case | ParallelCase]:
    """The scenarios ``cfg`` runs, in the original modules' order; groups this machine
    cannot run (too few CPUs) are left out with a line in ``notes``."""
    cases: list[Case | ParallelCase] = []
    groups = _Groups(notes if notes is not None else [])
    if isinstance(cfg, SampleConfig):
        from skbbench.bench import sample

        cases.extend(sample.build_cases(cfg))
    elif isinstance(cfg, ParallelConfig):
        from skbbench.bench import time_bench_parallel

        cases.extend(time_bench_parallel.build_cases(cfg))
    elif isinstance(cfg, BulkConfig):
        from skbbench.bench import slab_bulk_test01, slab_bulk_test02, slab_bulk_test03

        test = {"01": slab_bulk_test01, "02": slab_bulk_test02, "03": slab_bulk_test03}
        cases.extend(test[cfg.test].build_cases(cfg))
    elif isinstance(cfg, QmempoolConfig):
        from skbbench.bench import qmempool_bench, qmempool_bench_parallel

        cases.extend(qmempool_bench.build_cases(cfg))
        if "parallel" in cfg.groups:
            cases.extend(qmempool_bench_parallel.build_cases(cfg))
    elif isinstance(cfg, AlfqConfig):
        from skbbench.bench import alf_queue_bench, alf_queue_parallel01

        if "bench" in cfg.groups:
            cases.extend(alf_queue_bench.build_cases(cfg))
        if "parallel" in cfg.groups:
            cases.extend(alf_queue_parallel01.build_cases(cfg))
    elif isinstance(cfg, PagesConfig):
        from skbbench.bench import page_bench01, page_bench02, page_bench04_bulk, page_bench05

        modules = {
            PAGE_BENCH01: page_bench01,
            PAGE_BENCH02: page_bench02,
            PAGE_BENCH04: page_bench04_bulk,
            PAGE_BENCH05: page_bench05,
        }
        for group, module in modules.items():  # the original modules' order
            if group in cfg.groups and groups.runnable(group, module):
                cases.extend(module.build_cases(cfg))
    elif isinstance(cfg, PagepoolConfig):
        from skbbench.bench import (
            bench_page_pool_cross_cpu,
            bench_page_pool_simple,
            skb_array_bench01,
            skb_array_parallel01,
        )
        from skbbench.specs.pagepool import CROSS_CPU, SIMPLE, SKB_ARRAY, SKB_ARRAY_PARALLEL

        pp_modules = {
            SIMPLE: bench_page_pool_simple,
            CROSS_CPU: bench_page_pool_cross_cpu,
            SKB_ARRAY: skb_array_bench01,
            SKB_ARRAY_PARALLEL: skb_array_parallel01,
        }
        for group, pp_module in pp_modules.items():
            if group in cfg.groups and groups.runnable(group, pp_module):
                cases.extend(pp_module.build_cases(cfg))
    elif isinstance(cfg, RecycleConfig):
        from skbbench.bench import rx_recycle

        cases.extend(rx_recycle.build_cases(cfg))
    elif isinstance(cfg, NapiConfig):
        from skbbench.bench import napi_bench

        cases.extend(napi_bench.build_cases(cfg))
    else:
        raise TypeError(f"no bench code for {type(cfg).__name__}")
    groups.check(cases)
    return cases
