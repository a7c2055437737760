"""The toy family's table: the posts' before/after format through skbbench's report kit."""

from __future__ import annotations

from skbbench.document import Document
from skbbench.report.kit import (
    Row,
    Table,
    kernel_table,
    median_point,
    pair_rows,
    table_headers,
    table_rows,
)
from tests.toyfamily.spec import ToyConfig


def _rows(doc: Document) -> tuple[str, str, list[Row]]:
    cfg = doc.run_config()
    assert isinstance(cfg, ToyConfig)
    a, b = cfg.compare
    items = [(c.step, str(c.params["variant"]), median_point(c)) for c in doc.cases]
    return a, b, pair_rows(items, a, b)


def kernel_lines(doc: Document) -> list[str]:
    a, b, rows = _rows(doc)
    return kernel_table("toy", rows, a, b)


def tables(doc: Document) -> list[Table]:
    a, b, rows = _rows(doc)
    return [Table(f"toy- {a} - {b}", table_headers("size", a, b), table_rows(rows))]
