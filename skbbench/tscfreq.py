"""TSC frequency: from the kernel where it is reliable, else a cached busy-wait calibration.

The kernel value is used when /proc/cpuinfo has ``tsc_known_freq`` (the frequency came
from CPUID or the hypervisor, not from a boot-time calibration) and no cpufreq driver is
loaded, so "cpu MHz" is the TSC rate and not the current core clock. Otherwise a 1-second
busy-wait compares TSC ticks with CLOCK_MONOTONIC; the result is cached per boot and CPU
model, so only the first run after a boot pays for it. Only the calibration imports numba.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from skbbench import sysinfo
from skbbench.outfile import write_atomic

CALIBRATION_SECONDS = 1.0


@dataclass(frozen=True)
class TscFreq:
    mhz: float
    source: str  # "kernel" | "calibrated" | "cached-calibration" | "unknown"
    detail: str


def cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "skbbench" / "tsc.json"


def _cache_key() -> dict[str, str]:
    return {"boot_id": sysinfo.boot_id(), "cpu_model": sysinfo.cpu_model()}


def _kernel_mhz() -> float | None:
    flags = sysinfo.cpu_flags()
    if "tsc_known_freq" not in flags or sysinfo.has_cpufreq():
        return None
    return sysinfo.cpuinfo_mhz()


def _read_cache() -> float | None:
    try:
        data = json.loads(cache_path().read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or any(data.get(k) != v for k, v in _cache_key().items()):
        return None
    mhz = data.get("mhz")
    return float(mhz) if isinstance(mhz, (int, float)) and mhz > 0 else None


def calibrate(seconds: float = CALIBRATION_SECONDS) -> float:
    """Busy-wait ``seconds`` and return TSC MHz (imports numba)."""
    from skbbench.harness.calibrate import tsc_ticks_per_ns

    return tsc_ticks_per_ns(int(seconds * 1e9)) * 1000.0


def _write_cache(mhz: float) -> None:
    """Atomically (unique temporary file, fsync, rename): two processes calibrating at
    once, or a crash mid-write, never leave a torn cache; a failure only skips caching."""
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({**_cache_key(), "mhz": mhz}))
    except OSError:
        pass


def tsc_frequency(allow_calibration: bool = True) -> TscFreq:
    mhz = _kernel_mhz()
    if mhz:
        return TscFreq(mhz, "kernel", "tsc_known_freq and no cpufreq: /proc/cpuinfo cpu MHz")
    cached = _read_cache()
    if cached:
        return TscFreq(
            cached, "cached-calibration", f"busy-wait calibration cached in {cache_path()}"
        )
    if not allow_calibration:
        return TscFreq(0.0, "unknown", "not calibrated yet")
    mhz = calibrate()
    _write_cache(mhz)
    return TscFreq(
        mhz, "calibrated", f"{CALIBRATION_SECONDS:.0f} s busy-wait against CLOCK_MONOTONIC"
    )
