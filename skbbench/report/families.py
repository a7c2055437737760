"""The family-specific renderings after the per-case lines: tables of the seed posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skbbench.report import bulk_table, napi_table, pages_table, qmempool_table, recycle_table
from skbbench.timebench import Record

Table = tuple[str, list[str], list[list[Any]]]

# family name -> lines printed after the Type lines in the kernel format
KERNEL_EXTRAS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "bulk": bulk_table.render_kernel,
    "qmempool": qmempool_table.render_kernel,
    "recycle": recycle_table.render_kernel,
    "napi": napi_table.render_kernel,
}
# family name -> tables for the table/markdown formats
TABLES: dict[str, Callable[[dict[str, Any]], list[Table]]] = {
    "bulk": bulk_table.render_tables,
    "qmempool": qmempool_table.render_tables,
    "napi": napi_table.render_tables,
    "pages": pages_table.render_tables,
    "recycle": recycle_table.render_tables,
}
# family name -> the module's lines printed right before a case's Type line (from the
# record printed), e.g. page_bench01's "alloc_pages order:..." line
CASE_PREFIX: dict[str, Callable[[dict[str, Any], Record], list[str]]] = {
    "pages": pages_table.case_prefix,
}


# family name -> the seed posts' values to draw as markers (variant -> x -> cycles)
PUBLISHED: dict[str, Callable[[dict[str, Any]], dict[str, dict[float, float]]]] = {
    "bulk": bulk_table.published_series,
}


def published_series(doc: dict[str, Any]) -> dict[str, dict[float, float]]:
    series = PUBLISHED.get(doc.get("command", ""))
    return series(doc) if series else {}


def case_prefix(doc: dict[str, Any], case: dict[str, Any], rec: Record) -> list[str]:
    render = CASE_PREFIX.get(doc.get("command", ""))
    return render(case, rec) if render else []


def kernel_extras(doc: dict[str, Any]) -> list[str]:
    render = KERNEL_EXTRAS.get(doc.get("command", ""))
    return render(doc) if render else []


def tables(doc: dict[str, Any]) -> list[Table]:
    render = TABLES.get(doc.get("command", ""))
    return render(doc) if render else []
