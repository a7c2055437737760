"""qmempool_bench: qmempool against the SLUB model on one CPU.

Loops L (original 1,000,000); one element = one alloc + one free:

* fast-path reuse group, L x 30 iterations each: ``kmem fastpath reuse`` (cache
  ``qmempool_test4``: kmem_cache_alloc + barrier + kmem_cache_free), then
  ``qmempool fastpath BH-disable`` (exported qmempool_alloc/qmempool_free),
  ``...BH-disable+inline``, ``...SOFTIRQ`` (exported softirq API; the free is
  BH-protected, a quirk of the original) and ``...SOFTIRQ+inline`` (no protection). Each
  qmempool run gets a fresh cache and ``qmempool_create(32, 128, 16)``, then (outside the
  window) two allocs and two frees: localq holds 16 and the timed loop only hits localq.
* N-pattern group, L / 10 iterations x 256 elements: allocate 256 into an array, barrier,
  free all; ``kmem alloc+free N-pattern`` and ``qmempool N-pattern`` (+ variants) on a
  fresh ``qmempool_create(32, 256, 0)``, so the first iteration pays the slab refills.

Everything runs on simulated CPU 0 of a cache with ``cpus`` simulated CPUs; the BH cost
comes from the cost profile.
"""

from __future__ import annotations

from typing import Any

from skbbench.bench.qmempool_common import (
    CacheSpec,
    kmem_fastpath_case,
    kmem_pattern_case,
    qmempool_fastpath_case,
    qmempool_pattern_case,
)
from skbbench.harness.runner import Case
from skbbench.specs.qmempool import (
    FASTPATH_FACTOR,
    GROUP_BENCH,
    KMEM_PATTERN,
    N_PATTERN,
    VARIANTS,
    QmempoolConfig,
)


def build_cases(cfg: QmempoolConfig) -> list[Case]:
    spec = CacheSpec.of(cfg)
    params: dict[str, Any] = {}
    cases: list[Case] = []
    if "fastpath" in cfg.groups:
        iters = cfg.loops * FASTPATH_FACTOR
        cases.append(kmem_fastpath_case(spec, iters, GROUP_BENCH, params))
        for v in VARIANTS:
            cases.append(qmempool_fastpath_case(spec, v, iters, GROUP_BENCH, params))
    if "pattern" in cfg.groups:
        iters = max(1, cfg.loops // 10)
        cases.append(kmem_pattern_case(spec, KMEM_PATTERN, iters, N_PATTERN, GROUP_BENCH, params))
        for v in VARIANTS:
            cases.append(
                qmempool_pattern_case(spec, v, iters, N_PATTERN, 32, 256, GROUP_BENCH, params)
            )
    return cases
