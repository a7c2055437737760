"""Synthetic result documents for the compare/results/CI tests (no numba, no run)."""

from __future__ import annotations

import random
from typing import Any

from skbbench.compare import CompareOptions, Comparison, compare_documents
from skbbench.document import SCHEMA_VERSION, Case, Document, read_document

INVOKED = 1_000_000


def record(cycles: float, ns: float | None = None, invoked: int = INVOKED) -> dict[str, int]:
    ns = cycles / 2.5 if ns is None else ns
    return {
        "loops": invoked,
        "step": 1,
        "invoked": invoked,
        "tsc_start": 1_000,
        "tsc_stop": 1_000 + round(cycles * invoked),
        "wall_start": 5_000,
        "wall_stop": 5_000 + round(ns * invoked),
        "cpu": 0,
    }


def case(
    key: str,
    values: list[float],
    counters: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    error: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    c = {
        "key": key,
        "name": name or key,
        "kind": "single",
        "loops": INVOKED,
        "step": 1,
        "group": "",
        "params": params or {},
        "runs": [[record(v)] for v in values],
        "counters": counters or {},
        "messages": [],
        "error": error,
    }
    c["stats"] = Case.from_dict(c).stats.to_dict()
    return c


def machine(cpu: str = "Test CPU", mhz: float = 2500.0) -> dict[str, Any]:
    return {
        "cpu_model": cpu,
        "tsc_mhz": mhz,
        "machine": "x86_64",
        "cpu_count": 2,
        "virtualization": None,
    }


def document(
    cases: list[dict[str, Any]],
    cpu: str = "Test CPU",
    mhz: float = 2500.0,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "skbbench": "0.1.0",
        "created": "2024-01-01T00:00:00+00:00",
        "command": "test",
        "config": config or {"benchmark": "test"},
        "machine": machine(cpu, mhz),
        "warnings": [],
        "cases": cases,
    }


def noisy(
    rng: random.Random, center: float, n: int, cv: float = 0.02, outlier_p: float = 0.1
) -> list[float]:
    """Benchmark-like repeats: a floor plus one-sided noise and occasional outliers."""
    out = []
    for _ in range(n):
        v = center * (1 + abs(rng.gauss(0, cv)))
        if rng.random() < outlier_p:
            v *= 1 + rng.uniform(0.1, 0.5)
        out.append(v)
    return out


def sweep(
    rng: random.Random,
    sizes: list[int],
    cost: dict[str, Any],
    n: int = 5,
    cv: float = 0.02,
    counters: bool = True,
) -> list[dict[str, Any]]:
    """A bulk-size sweep: per size one case per variant; ``cost[variant](size)`` cycles."""
    out = []
    for size in sizes:
        for variant, fn in cost.items():
            key = f"kmem {variant}|step={size}|size={size}|variant={variant}"
            ctr = {"slowpath": size // 32, "objects": size} if counters else {}
            out.append(
                case(
                    key,
                    noisy(rng, fn(size), n, cv, 0.0),
                    ctr,
                    {"size": size, "variant": variant},
                    name=f"kmem {variant}",
                )
            )
    return out


def typed(doc: dict[str, Any] | Document) -> Document:
    """A test document as the typed document compare and the reports take."""
    return doc if isinstance(doc, Document) else read_document(doc, "test document")


def compare(
    base: dict[str, Any] | Document,
    cur: dict[str, Any] | Document,
    baseline_name: str = "baseline",
    current_name: str = "current",
    **options: Any,
) -> Comparison:
    """compare_documents of two test documents with ``options`` (CompareOptions fields)."""
    return compare_documents(
        typed(base), typed(cur), CompareOptions(**options), baseline_name, current_name
    )


def write_json(path: Any, doc: dict[str, Any]) -> Any:
    """Write a test document as JSON; returns the path."""
    import json

    path.write_text(json.dumps(doc))
    return path
