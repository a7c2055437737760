"""Result documents: what a run produced, with its context, as typed data (``model``),
its statistics (``stats``), validation of the JSON form (``validate``), files
(``io``) and documents made of documents (``merge``). No numba here."""

from skbbench.document.io import (
    FORMATS,
    dump_document,
    dump_json,
    format_for_path,
    load_document,
    read_document,
    read_text,
    validate_document,
    write_document,
)
from skbbench.document.model import (
    SCHEMA_VERSION,
    Case,
    ClockProbe,
    Document,
    Machine,
    Metric,
    Repeat,
    RunPart,
    WorkerProcess,
)
from skbbench.document.stats import CaseStats, Summary

__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "Case",
    "CaseStats",
    "ClockProbe",
    "Document",
    "Machine",
    "Metric",
    "Repeat",
    "RunPart",
    "Summary",
    "WorkerProcess",
    "dump_document",
    "dump_json",
    "format_for_path",
    "load_document",
    "read_document",
    "read_text",
    "validate_document",
    "write_document",
]
