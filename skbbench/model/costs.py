"""Kernel-only costs of the models: what userspace cannot execute (IRQ, BH and preempt
disabling), in cycles(tsc) per disable+enable pair, charged as calibrated busy-waits.
Profiles ``published`` (time_bench_sample values) and ``zero``; see docs/model.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from skbbench.errors import ModelParameterError
from skbbench.model.machine import CostIters


@dataclass(frozen=True)
class CostProfile:
    """Kernel-only primitive costs in cycles(tsc) per disable+enable (save+restore) pair."""

    name: str
    irq_disable_enable: float  # local_irq_disable + local_irq_enable
    irq_save_restore: float  # local_irq_save + local_irq_restore
    bh_disable_enable: float  # local_bh_disable + local_bh_enable
    preempt_disable_enable: float  # preempt_disable + preempt_enable

    def to_dict(self) -> dict[str, float | str]:
        return asdict(self)


PROFILES: dict[str, CostProfile] = {
    # time_bench_sample: local_IRQ_disable_enable 7, local_irq_save_restore 37,
    # local_BH_disable_enable 18, preempt_disable_enable 0 (PREEMPT=n).
    "published": CostProfile("published", 7.0, 37.0, 18.0, 0.0),
    # No kernel-only cost at all: the executed model alone.
    "zero": CostProfile("zero", 0.0, 0.0, 0.0, 0.0),
}


def get_profile(name: str | CostProfile) -> CostProfile:
    """The named profile (or ``name`` itself when it already is a profile)."""
    if isinstance(name, CostProfile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise ModelParameterError(
            f"unknown cost profile '{name}' (choose from {', '.join(PROFILES)})"
        ) from None


def cost_iters(profile: str | CostProfile) -> CostIters:
    """Busy-wait iterations for each kernel-only cost of ``profile`` on this machine
    (calibrates the spin loop on first use: imports numba)."""
    from skbbench.harness.spin import cost_iters as iters

    prof = get_profile(profile)
    return CostIters(
        irq_disable_enable=iters(prof.irq_disable_enable),
        irq_save_restore=iters(prof.irq_save_restore),
        bh_disable_enable=iters(prof.bh_disable_enable),
        preempt_disable_enable=iters(prof.preempt_disable_enable),
    )
