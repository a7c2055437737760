"""Checking a result document's JSON form before it becomes typed data.

One reader per schema version: it validates a document of that version and returns it in
the current shape (schema SCHEMA_VERSION). A new version adds its reader here and turns
the previous current reader into an upgrade (check, then convert). The published
description of the current version is skbbench/data/result.schema.json. Every problem is
a one-line UsageError naming the source, the key path and the problem
(``a.json: cases[3].runs[0][0].tsc_stop: expected an integer, got 'x'``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skbbench import __version__
from skbbench.document.model import SCHEMA_VERSION
from skbbench.errors import UsageError

RECORD_FIELDS = ("loops", "step", "invoked", "tsc_start", "tsc_stop", "wall_start", "wall_stop")


def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "null",
    }.get(type(value), type(value).__name__)


class Checker:
    """Names the location of a problem as ``source: key.path: problem``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> UsageError:
        where = f"{self.source}: {path}: " if path else f"{self.source}: "
        return UsageError(where + problem)

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type_name(value)}")
        return value

    def listing(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {type_name(value)}")
        return value

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected an integer, got {describe(value)}")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, got {describe(value)}")
        return value


def _check_common(doc: dict[str, Any], ck: Checker) -> None:
    """What schemas 1 and 2 share."""
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
        _check_case(ck, case, f"cases[{i}]")
        key = case["key"]
        if key in seen:
            raise ck.fail(
                f"cases[{i}].key", f"duplicate case key {describe(key)} (also cases[{seen[key]}])"
            )
        seen[key] = i


def _check_case(ck: Checker, case: Any, path: str) -> None:
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


def _read_schema_1(doc: dict[str, Any], ck: Checker) -> dict[str, Any]:
    """Schema 1 (skbbench 0.1): per-case repeats of raw time_bench windows, all measured
    in one process. Upgraded to schema 2: one process (0)."""
    _check_common(doc, ck)
    for i, case in enumerate(doc["cases"]):
        for r, run in enumerate(case.get("runs", [])):
            for c, rec in enumerate(run):
                if "process" in rec:
                    raise ck.fail(f"cases[{i}].runs[{r}][{c}].process", "not in schema 1")
    return {**doc, "schema": SCHEMA_VERSION, "processes": 1}


def _read_schema_2(doc: dict[str, Any], ck: Checker) -> dict[str, Any]:
    """Schema 2 (skbbench 0.2): repeats from one or more worker processes; every record
    names its process; ``processes`` at the top."""
    _check_common(doc, ck)
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


READERS: dict[int, Callable[[dict[str, Any], Checker], dict[str, Any]]] = {
    1: _read_schema_1,
    2: _read_schema_2,
}


def _schema_version(doc: Any, ck: Checker) -> Any:
    if not isinstance(doc, dict):
        raise ck.fail(
            "", f"not a skbbench result file (top level is {type_name(doc)}, expected a mapping)"
        )
    if "schema" not in doc:
        raise ck.fail("", "not a skbbench result file (no 'schema' key)")
    return doc["schema"]


def _unsupported(ck: Checker, schema: Any, versions: list[int]) -> UsageError:
    readable = ", ".join(map(str, versions))
    return ck.fail(
        "schema",
        f"result schema version {describe(schema)} is not supported "
        f"(this skbbench {__version__} reads schema {readable})",
    )


def check_any(data: Any, source: str) -> dict[str, Any]:
    """Validate a document of any readable schema version; returns it in the current
    shape."""
    ck = Checker(source)
    schema = _schema_version(data, ck)
    if isinstance(schema, bool) or schema not in READERS:
        raise _unsupported(ck, schema, sorted(READERS))
    return READERS[schema](data, ck)


def check_current(data: Any, source: str) -> dict[str, Any]:
    """Validate a document of the current schema (what skbbench writes)."""
    ck = Checker(source)
    schema = _schema_version(data, ck)
    if isinstance(schema, bool) or schema != SCHEMA_VERSION:
        raise _unsupported(ck, schema, [SCHEMA_VERSION])
    return READERS[SCHEMA_VERSION](data, ck)
