"""The family-specific renderings after the per-case lines: tables of the seed posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skbbench.report import bulk_table, napi_table, qmempool_table

Table = tuple[str, list[str], list[list[Any]]]

# family name -> lines printed after the Type lines in the kernel format
KERNEL_EXTRAS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "bulk": bulk_table.render_kernel,
    "qmempool": qmempool_table.render_kernel,
    "napi": napi_table.render_kernel,
}
# family name -> tables for the table/markdown formats
TABLES: dict[str, Callable[[dict[str, Any]], list[Table]]] = {
    "bulk": bulk_table.render_tables,
    "qmempool": qmempool_table.render_tables,
    "napi": napi_table.render_tables,
}


# family name -> the seed posts' values to draw as markers (variant -> x -> cycles)
PUBLISHED: dict[str, Callable[[dict[str, Any]], dict[str, dict[float, float]]]] = {
    "bulk": bulk_table.published_series,
}


def published_series(doc: dict[str, Any]) -> dict[str, dict[float, float]]:
    series = PUBLISHED.get(doc.get("command", ""))
    return series(doc) if series else {}


def kernel_extras(doc: dict[str, Any]) -> list[str]:
    render = KERNEL_EXTRAS.get(doc.get("command", ""))
    return render(doc) if render else []


def tables(doc: dict[str, Any]) -> list[Table]:
    render = TABLES.get(doc.get("command", ""))
    return render(doc) if render else []
