"""A document's family-specific renderings, through its family's report module
(skbbench.family): the lines after the Type lines, the tables, a module's line before a
case's Type line, the published values a plot marks. A family without a report (or a
document of a family not installed here) renders its Type lines and summary only."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from skbbench.document import Case, Document
from skbbench.errors import UsageError
from skbbench.family import Family
from skbbench.report.kit import Table
from skbbench.timebench import Record


def family_of(doc: Document) -> Family | None:
    """The family that made ``doc`` (None: unknown here, or a merged ``run`` document)."""
    from skbbench import registry

    try:
        return registry.get(doc.command)
    except UsageError:
        return None


def _hook(doc: Document, name: str) -> Any:
    family = family_of(doc)
    module: ModuleType | None = family.report_module() if family else None
    return getattr(module, name, None) if module else None


def kernel_extras(doc: Document) -> list[str]:
    render = _hook(doc, "kernel_lines")
    return list(render(doc)) if render else []


def tables(doc: Document) -> list[Table]:
    render = _hook(doc, "tables")
    return list(render(doc)) if render else []


def case_prefix(doc: Document, case: Case, rec: Record) -> list[str]:
    render = _hook(doc, "case_prefix")
    return list(render(case, rec)) if render else []


def published_series(doc: Document) -> dict[str, dict[float, float]]:
    """The posts' values for ``doc`` (series -> x -> cycles), {} when there are none."""
    series = _hook(doc, "published")
    return dict(series(doc)) if series else {}
