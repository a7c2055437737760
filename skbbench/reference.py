"""The machine's reference: how fast its clock probe runs when the host leaves it alone.

Every worker process probes the core clock before its cases, between the rounds of
interleaved repeats and after (skbbench.harness.clock). The fastest ``for_loop`` this
machine has shown (per CPU model and boot, like the TSC rate cache) is kept in
``$XDG_CACHE_HOME/skbbench/reference.json``, written atomically; a probe slower than it by
more than ``SPELL`` was taken during a slow spell of the host.

``SPELL``: above the drift of the core clock under a constant TSC that a quiet run shows
against the fastest probe ever seen, and below what the slow spells that halved a run
probed (docs/measurement.md, "Variance between processes", has both figures).

No numba here.
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from skbbench import sysinfo
from skbbench.document import ClockProbe
from skbbench.outfile import write_atomic

SPELL = 0.30


def reference_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "skbbench" / "reference.json"


def _key() -> dict[str, str]:
    return {"boot_id": sysinfo.boot_id(), "cpu_model": sysinfo.cpu_model()}


@dataclass(frozen=True)
class Reference:
    """The fastest for_loop probe seen on this machine (cycles(tsc) per iteration), and
    how many probes it was the best of."""

    for_loop_cycles: float
    probes: int

    def slowdown(self, probe: ClockProbe) -> float | None:
        """How much slower than the reference ``probe`` ran (0.3 = 30%)."""
        if not probe.for_loop_cycles or self.for_loop_cycles <= 0:
            return None
        return probe.for_loop_cycles / self.for_loop_cycles - 1.0


def load_reference() -> Reference | None:
    """This machine's reference (None: none yet, another machine or boot, unreadable)."""
    try:
        data = json.loads(reference_path().read_text())
        if any(data.get(k) != v for k, v in _key().items()):
            return None
        return Reference(float(data["for_loop_cycles"]), int(data["probes"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def update_reference(old: Reference | None, probes: Sequence[ClockProbe]) -> Reference | None:
    """The reference with ``probes`` taken into account, saved (a failure to save only
    skips it)."""
    loops = [p.for_loop_cycles for p in probes if p.for_loop_cycles]
    if not loops:
        return old
    best = min(loops) if old is None else min(min(loops), old.for_loop_cycles)
    new = Reference(best, (old.probes if old else 0) + len(loops))
    try:
        path = reference_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(
            path,
            json.dumps({**_key(), "for_loop_cycles": new.for_loop_cycles, "probes": new.probes}),
        )
    except OSError:
        pass
    return new


@dataclass(frozen=True)
class HostCheck:
    """A run's probes against the machine's reference."""

    slowdowns: tuple[float, ...]  # of every probe of the run, in order

    @property
    def slow(self) -> list[int]:
        """Indices of the probes taken during a slow spell."""
        return [i for i, s in enumerate(self.slowdowns) if s > SPELL]

    @property
    def whole_run(self) -> bool:
        """Every probe of the run was slow: the run is not representative."""
        return bool(self.slowdowns) and len(self.slow) == len(self.slowdowns)

    def warning(self) -> str | None:
        if not self.slowdowns or not self.slow:
            return None
        typical = statistics.median(self.slowdowns)
        if self.whole_run:
            return (
                f"the host was {typical:.0%} slower than its reference during this run "
                "(clock probes): results are not representative"
            )
        return (
            f"a slow spell of the host: {len(self.slow)} of {len(self.slowdowns)} clock "
            f"probes ran more than {SPELL:.0%} slower than the machine's reference (the "
            "interleaved rounds it covered are left out and one more round was measured)"
        )


def check_host(reference: Reference | None, probes: Sequence[ClockProbe]) -> HostCheck:
    """The run's probes against the reference it had before the run (none: nothing to
    say on a machine's first run)."""
    if reference is None:
        return HostCheck(())
    out = [reference.slowdown(p) for p in probes]
    return HostCheck(tuple(s for s in out if s is not None))
