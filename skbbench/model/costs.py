"""Kernel-only costs of the SLUB model: what userspace cannot execute, charged as busy-waits.

Userspace cannot disable IRQs, bottom halves or preemption. Where the kernel code does,
the model charges the published cost of that primitive with
:func:`skbbench.harness.spin.busy_wait`, once per disable+enable (or save+restore)
*pair*, at the point where the kernel re-enables. Everything else the allocator does
(loads, stores, free-pointer chases, ``lock cmpxchg16b``, spinlocks, list walks) is
executed on real memory and measured, never charged.

Each cost is in cycles(tsc) per pair. The ``published`` defaults come from the
time_bench_sample runs quoted in ../shared/design/kernel-model.md 1.5 and 9.2
(Jesper Brouer's 2014-2015 Xeon E5-2695 / Core i7 samples):

========================  =======  ==================================================
parameter                 default  where SLUB v4.4 pays it
========================  =======  ==================================================
``irq_disable_enable``    7        kmem_cache_alloc_bulk (local_irq_disable/enable
                                   around the whole bulk); the pre-patchset bulk free
                                   (once per call plus once per slowpath object)
``irq_save_restore``      37       __slab_alloc (single-object slowpath),
                                   spin_lock_irqsave of n->list_lock in __slab_free,
                                   unfreeze_partials from put_cpu_partial, the page
                                   allocator's zone lock
``bh_disable_enable``     18       not used by SLUB; offered to the qmempool model
                                   (local_bh_disable/enable)
``preempt_disable_enable`` 0       put_cpu_partial; 0 = CONFIG_PREEMPT=n, as the
                                   measured kernels were built
========================  =======  ==================================================

Profiles: ``published`` (the defaults above) and ``zero`` (every kernel-only cost 0:
what the model costs on its own, pure executed work).
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

DEFAULT_PROFILE = "published"


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
