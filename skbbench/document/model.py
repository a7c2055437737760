"""The result document as typed data: a Document holds its Machine (with every
WorkerProcess and its ClockProbes) and its Cases, a Case its Repeats, a Repeat the raw
time_bench Records of one timed run (one per CPU).

What a run produced, with its context. ``from_dict``/``to_dict`` convert to and from the
JSON form whose contract is ``skbbench/data/result.schema.json`` (schema 2; keys this
code does not know are kept and written back). Derived values -- per-element cycles and
ns, a case's statistics, its median repeat, a process's values -- are answered here once
and computed from the raw records. Reading, validating and writing files:
``skbbench.document.io``; merging documents: ``skbbench.document.merge``. No numba here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from skbbench import __version__
from skbbench.document.stats import CaseStats, run_values, scatter_warnings
from skbbench.timebench import Record

if TYPE_CHECKING:
    from skbbench.spec import RunConfig

SCHEMA_VERSION = 2


class Metric(str, Enum):
    """The per-element quantity read from a repeat: TSC cycles or wall-clock ns."""

    CYCLES = "cycles"
    NS = "ns"


def _known(cls: type, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``data`` into the dataclass's own fields and the rest (kept as ``extra``)."""
    names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
    return (
        {k: v for k, v in data.items() if k in names},
        {k: v for k, v in data.items() if k not in names},
    )


def _lines(value: Any) -> list[str]:
    """A case's messages: a list of lines (anything else in a hand-made document, as one)."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# --------------------------------------------------------------------------------------
# Repeats and cases


@dataclass(frozen=True)
class Repeat:
    """One timed run of a case: one record for a single-CPU case, one per CPU (ascending)
    for a parallel case."""

    records: tuple[Record, ...]

    @property
    def process(self) -> int:
        """The worker process that measured it (0 in a run of one process)."""
        return self.records[0].process if self.records else 0

    @property
    def spell(self) -> bool:
        """Measured in a round during a slow spell of the host (skbbench.reference)."""
        return any(r.spell for r in self.records)

    @property
    def counted(self) -> bool:
        """Whether any of its windows counted an element."""
        return any(r.invoked > 0 for r in self.records)

    @cached_property
    def values(self) -> tuple[float, float]:
        """(cycles, ns) per element; a parallel repeat averages its CPUs."""
        return run_values(self.records)

    def value(self, metric: Metric) -> float:
        return self.values[0] if metric is Metric.CYCLES else self.values[1]

    def to_list(self) -> list[dict[str, int]]:
        return [r.to_dict() for r in self.records]

    @classmethod
    def from_list(cls, records: Iterable[dict[str, Any]]) -> Repeat:
        return cls(tuple(Record.from_dict(r) for r in records))


@dataclass
class Case:
    """All repeats of one scenario (one time_bench_loop or time_bench_run_concurrent
    call), its counters and notes. ``left_out``: worker processes whose repeats stay but
    count in no statistic (disturbed by the host, skbbench.disturbance); repeats measured
    during a slow spell of the host (``Repeat.spell``) count in none either, unless no
    other repeat is left."""

    key: str
    name: str
    kind: str = "single"  # "single" | "parallel"
    loops: int = 0
    step: int = 0
    group: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    repeats: list[Repeat] = field(default_factory=list)
    counters: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    error: str | None = None
    run: str | None = None  # the config's label in a merged `run` document
    left_out: frozenset[int] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def parallel(self) -> bool:
        return self.kind == "parallel"

    def kept(self) -> list[int]:
        """Indices of the repeats the statistics use."""
        kept = [i for i, r in enumerate(self.repeats) if r.process not in self.left_out]
        quiet = [i for i in kept if not self.repeats[i].spell]
        return quiet or kept

    @cached_property
    def stats(self) -> CaseStats:
        return CaseStats.compute(
            [r.values for r in self.repeats], [r.process for r in self.repeats], self.kept()
        )

    def median_repeat(self) -> Repeat | None:
        """The repeat the kernel format prints (median cycles of the kept repeats), or
        None without repeats."""
        if not self.repeats:
            return None
        return self.repeats[self.stats.median_run]

    def values(self, metric: Metric = Metric.CYCLES) -> list[float]:
        """Per-element value of every kept repeat that counted anything."""
        return [self.repeats[i].value(metric) for i in self.kept() if self.repeats[i].counted]

    def values_by_process(
        self, metric: Metric = Metric.CYCLES, exclude: Collection[int] = ()
    ) -> dict[int, list[float]]:
        """Worker process (ascending) -> the per-element value of each of its repeats that
        counted anything; processes in ``exclude`` left out (all repeats are considered,
        ``left_out`` too: the caller decides), and a process's repeats measured during a
        slow spell too, unless it has no other."""
        quiet: dict[int, list[float]] = {}
        spell: dict[int, list[float]] = {}
        for rep in self.repeats:
            if rep.process in exclude or not rep.counted:
                continue
            (spell if rep.spell else quiet).setdefault(rep.process, []).append(rep.value(metric))
        out = {p: quiet.get(p) or spell[p] for p in set(quiet) | set(spell)}
        return dict(sorted(out.items()))

    def warnings(self) -> list[str]:
        """The scatter warnings of its statistics."""
        return scatter_warnings(self.name, self.step, self.stats)

    def with_(self, **changes: Any) -> Case:
        """A copy with ``changes`` (statistics recomputed)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "loops": self.loops,
            "step": self.step,
            "group": self.group,
            "params": self.params,
            "runs": [r.to_list() for r in self.repeats],
            "stats": self.stats.to_dict(),
            "counters": self.counters,
            "messages": self.messages,
            "error": self.error,
        }
        if self.run is not None:
            out["run"] = self.run
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], left_out: Collection[int] = ()) -> Case:
        _, extra = _known(cls, data)
        extra.pop("runs", None)
        extra.pop("stats", None)  # derived: recomputed from the raw repeats
        return cls(
            key=str(data["key"]),
            name=str(data["name"]),
            kind=str(data.get("kind") or "single"),
            loops=int(data.get("loops", 0)),
            step=int(data.get("step", 0)),
            group=str(data.get("group") or ""),
            params=dict(data.get("params") or {}),
            repeats=[Repeat.from_list(run) for run in data.get("runs", [])],
            counters=dict(data.get("counters") or {}),
            messages=_lines(data.get("messages")),
            error=data.get("error"),
            run=data.get("run"),
            left_out=frozenset(left_out),
            extra=extra,
        )


# --------------------------------------------------------------------------------------
# The machine and its worker processes


@dataclass(frozen=True)
class ClockProbe:
    """One core-clock probe of a worker process (skbbench.harness.clock)."""

    core_per_tsc: float  # core cycles per TSC tick (best window)
    spread: float | None = None  # median window / best window - 1 (how disturbed it was)
    for_loop_cycles: float | None = None  # cycles(tsc) per iteration of the empty loop

    def to_dict(self) -> dict[str, float]:
        out = {"core_per_tsc": round(self.core_per_tsc, 5)}
        if self.spread is not None:
            out["spread"] = round(self.spread, 5)
        if self.for_loop_cycles is not None:
            out["for_loop_cycles"] = round(self.for_loop_cycles, 5)
        return out

    @classmethod
    def from_dict(cls, data: Any) -> ClockProbe | None:
        """The probe of a document (None when it has no core-clock ratio)."""
        if not isinstance(data, dict):
            return None

        def number(key: str) -> float | None:
            v = data.get(key)
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

        ratio = number("core_per_tsc")
        if ratio is None:
            return None
        return cls(ratio, number("spread"), number("for_loop_cycles"))


@dataclass
class WorkerProcess:
    """One worker process of a run: its number (from 0), pid, clock probes before and
    after its cases, how many functions it compiled (0 when every kernel came from the
    cache) and in how many seconds, and, when the run had several, its slowdown against
    the fastest and whether it was disturbed (left out of the statistics)."""

    process: int
    pid: int | None = None
    clock_before: ClockProbe | None = None
    clock_after: ClockProbe | None = None
    slowdown: float | None = None
    disturbed: bool | None = None
    run: str | None = None  # the config's label in a merged `run` document
    compiled: int | None = None  # functions Numba compiled in this process (not cached)
    compile_seconds: float | None = None
    host_slowdown: float | None = None  # median of its clock probes against the reference
    host_slow: bool | None = None  # every probe slow: not representative (skbbench.reference)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def core_per_tsc(self) -> float | None:
        """Mean of its probes' core-clock/TSC ratios (None without probes)."""
        values = [
            p.core_per_tsc
            for p in (self.clock_before, self.clock_after)
            if p is not None and p.core_per_tsc > 0
        ]
        return sum(values) / len(values) if values else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"process": self.process}
        if self.pid is not None:
            out["pid"] = self.pid
        if self.clock_before is not None:
            out["clock_before"] = self.clock_before.to_dict()
        if self.clock_after is not None:
            out["clock_after"] = self.clock_after.to_dict()
        if self.slowdown is not None:
            out["slowdown"] = self.slowdown
        if self.disturbed is not None:
            out["disturbed"] = self.disturbed
        if self.run is not None:
            out["run"] = self.run
        if self.compiled is not None:
            out["compiled"] = self.compiled
        if self.compile_seconds is not None:
            out["compile_seconds"] = self.compile_seconds
        if self.host_slowdown is not None:
            out["host_slowdown"] = self.host_slowdown
        if self.host_slow is not None:
            out["host_slow"] = self.host_slow
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkerProcess:
        own, extra = _known(cls, data)
        return cls(
            process=int(own.get("process", 0)),
            pid=own.get("pid"),
            clock_before=ClockProbe.from_dict(own.get("clock_before")),
            clock_after=ClockProbe.from_dict(own.get("clock_after")),
            slowdown=own.get("slowdown"),
            disturbed=own.get("disturbed"),
            run=own.get("run"),
            compiled=own.get("compiled"),
            compile_seconds=own.get("compile_seconds"),
            host_slowdown=own.get("host_slowdown"),
            host_slow=own.get("host_slow"),
            extra=extra,
        )


@dataclass
class Machine:
    """The machine as the measurement saw it (skbbench.metadata), the pinned CPU, the
    busy-wait calibration of the kernel-only charges, and the worker processes."""

    cpu_model: str | None = None
    tsc_mhz: float | None = None
    tsc_source: str | None = None
    tsc_source_detail: str | None = None
    constant_tsc: bool | None = None
    nonstop_tsc: bool | None = None
    tsc_known_freq: bool | None = None
    rdtscp: bool | None = None
    cx16: bool | None = None
    governor: str | None = None
    boost: bool | None = None
    virtualization: str | None = None
    cpu_count: int | None = None
    allowed_cpus: str | None = None
    loadavg_1min: float | None = None
    kernel: str | None = None
    machine: str | None = None
    python: str | None = None
    numba: str | None = None
    llvmlite: str | None = None
    numpy: str | None = None
    git_commit: str | None = None
    git_commit_source: str | None = None
    argv: str | None = None
    injected_slowdown: float | None = None  # SKBBENCH_INJECT_SLOWDOWN: not a measurement
    pinned_cpu: int | None = None
    busy_wait_calibration: dict[str, Any] | None = None
    processes: list[WorkerProcess] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    # written only when set (absent from documents of runs that did not have them)
    _OPTIONAL = ("injected_slowdown", "pinned_cpu", "busy_wait_calibration")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("processes", "extra"):
                continue
            value = getattr(self, f.name)
            if value is None and f.name in self._OPTIONAL:
                continue
            out[f.name] = value
        out.update(self.extra)
        out["processes"] = [p.to_dict() for p in self.processes]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Machine:
        own, extra = _known(cls, data)
        procs = own.pop("processes", None)
        return cls(
            **own,
            processes=[
                WorkerProcess.from_dict(p)
                for p in (procs if isinstance(procs, list) else [])
                if isinstance(p, dict) and isinstance(p.get("process", 0), int)
            ],
            extra=extra,
        )

    def process(self, run: str | None, number: int) -> WorkerProcess | None:
        """The worker process ``number`` of the config labelled ``run``."""
        for p in self.processes:
            if p.process == number and p.run == run:
                return p
        return None


# --------------------------------------------------------------------------------------
# The document


@dataclass(frozen=True)
class RunPart:
    """One config of a merged ``skbbench run A.yaml B.yaml`` document."""

    label: str
    command: str
    config: dict[str, Any]


@dataclass
class Document:
    """What one run produced (or several configs' runs merged, command ``run``)."""

    command: str
    config: dict[str, Any]
    cases: list[Case]
    machine: Machine = field(default_factory=Machine)
    warnings: list[str] = field(default_factory=list)
    processes: int = 1
    created: str | None = None
    skbbench: str = __version__
    schema: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def merged(self) -> bool:
        """A document of several configs (``skbbench run A.yaml B.yaml``)."""
        return self.command == "run" and "runs" in self.config

    def runs(self) -> list[RunPart]:
        """The configs of a merged document ([] for a document of one config)."""
        if not self.merged:
            return []
        return [
            RunPart(str(r.get("label")), str(r.get("command")), dict(r.get("config") or {}))
            for r in self.config["runs"]
        ]

    def run_config(self) -> RunConfig:
        """The typed config of a document of one config (its family's checks run; options
        it lacks take today's defaults). A UsageError when the family is unknown here."""
        cached: RunConfig | None = self.__dict__.get("_run_config")
        if cached is None:
            from skbbench.config import resolve_document_config

            cached = resolve_document_config(self.command, self.config)
            self.__dict__["_run_config"] = cached
        return cached

    def core_per_tsc(self) -> float | None:
        """The run's core-clock/TSC ratio: the mean of every worker process's probes
        (before and after its cases); None without probes (schema 1)."""
        values = [
            probe.core_per_tsc
            for p in self.machine.processes
            for probe in (p.clock_before, p.clock_after)
            if probe is not None and probe.core_per_tsc > 0
        ]
        return sum(values) / len(values) if values else None

    def case_warnings(self) -> list[str]:
        return [w for c in self.cases for w in c.warnings()]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": self.schema,
            "skbbench": self.skbbench,
            "created": self.created,
            "command": self.command,
            "config": self.config,
            "processes": self.processes,
            "machine": self.machine.to_dict(),
            "warnings": self.warnings,
            "cases": [c.to_dict() for c in self.cases],
        }
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """From a validated current-schema dict (skbbench.document.io reads and checks
        files); each case leaves out the processes ``machine.processes`` marks disturbed."""
        own, extra = _known(cls, data)
        machine = Machine.from_dict(own.pop("machine", None) or {})
        left_out: dict[str | None, set[int]] = {}
        for p in machine.processes:
            if p.disturbed:
                left_out.setdefault(p.run, set()).add(p.process)
        cases = [Case.from_dict(c, left_out.get(c.get("run"), ())) for c in own.pop("cases", [])]
        return cls(
            command=str(own.pop("command", "")),
            config=dict(own.pop("config", None) or {}),
            cases=cases,
            machine=machine,
            warnings=list(own.pop("warnings", None) or []),
            processes=int(own.pop("processes", 1)),
            created=own.pop("created", None),
            skbbench=str(own.pop("skbbench", __version__)),
            schema=int(own.pop("schema", SCHEMA_VERSION)),
            extra={**own, **extra},
        )
