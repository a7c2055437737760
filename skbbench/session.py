"""Execute one resolved configuration: pin, build the cases, run them, make a document.

The single path every benchmark command and ``skbbench run`` goes through.
"""

from __future__ import annotations

import sys
from typing import Any

from skbbench.bench.build import build_cases
from skbbench.cachedir import prune_old_caches
from skbbench.harness.cpus import choose_cpu, pin_current_thread
from skbbench.harness.runner import Progress, check_timing_counts, run_all
from skbbench.metadata import machine_metadata, measurement_warnings
from skbbench.results import build_document
from skbbench.spec import RunConfig


def execute(cfg: RunConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Run the benchmark ``cfg`` describes on a pinned CPU; returns the result document."""
    prune_old_caches()
    cpu = choose_cpu(cfg.cpu)
    machine = machine_metadata()  # before pinning: a TSC calibration may run here
    pin_current_thread(cpu)
    cases = build_cases(cfg)
    check_timing_counts(cases)
    results = run_all(cases, repeat=cfg.repeat, warmup=cfg.warmup, progress=progress)
    machine["pinned_cpu"] = cpu
    if "skbbench.harness.spin" in sys.modules:  # kernel-only costs were charged
        machine["busy_wait_calibration"] = sys.modules["skbbench.harness.spin"].calibration_report()
    warnings = measurement_warnings(machine)
    return build_document(cfg.NAME, cfg.to_dict(), results, machine, warnings)
