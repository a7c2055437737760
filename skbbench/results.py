"""Result documents: what a run produced, with its context, as plain JSON-able data.

Reports and compare read documents only (never the model or numba). Shape (schema 1)::

    {
      "schema": 1, "skbbench": "<version>", "created": "<ISO-8601 UTC>",
      "command": "sample" | "bulk" | ...,
      "config": {...the resolved configuration...},
      "machine": {...skbbench.metadata.machine_metadata()...},
      "warnings": ["..."],
      "cases": [
        {"key": "...", "name": "<Type: name>", "kind": "single"|"parallel",
         "loops": N, "step": S, "group": "...", "params": {...},
         "runs": [[{record}, ...], ...],     # every repeat's raw windows, per CPU
         "stats": {"cycles": {min, median, mean, max, stddev},
                   "ns": {...}, "median_run": i, "repeats": R},
         "counters": {...}, "messages": [...], "error": null | "..."}
      ]
    }

Files are JSON (``.json``, the default) or YAML (``.yaml``/``.yml``, same document). They
are written safely (:func:`write_document`, skbbench.outfile) and read back with
:func:`load_document`, which validates the shape and turns every problem into a one-line
:class:`~skbbench.errors.UsageError` naming the file, the key path and the problem
(``a.json: cases[3].runs[0][0].tsc_stop: expected an integer, got 'x'``).
"""

from __future__ import annotations

import datetime as _dt
import json
import statistics
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skbbench import __version__
from skbbench.errors import UsageError
from skbbench.outfile import OutputTarget, write_output
from skbbench.outfile import check_output_path as check_output_path  # re-exported
from skbbench.outfile import write_atomic as write_atomic  # re-exported
from skbbench.timebench import Record

SCHEMA_VERSION = 2


@dataclass
class CaseResult:
    """All runs of one case. ``runs[i]`` holds the records of repeat i: one record for a
    single-CPU case, one per CPU (ascending) for a parallel case."""

    key: str
    name: str
    kind: str  # "single" | "parallel"
    loops: int
    step: int
    params: dict[str, Any]
    group: str
    runs: list[list[Record]] = field(default_factory=list)
    counters: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    error: str | None = None


def run_values(run: list[Record]) -> tuple[float, float]:
    """(cycles, ns) per element of one repeat; a parallel repeat averages its CPUs."""
    cyc = [r.tsc_interval / r.invoked for r in run if r.invoked > 0]
    ns = [r.time_interval / r.invoked for r in run if r.invoked > 0]
    if not cyc:
        return 0.0, 0.0
    return sum(cyc) / len(cyc), sum(ns) / len(ns)


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "mean": statistics.fmean(values),
        "max": max(values),
        "stddev": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def median_index(values: list[float]) -> int:
    """Index of the median repeat (the lower middle one for an even count)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    return order[(len(order) - 1) // 2] if order else 0


def run_process(run: list[Record]) -> int:
    """The worker process that measured a repeat (0 for documents of one process)."""
    return run[0].process if run else 0


def values_by_process(
    case: dict[str, Any], metric: str = "cycles", exclude: Collection[int] = ()
) -> dict[int, list[float]]:
    """Worker process (ascending) -> the per-element ``cycles`` or ``ns`` of each of its
    repeats that counted anything; processes in ``exclude`` left out."""
    out: dict[int, list[float]] = {}
    for run in case_runs(case):
        process = run_process(run)
        if process in exclude or not any(r.invoked > 0 for r in run):
            continue
        cycles, ns = run_values(run)
        out.setdefault(process, []).append(cycles if metric == "cycles" else ns)
    return dict(sorted(out.items()))


def case_stats(runs: list[list[Record]]) -> dict[str, Any]:
    """Summaries over all repeats, and the median of each worker process's repeats: the
    process is the unit compare tests on (docs/measurement.md)."""
    pairs = [run_values(run) for run in runs]
    cycles = [p[0] for p in pairs]
    ns = [p[1] for p in pairs]
    by_process: dict[int, list[tuple[float, float]]] = {}
    for run, pair in zip(runs, pairs, strict=True):
        by_process.setdefault(run_process(run), []).append(pair)
    order = sorted(by_process)
    return {
        "cycles": _summary(cycles),
        "ns": _summary(ns),
        "median_run": median_index(cycles),
        "repeats": len(runs),
        "processes": len(order),
        "process_medians": {
            "cycles": [statistics.median(p[0] for p in by_process[k]) for k in order],
            "ns": [statistics.median(p[1] for p in by_process[k]) for k in order],
        },
    }


UNSTABLE_CV = 0.05  # coefficient of variation of a case's repeats in one process
OUTLIER = 1.5  # a repeat this many times the median was disturbed (preemption, steal)
UNSTABLE_PROCESS_CV = 0.03  # CV of the per-process medians


def scatter_warnings(name: str, step: int, stats: dict[str, Any]) -> list[str]:
    """ "unstable" lines for a case whose repeats scatter (from its stats): a large CV or
    repeats far above the median within the run, or process medians far apart."""
    cyc = stats.get("cycles") or {}
    label = f"'{name}' (step:{step})"
    out = []
    median, mean = cyc.get("median"), cyc.get("mean")
    if median and mean:
        cv = cyc.get("stddev", 0.0) / mean
        high = cyc.get("max", 0.0) > OUTLIER * median
        if cv > UNSTABLE_CV or high:
            out.append(
                f"unstable: {label}: repeats scatter (CV {cv:.1%}, max {cyc['max'] / median:.2f}x "
                "the median): the machine was busy or the VM preempted; the median is kept"
            )
    medians = (stats.get("process_medians") or {}).get("cycles") or []
    if len(medians) > 1:
        m = statistics.fmean(medians)
        pcv = statistics.stdev(medians) / m if m else 0.0
        if pcv > UNSTABLE_PROCESS_CV:
            out.append(
                f"unstable between processes: {label}: process medians scatter {pcv:.1%} "
                "(clock drift or load between processes)"
            )
    return out


def case_to_dict(res: CaseResult) -> dict[str, Any]:
    return {
        "key": res.key,
        "name": res.name,
        "kind": res.kind,
        "loops": res.loops,
        "step": res.step,
        "group": res.group,
        "params": res.params,
        "runs": [[r.to_dict() for r in run] for run in res.runs],
        "stats": case_stats(res.runs),
        "counters": res.counters,
        "messages": res.messages,
        "error": res.error,
    }


def case_runs(case: dict[str, Any]) -> list[list[Record]]:
    return [[Record.from_dict(r) for r in run] for run in case.get("runs", [])]


def build_document(
    command: str,
    config: dict[str, Any],
    results: list[CaseResult],
    machine: dict[str, Any],
    warnings: list[str] | None = None,
    processes: int = 1,
) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "skbbench": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "config": config,
        "processes": processes,
        "machine": machine,
        "warnings": list(warnings or []),
        "cases": [case_to_dict(r) for r in results],
    }


def dump_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


# --------------------------------------------------------------------------------------
# Formats, loading and validation


FORMATS = ("json", "yaml")
RECORD_FIELDS = ("loops", "step", "invoked", "tsc_start", "tsc_stop", "wall_start", "wall_stop")


def format_for_path(path: str | Path, fmt: str | None = None) -> str:
    """``fmt`` when given, else YAML for ``.yaml``/``.yml`` and JSON for anything else."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(f"unknown result format '{fmt}' (choose from {', '.join(FORMATS)})")
        return fmt
    return "yaml" if Path(path).suffix.lower() in (".yaml", ".yml") else "json"


def dump_yaml(doc: dict[str, Any]) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, default_flow_style=None, width=100)


def dump_document(doc: dict[str, Any], fmt: str = "json") -> str:
    return dump_yaml(doc) if format_for_path("", fmt) == "yaml" else dump_json(doc)


def write_document(
    doc: dict[str, Any], target: str | Path | OutputTarget, fmt: str | None = None
) -> str:
    """Write ``doc`` to ``target`` (format from ``fmt`` or the path's suffix): a path or
    the :class:`~skbbench.outfile.OutputTarget` that :func:`check_output_path` returned
    before the run. Regular files are replaced atomically, devices and FIFOs written
    through (skbbench.outfile); problems are one-line UsageErrors. Returns the format."""
    path = target.path if isinstance(target, OutputTarget) else target
    kind = format_for_path(path, fmt)
    write_output(target, dump_document(doc, kind))
    return kind


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "null",
    }.get(type(value), type(value).__name__)


class _Checker:
    """Collects the location of a problem as ``file: key.path: problem``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> UsageError:
        where = f"{self.source}: {path}: " if path else f"{self.source}: "
        return UsageError(where + problem)

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {_type_name(value)}")
        return value

    def listing(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_type_name(value)}")
        return value

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected an integer, got {_describe(value)}")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, got {_describe(value)}")
        return value


def parse_document_text(text: str, source: str, fmt: str = "json") -> Any:
    """Parse ``text`` (JSON or YAML) into Python data; syntax errors become UsageError."""
    if not text.strip():
        raise UsageError(f"{source}: file is empty (not a result file)")
    if fmt == "yaml":
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise UsageError(f"{source}: invalid YAML{where}: {problem}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        body = text.strip()
        cut = body[:1] in "{[" and not body.endswith(("}", "]")) or exc.pos >= len(body)
        hint = " (file truncated?)" if cut else ""
        raise UsageError(
            f"{source}: not valid JSON{hint}: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None


def read_text(path: str | Path, what: str = "file") -> str:
    """Read a text file; missing, unreadable, directory or binary -> UsageError."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, expected a {what}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text file (binary content)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_document(path: str | Path) -> dict[str, Any]:
    """Read a result file of any readable schema version (JSON or YAML by suffix; a JSON
    file whose content is YAML is rejected as not valid JSON), as a current document."""
    text = read_text(path, "result file")
    doc = parse_document_text(text, str(path), format_for_path(path))
    return read_document(doc, str(path))


# Reading is one function per schema version: it validates a document of that version and
# returns it in the current shape (schema SCHEMA_VERSION). A new version adds its reader
# here and turns the previous current reader into an upgrade (check, then convert).
# Published description of the current version: skbbench/data/result.schema.json.


def _check_schema_1(doc: dict[str, Any], ck: _Checker) -> None:
    for key in ("command", "skbbench"):
        if key in doc:
            ck.string(doc[key], key)
    for key in ("config", "machine"):
        ck.mapping(doc.get(key, {}), key)
    ck.listing(doc.get("warnings", []), "warnings")
    if "cases" not in doc:
        raise ck.fail("cases", "missing (every result file has a list of cases)")
    cases = ck.listing(doc["cases"], "cases")
    seen: dict[str, int] = {}
    for i, case in enumerate(cases):
        _validate_case(ck, case, f"cases[{i}]")
        key = case["key"]
        if key in seen:
            raise ck.fail(
                f"cases[{i}].key", f"duplicate case key {_describe(key)} (also cases[{seen[key]}])"
            )
        seen[key] = i


def _read_schema_1(doc: dict[str, Any], ck: _Checker) -> dict[str, Any]:
    """Schema 1 (skbbench 0.1): per-case repeats of raw time_bench windows, all measured
    in one process. Upgraded to schema 2: one process (0), per-process stats added."""
    _check_schema_1(doc, ck)
    for i, case in enumerate(doc["cases"]):
        for r, run in enumerate(case.get("runs", [])):
            for c, rec in enumerate(run):
                if "process" in rec:
                    raise ck.fail(f"cases[{i}].runs[{r}][{c}].process", "not in schema 1")
    out = {**doc, "schema": SCHEMA_VERSION, "processes": 1}
    out["cases"] = [{**c, "stats": case_stats(case_runs(c))} for c in doc["cases"]]
    return out


def _read_schema_2(doc: dict[str, Any], ck: _Checker) -> dict[str, Any]:
    """Schema 2 (skbbench 0.2): repeats from one or more worker processes; every record
    names its process; ``processes`` at the top; per-process medians in the stats."""
    _check_schema_1(doc, ck)
    if "processes" in doc:
        n = ck.integer(doc["processes"], "processes")
        if n < 1:
            raise ck.fail("processes", f"must be >= 1, got {n}")
    for i, case in enumerate(doc["cases"]):
        for r, run in enumerate(case.get("runs", [])):
            for c, rec in enumerate(run):
                if "process" in rec:
                    p = ck.integer(rec["process"], f"cases[{i}].runs[{r}][{c}].process")
                    if p < 0:
                        raise ck.fail(
                            f"cases[{i}].runs[{r}][{c}].process", f"must be >= 0, got {p}"
                        )
    return doc


READERS: dict[int, Callable[[dict[str, Any], _Checker], dict[str, Any]]] = {
    1: _read_schema_1,
    2: _read_schema_2,
}


def _schema_version(doc: Any, ck: _Checker) -> Any:
    if not isinstance(doc, dict):
        raise ck.fail(
            "", f"not a skbbench result file (top level is {_type_name(doc)}, expected a mapping)"
        )
    if "schema" not in doc:
        raise ck.fail("", "not a skbbench result file (no 'schema' key)")
    return doc["schema"]


def _unsupported(ck: _Checker, schema: Any, versions: list[int]) -> UsageError:
    readable = ", ".join(map(str, versions))
    return ck.fail(
        "schema",
        f"result schema version {_describe(schema)} is not supported "
        f"(this skbbench {__version__} reads schema {readable})",
    )


def read_document(doc: Any, source: str = "<document>") -> dict[str, Any]:
    """Validate a document of any readable schema version and return it as a current one.

    Raises UsageError naming ``source``, the key path and the problem."""
    ck = _Checker(source)
    schema = _schema_version(doc, ck)
    if isinstance(schema, bool) or schema not in READERS:
        raise _unsupported(ck, schema, sorted(READERS))
    return READERS[schema](doc, ck)


def validate_document(doc: Any, source: str = "<document>") -> dict[str, Any]:
    """Check that ``doc`` is a document of the current schema (what skbbench writes and
    compare, report and plot rely on); returns ``doc``.

    Raises UsageError naming ``source``, the key path and the problem."""
    ck = _Checker(source)
    schema = _schema_version(doc, ck)
    if isinstance(schema, bool) or schema != SCHEMA_VERSION:
        raise _unsupported(ck, schema, [SCHEMA_VERSION])
    return READERS[SCHEMA_VERSION](doc, ck)


def _validate_case(ck: _Checker, case: Any, path: str) -> None:
    ck.mapping(case, path)
    for key in ("key", "name"):
        if key not in case:
            raise ck.fail(f"{path}.{key}", "missing")
        ck.string(case[key], f"{path}.{key}")
    for key in ("loops", "step"):
        if key in case:
            ck.integer(case[key], f"{path}.{key}")
    ck.mapping(case.get("params", {}), f"{path}.params")
    ck.mapping(case.get("counters", {}), f"{path}.counters")
    ck.mapping(case.get("stats", {}), f"{path}.stats")
    error = case.get("error")
    if error is not None:
        ck.string(error, f"{path}.error")
    runs = ck.listing(case.get("runs", []), f"{path}.runs")
    if _records_ok(runs):
        return
    for r, run in enumerate(runs):
        rpath = f"{path}.runs[{r}]"
        for c, rec in enumerate(ck.listing(run, rpath)):
            cpath = f"{rpath}[{c}]"
            ck.mapping(rec, cpath)
            for field_name in RECORD_FIELDS:
                if field_name not in rec:
                    raise ck.fail(f"{cpath}.{field_name}", "missing")
                ck.integer(rec[field_name], f"{cpath}.{field_name}")
            if rec["invoked"] < 0:
                raise ck.fail(f"{cpath}.invoked", f"must be >= 0, got {rec['invoked']}")


def _records_ok(runs: list[Any]) -> bool:
    """Fast path of the record checks (``type(x) is int`` excludes bools); the slow path
    runs only to name the first problem."""
    for run in runs:
        if type(run) is not list:
            return False
        for rec in run:
            if type(rec) is not dict:
                return False
            g = rec.get
            if not (
                type(g("loops")) is int
                and type(g("step")) is int
                and type(g("tsc_start")) is int
                and type(g("tsc_stop")) is int
                and type(g("wall_start")) is int
                and type(g("wall_stop")) is int
                and type(g("invoked")) is int
                and rec["invoked"] >= 0
            ):
                return False
    return True


def repeat_values(case: dict[str, Any], metric: str = "cycles") -> list[float]:
    """Per-element value of every repeat of a case document (``cycles`` from the TSC,
    ``ns`` from the wall clock); same arithmetic as :func:`run_values`, read from dicts.
    Repeats with no invoked element are skipped."""
    if metric not in ("cycles", "ns"):
        raise UsageError(f"unknown metric '{metric}' (choose cycles or ns)")
    start, stop = ("tsc_start", "tsc_stop") if metric == "cycles" else ("wall_start", "wall_stop")
    out = []
    for run in case.get("runs", ()):
        vals = [(r[stop] - r[start]) / r["invoked"] for r in run if r["invoked"] > 0]
        if vals:
            out.append(sum(vals) / len(vals))
    return out


def same_machine_fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Machine metadata fields that identify the hardware and differ between ``a`` and
    ``b``, as ``field: A vs B`` strings (empty: same machine as far as we can tell)."""
    out = []
    for key in ("cpu_model", "machine", "cpu_count", "virtualization"):
        if a.get(key) != b.get(key):
            out.append(f"{key}: {a.get(key)!r} vs {b.get(key)!r}")
    ta, tb = a.get("tsc_mhz"), b.get("tsc_mhz")
    if isinstance(ta, (int, float)) and isinstance(tb, (int, float)) and ta > 0 and tb > 0:
        if abs(ta - tb) / ta > 0.005:  # calibration jitter is far below 0.5 %
            out.append(f"tsc_mhz: {ta} vs {tb}")
    elif ta != tb:
        out.append(f"tsc_mhz: {ta!r} vs {tb!r}")
    return out


def merge_documents(docs: list[dict[str, Any]], labels: list[str]) -> dict[str, Any]:
    """One document for ``skbbench run A.yaml B.yaml``: command ``run``, config
    ``{"runs": [{"label", "command", "config"}, ...]}``, every case keyed
    ``<label>:<key>`` and tagged with ``"run": label`` so keys stay unique and stable
    (labels are the config file stems); ``machine.processes`` holds every config's
    worker processes, each tagged with its ``run`` too (process 0 of one config is not
    process 0 of another). A single document is returned unchanged."""
    if len(docs) == 1:
        return docs[0]
    if len(set(labels)) != len(labels):
        raise UsageError(
            "two configs have the same file name stem "
            f"({', '.join(labels)}): rename one so its cases keep distinct keys"
        )
    first = docs[0]
    cases: list[dict[str, Any]] = []
    warnings: list[str] = []
    for label, doc in zip(labels, docs, strict=True):
        for case in doc["cases"]:
            cases.append({**case, "key": f"{label}:{case['key']}", "run": label})
        warnings.extend(w for w in doc.get("warnings", []) if w not in warnings)
    return {
        "schema": SCHEMA_VERSION,
        "skbbench": __version__,
        "created": first.get("created"),
        "command": "run",
        "processes": max(int(d.get("processes", 1)) for d in docs),
        "config": {
            "runs": [
                {"label": lb, "command": d.get("command"), "config": d.get("config")}
                for lb, d in zip(labels, docs, strict=True)
            ]
        },
        "machine": {
            **first.get("machine", {}),
            "processes": [
                {**p, "run": label}
                for label, d in zip(labels, docs, strict=True)
                for p in d.get("machine", {}).get("processes", [])
            ],
        },
        "warnings": warnings,
        "cases": cases,
    }


def split_document(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-config documents of a merged ``run`` document (for rendering each with
    its benchmark's report); any other document is returned as the only element."""
    if doc.get("command") != "run" or "runs" not in doc.get("config", {}):
        return [doc]
    out = []
    for run in doc["config"]["runs"]:
        label = run.get("label")
        prefix = f"{label}:"
        cases = [
            {**c, "key": c["key"][len(prefix) :]} for c in doc["cases"] if c.get("run") == label
        ]
        for c in cases:
            c.pop("run", None)
        out.append(
            {**doc, "command": run.get("command"), "config": run.get("config", {}), "cases": cases}
        )
    return out


def merge_processes(
    docs: list[dict[str, Any]],
    renumber: bool = False,
    exclude: Mapping[str | None, Collection[int]] | None = None,
) -> dict[str, Any]:
    """One document from documents of the same config (the worker processes of one run,
    or several runs with ``renumber``: their processes numbered one after the other):
    every case's repeats from all, the first document's metadata plus each process's clock
    probe, the first document's counters (a model is deterministic: a single-CPU case
    whose counters differ between processes is reported). The case statistics leave out
    the processes ``exclude`` names for the case's configuration (its "run" label; None
    for a document of one config): disturbed ones, ``skbbench.disturbance``; their
    repeats are kept."""
    if renumber:
        docs = _renumbered(docs)
    first = docs[0]
    out = {**first, "processes": sum(int(d.get("processes", 1)) for d in docs)}
    out["machine"] = {**first["machine"]}
    out["machine"]["processes"] = [p for d in docs for p in d["machine"].get("processes", [])]
    warnings: list[str] = []
    for d in docs:
        warnings.extend(
            w for w in d.get("warnings", []) if w not in warnings and not w.startswith("unstable")
        )
    cases = []
    by_key = [{c["key"]: c for c in d["cases"]} for d in docs[1:]]
    for case in first["cases"]:
        others = [k[case["key"]] for k in by_key if case["key"] in k]
        runs = [run for c in [case, *others] for run in c.get("runs", [])]
        merged = {**case, "runs": runs}
        merged["error"] = next((c.get("error") for c in [case, *others] if c.get("error")), None)
        skip = (exclude or {}).get(case.get("run"), ())
        every = case_runs(merged)
        kept = [i for i, r in enumerate(every) if run_process(r) not in skip]
        merged["stats"] = case_stats([every[i] for i in kept])
        if kept:  # the median repeat's index into all the case's runs
            merged["stats"]["median_run"] = kept[merged["stats"]["median_run"]]
        if case.get("kind") != "parallel" and any(
            c.get("counters") != case.get("counters") for c in others
        ):
            merged["messages"] = [
                *case.get("messages", []),
                "NOTE: the model's counters differ between worker processes",
            ]
        cases.append(merged)
        warnings.extend(case_warnings(merged))
    out["cases"] = cases
    out["warnings"] = warnings
    return out


def _renumbered(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents with their processes numbered one after the other across documents."""
    out = []
    offset = 0
    for d in docs:
        seen = [
            int(r.get("process", 0)) for c in d["cases"] for run in c.get("runs", []) for r in run
        ]
        n = max([int(d.get("processes", 1)), *(p + 1 for p in seen)])
        cases = []
        for c in d["cases"]:
            runs = [
                [{**r, "process": int(r.get("process", 0)) + offset} for r in run]
                for run in c.get("runs", [])
            ]
            cases.append({**c, "runs": runs})
        procs = [
            {**p, "process": int(p.get("process", 0)) + offset}
            for p in d.get("machine", {}).get("processes", [])
        ]
        out.append({**d, "cases": cases, "machine": {**d.get("machine", {}), "processes": procs}})
        offset += n
    return out


def case_warnings(case: dict[str, Any]) -> list[str]:
    """The scatter warnings of a case document."""
    return scatter_warnings(case["name"], case.get("step", 0), case.get("stats", {}))
