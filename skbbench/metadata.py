"""Machine metadata stored with every result, and the conditions that hurt measurements."""

from __future__ import annotations

import platform
import sys

from skbbench import sysinfo
from skbbench.document import Machine
from skbbench.harness.cpus import allowed_cpus, format_cpus
from skbbench.harness.inject import INJECT_ENV, inject_fraction
from skbbench.tscfreq import tsc_frequency


def machine_metadata(allow_calibration: bool = True) -> Machine:
    """Everything `skbbench info` shows and result files store (imports no numba
    unless the TSC frequency must be calibrated)."""
    flags = sysinfo.cpu_flags()
    tsc = tsc_frequency(allow_calibration=allow_calibration)
    commit, commit_source = sysinfo.git_commit_info()
    return Machine(
        cpu_model=sysinfo.cpu_model(),
        tsc_mhz=round(tsc.mhz, 3),
        tsc_source=tsc.source,
        tsc_source_detail=tsc.detail,
        constant_tsc="constant_tsc" in flags,
        nonstop_tsc="nonstop_tsc" in flags,
        tsc_known_freq="tsc_known_freq" in flags,
        rdtscp="rdtscp" in flags,
        cx16="cx16" in flags,
        governor=sysinfo.governor(),
        boost=sysinfo.boost(),
        virtualization=sysinfo.virtualization(),
        cpu_count=sysinfo.cpu_count(),
        allowed_cpus=format_cpus(allowed_cpus()),
        loadavg_1min=sysinfo.loadavg(),
        kernel=sysinfo.kernel(),
        machine=platform.machine(),
        python=platform.python_version(),
        numba=sysinfo.package_version("numba"),
        llvmlite=sysinfo.package_version("llvmlite"),
        numpy=sysinfo.package_version("numpy"),
        git_commit=commit,
        git_commit_source=commit_source,
        argv=" ".join(sys.argv[1:]),
        injected_slowdown=inject_fraction() or None,
    )


def measurement_warnings(meta: Machine) -> list[str]:
    """One line per condition that makes cycle counts less trustworthy (we never change
    the system, we only say)."""
    out = []
    if meta.machine not in ("x86_64", "AMD64"):
        out.append(f"machine is {meta.machine}: the TSC model needs x86-64")
    if not meta.constant_tsc:
        out.append(
            "no constant_tsc: the TSC rate follows the core clock, cycles are not comparable"
        )
    if not meta.nonstop_tsc:
        out.append("no nonstop_tsc: the TSC may stop in idle states")
    if not meta.cx16:
        out.append("no cx16: cmpxchg16b (cmpxchg_double) is not available")
    gov = meta.governor
    if gov is not None and gov != "performance":
        out.append(f"cpufreq governor is '{gov}', not 'performance': core clock varies")
    if meta.boost:
        out.append("turbo/boost is on: core clock varies with load and temperature")
    if meta.virtualization:
        out.append(
            f"running under a hypervisor ({meta.virtualization}): steal time and "
            "vCPU migration add noise"
        )
    load = meta.loadavg_1min
    cpus = meta.cpu_count or 1
    if load is not None and load > 0.5 * cpus:
        out.append(f"load average {load:.2f} on {cpus} CPUs: other work competes for the CPUs")
    if meta.injected_slowdown:
        out.append(
            f"every timed window was made {meta.injected_slowdown:.0%} longer ({INJECT_ENV}, "
            "for measuring compare's detection rate): not a measurement"
        )
    return out
