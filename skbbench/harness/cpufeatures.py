"""cmpxchg16b before any kernel compiles: the host's cx16 flag and Numba's CPU target.

A Numba target without cx16 (``NUMBA_CPU_NAME=generic``, or explicit ``NUMBA_CPU_FEATURES``
without it) turns the 16-byte cmpxchg into a call to ``__atomic_compare_exchange_16``
that the JIT cannot resolve: LLVM aborts or the process segfaults. :func:`ensure_cx16`
adds ``+cx16`` to the target when the host has it and says so once; else a UsageError.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from skbbench.errors import UsageError

# A 16-byte compare-and-exchange: inline `lock cmpxchg16b` on a cx16 target, a libatomic
# call on any other. Typed pointers for older LLVMs, opaque ones for newer.
_PROBE_IR = (
    "define i1 @probe({ptr} %p, i128 %a, i128 %b) {{\n"
    "  %r = cmpxchg {ptr} %p, i128 %a, i128 %b seq_cst seq_cst\n"
    "  %ok = extractvalue {{ i128, i1 }} %r, 1\n"
    "  ret i1 %ok\n"
    "}}\n"
)

NO_CX16_HOST = (
    "this CPU has no cmpxchg16b (no cx16 flag in /proc/cpuinfo), which the models' "
    "cmpxchg_double needs: run on a CPU that has it (on a VM, give the guest the host's "
    "CPU model, e.g. qemu -cpu host, or add the cx16 feature)"
)

_announced = False


def host_has_cx16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """The host CPU's cx16 flag (/proc/cpuinfo; LLVM's host features where it has none)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        text = ""
    for line in text.splitlines():
        if line.startswith("flags"):
            return "cx16" in line.partition(":")[2].split()
    import llvmlite.binding as ll

    try:
        return bool(ll.get_host_cpu_features().get("cx16", False))
    except RuntimeError:
        return False


def target_has_cx16(cpu_name: str, features: str) -> bool:
    """Whether LLVM emits ``cmpxchg16b`` inline for a target (cpu, feature string): asks
    LLVM itself by compiling a one-instruction probe (~1 ms), so a CPU name's implied
    features count as they do for Numba."""
    import llvmlite.binding as ll

    ll.initialize_native_target()
    ll.initialize_native_asmprinter()
    target = ll.Target.from_triple(ll.get_process_triple())
    machine = target.create_target_machine(cpu=cpu_name, features=features, opt=0)
    for ptr in ("ptr", "i128*"):
        try:
            module = ll.parse_assembly(_PROBE_IR.format(ptr=ptr))
        except RuntimeError:
            continue
        asm = machine.emit_assembly(module)
        return "cmpxchg16b" in asm and "__atomic_compare_exchange_16" not in asm
    raise RuntimeError("cannot build the cmpxchg16b probe with this llvmlite")


def with_cx16(features: str) -> str:
    """A Numba/LLVM feature string with cx16 enabled (``-cx16`` turned into ``+cx16``)."""
    parts = [f for f in (p.strip() for p in features.split(",")) if f and f[1:] != "cx16"]
    return ",".join([*parts, "+cx16"])


def numba_target() -> tuple[str, str]:
    """(cpu name, feature string) Numba's JIT compiles for, as its codegen chooses them
    from NUMBA_CPU_NAME / NUMBA_CPU_FEATURES (generic means no features) or the host."""
    from numba.core import config
    from numba.core.codegen import get_host_cpu_features

    config.reload_config()
    import llvmlite.binding as ll

    name = config.CPU_NAME or ll.get_host_cpu_name()
    features = config.CPU_FEATURES
    return name, features if features is not None else get_host_cpu_features()


def _codegen_started() -> bool:
    """True once Numba made its CPU target machine (later config changes do not count)."""
    registry = sys.modules.get("numba.core.registry")
    return registry is not None and "_toplevel_target_context" in vars(registry.cpu_target)


def ensure_cx16(stream=None) -> None:  # type: ignore[no-untyped-def]
    """Make sure the kernels about to compile can use cmpxchg16b.

    Host without cx16: UsageError naming the fix. Host with cx16 and a Numba target
    without it: enable it (NUMBA_CPU_FEATURES, also for child processes) and say so once
    on ``stream`` (stderr). Must run before the first kernel compiles."""
    global _announced
    name, features = numba_target()
    if target_has_cx16(name, features):
        return
    if not host_has_cx16():
        raise UsageError(NO_CX16_HOST)
    fixed = with_cx16(features)
    if _codegen_started():
        raise UsageError(
            f"the Numba CPU target ({name} {features or 'no features'}) has no cx16 and "
            f"kernels were already compiled: set NUMBA_CPU_FEATURES={fixed} before starting"
        )
    if not target_has_cx16(name, fixed):
        raise UsageError(
            f"the Numba CPU target {name} cannot emit cmpxchg16b even with +cx16: "
            "unset NUMBA_CPU_NAME or choose a CPU that has it"
        )
    os.environ["NUMBA_CPU_FEATURES"] = fixed
    from numba.core import config

    config.reload_config()
    if config.CPU_FEATURES != fixed:
        raise UsageError(f"could not set NUMBA_CPU_FEATURES={fixed}: set it before starting")
    if not _announced:
        _announced = True
        (stream or sys.stderr).write(
            f"skbbench: note: the Numba CPU target ({name}, "
            f"features '{features}') has no cmpxchg16b; this CPU has it: compiling with "
            f"NUMBA_CPU_FEATURES={fixed}\n"
        )
