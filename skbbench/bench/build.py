"""The cases of a resolved config: its family's benchmark modules (skbbench.family), in
the originals' order, each module's ``build_cases(cfg)``."""

from __future__ import annotations

from skbbench import registry
from skbbench.errors import UsageError
from skbbench.harness.cpus import allowed_cpus, format_cpus
from skbbench.harness.runner import Case, ParallelCase
from skbbench.spec import RunConfig


def build_cases(cfg: RunConfig, notes: list[str] | None = None) -> list[Case | ParallelCase]:
    """The scenarios ``cfg`` runs. A module declaring ``MIN_CPUS`` above the allowed CPUs
    is left out with a line in ``notes``; if that leaves nothing to run, it is the usage
    error."""
    cases: list[Case | ParallelCase] = []
    skipped: list[str] = []
    cpus = allowed_cpus()
    for module in registry.get(cfg.NAME).bench_modules(cfg):
        need = int(getattr(module, "MIN_CPUS", 1))
        if len(cpus) < need:
            group = module.__name__.rsplit(".", 1)[-1]
            skipped.append(f"{group}: needs {need} allowed CPUs, only {format_cpus(cpus)} allowed")
            if notes is not None:
                notes.append(f"NOTE: {skipped[-1]}; skipped")
            continue
        cases.extend(module.build_cases(cfg))
    if not cases and skipped:
        raise UsageError(skipped[0])
    return cases
