"""time_bench_record and time_bench_calc_stats with the original's integer arithmetic.

Pure Python (no numba): results, reports and compare use it without a compiler. The
arithmetic is the original's (docs/measurement.md): truncating cycles, a 3-digit ns
"decimal" that is ``remainder // (N // 1000)`` (four digits when N is not a multiple of
1000, printed as is), and the validity rules N >= 1000 and N < 2**32.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

U32_MAX = 2**32 - 1
MIN_INVOKED = 1000


def loops_overflow(loops: int, bulk: int) -> bool:
    """The originals' up-front guard: ``loops*bulk*2 >= 2^32-1`` (`Loop cnt too big`)."""
    return loops * bulk * 2 >= U32_MAX


@dataclass(frozen=True)
class Record:
    """One timed window: the raw fields of struct time_bench_record that are measured."""

    loops: int
    step: int
    invoked: int
    tsc_start: int
    tsc_stop: int
    wall_start: int
    wall_stop: int
    cpu: int = -1  # the CPU the window ran on (TSC_AUX), -1 when unknown
    process: int = 0  # which worker process of the run measured it
    spell: bool = False  # measured in a round during a slow spell of the host (left out)

    @property
    def tsc_interval(self) -> int:
        return self.tsc_stop - self.tsc_start

    @property
    def time_interval(self) -> int:
        return self.wall_stop - self.wall_start

    def to_dict(self) -> dict[str, int]:
        out = {
            "loops": self.loops,
            "step": self.step,
            "invoked": self.invoked,
            "tsc_start": self.tsc_start,
            "tsc_stop": self.tsc_stop,
            "wall_start": self.wall_start,
            "wall_stop": self.wall_stop,
            "cpu": self.cpu,
            "process": self.process,
        }
        if self.spell:
            out["spell"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """From a validated record (the measured fields are integers); ``cpu`` and
        ``process`` take their defaults where a document has none, or no integer."""
        optional = {
            k: data[k]
            for k in ("cpu", "process")
            if isinstance(data.get(k), int) and not isinstance(data.get(k), bool)
        }
        return cls(
            int(data["loops"]),
            int(data["step"]),
            int(data["invoked"]),
            int(data["tsc_start"]),
            int(data["tsc_stop"]),
            int(data["wall_start"]),
            int(data["wall_stop"]),
            spell=data.get("spell") is True,
            **optional,
        )


@dataclass(frozen=True)
class Stats:
    """time_bench_calc_stats output. ``error`` set means the numbers were not computed."""

    tsc_interval: int = 0
    time_interval: int = 0
    tsc_cycles: int = 0
    ns_per_call_quotient: int = 0
    ns_per_call_decimal: int = 0
    time_sec: int = 0
    time_sec_remainder: int = 0
    error: str | None = None
    messages: tuple[str, ...] = field(default=())


def calc_stats(rec: Record) -> Stats:
    """time_bench_calc_stats: exact integer arithmetic of the original."""
    n = rec.invoked
    if n < MIN_INVOKED:
        return Stats(error=f"ERR: need more(>1000) loops({n}) for timing")
    if n > U32_MAX:
        return Stats(error=f"ERR: Invoke cnt({n}) too big overflow 32bit")
    tsc_interval = rec.tsc_interval
    if tsc_interval == 0:
        return Stats(error="ABORT: timing took ZERO TSC time")
    time_interval = rec.time_interval
    if time_interval == 0:
        return Stats(tsc_interval=tsc_interval, error="ABORT: timing took ZERO wallclock time")
    time_sec, time_rem = divmod(time_interval, 1_000_000_000)
    q, r = divmod(time_interval, n)
    precision = n // 1000
    return Stats(
        tsc_interval=tsc_interval,
        time_interval=time_interval,
        tsc_cycles=tsc_interval // n,
        ns_per_call_quotient=q,
        ns_per_call_decimal=r // precision,
        time_sec=time_sec,
        time_sec_remainder=time_rem,
    )


def _tail(st: Stats, rec: Record) -> str:
    return (
        f" - (measurement period time:{st.time_sec}.{st.time_sec_remainder:09d} sec"
        f" time_interval:{st.time_interval})"
        f" - (invoke count:{rec.invoked} tsc_interval:{st.tsc_interval})"
    )


def type_line(name: str, rec: Record) -> str:
    """The single-CPU result line printed by time_bench_loop (without the dmesg prefix)."""
    st = calc_stats(rec)
    return (
        f"Type:{name} Per elem: {st.tsc_cycles} cycles(tsc)"
        f" {st.ns_per_call_quotient}.{st.ns_per_call_decimal:03d} ns (step:{rec.step})"
        + _tail(st, rec)
    )


def cpu_line(name: str, rec: Record, cpu: int) -> str:
    """Per-CPU line of time_bench_print_stats_cpumask."""
    st = calc_stats(rec)
    return (
        f"Type:{name} CPU({cpu}) {st.tsc_cycles} cycles(tsc)"
        f" {st.ns_per_call_quotient}.{st.ns_per_call_decimal:03d} ns (step:{rec.step})"
        + _tail(st, rec)
    )


def sum_line(name: str, recs: list[Record]) -> str:
    """`Sum Type:` line: integer mean of the truncated per-CPU cycles; step of the last CPU."""
    cycles = [calc_stats(r).tsc_cycles for r in recs]
    average = sum(cycles) // len(cycles) if cycles else 0
    step = recs[-1].step if recs else 0
    return f"Sum Type:{name} Average: {average} cycles(tsc) CPUs:{len(recs)} step:{step}"


def loop_messages(name: str, rec: Record) -> list[str]:
    """Lines time_bench_loop prints before the Type line (warnings, calc_stats errors)."""
    out = []
    if rec.invoked < rec.loops:
        out.append(f"WARNING: Invoke count({rec.invoked}) smaller than loops({rec.loops})")
    st = calc_stats(rec)
    if st.error:
        out.append(st.error)
    return out
