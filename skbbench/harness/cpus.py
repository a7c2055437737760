"""CPU affinity: the allowed set, pinning, and validation of user choices (no numba)."""

from __future__ import annotations

import os

from skbbench.errors import UsageError

_ALLOWED: list[int] | None = None


def allowed_cpus() -> list[int]:
    """CPUs this process may run on, ascending: the affinity seen at the first call,
    so pinning the main thread for a single-CPU run does not shrink the set that
    parallel runs choose from."""
    global _ALLOWED
    if _ALLOWED is None:
        _ALLOWED = sorted(os.sched_getaffinity(0))
    return list(_ALLOWED)


def pin_current_thread(cpu: int) -> None:
    """Pin the calling thread (pid 0 = this thread on Linux) to one CPU."""
    os.sched_setaffinity(0, {cpu})


def current_affinity() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def choose_cpu(requested: int | None) -> int:
    """The CPU to pin single-CPU runs to: ``requested`` if allowed, else the last allowed.

    The last allowed CPU is the default because CPU 0 usually takes more interrupts.
    """
    allowed = allowed_cpus()
    if requested is None:
        return allowed[-1]
    if requested not in allowed:
        raise UsageError(f"--cpu {requested}: not in the allowed CPUs {format_cpus(allowed)}")
    return requested


def choose_parallel_cpus(count: int | None, first: int | None = None) -> list[int]:
    """``count`` CPUs for a parallel run, lowest ids first (the originals use CPUs 0..n-1)."""
    allowed = allowed_cpus()
    if count is None:
        return allowed
    if count < 1:
        raise UsageError(f"--parallel-cpus {count}: must be at least 1")
    if count > len(allowed):
        raise UsageError(
            f"--parallel-cpus {count}: only {len(allowed)} CPUs allowed ({format_cpus(allowed)})"
        )
    return allowed[:count]


def format_cpus(cpus: list[int]) -> str:
    """Compact list form: 0-3,6."""
    if not cpus:
        return ""
    parts = []
    start = prev = cpus[0]
    tail: list[int | None] = [*cpus[1:], None]
    for c in tail:
        if c is not None and c == prev + 1:
            prev = c
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if c is not None:
            start = prev = c
    return ",".join(parts)
