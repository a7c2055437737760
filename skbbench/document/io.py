"""Result files: reading (JSON or YAML by suffix, any readable schema), writing safely
(skbbench.outfile: atomic for regular files, written through for devices and FIFOs) and
the text forms of a document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skbbench.document.model import Document
from skbbench.document.validate import check_any, check_current
from skbbench.errors import UsageError
from skbbench.outfile import OutputTarget, write_output

FORMATS = ("json", "yaml")


def format_for_path(path: str | Path, fmt: str | None = None) -> str:
    """``fmt`` when given, else YAML for ``.yaml``/``.yml`` and JSON for anything else."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(f"unknown result format '{fmt}' (choose from {', '.join(FORMATS)})")
        return fmt
    return "yaml" if Path(path).suffix.lower() in (".yaml", ".yml") else "json"


def _plain(doc: Document | dict[str, Any]) -> dict[str, Any]:
    return doc.to_dict() if isinstance(doc, Document) else doc


def dump_json(doc: Document | dict[str, Any]) -> str:
    return json.dumps(_plain(doc), indent=1, sort_keys=False) + "\n"


def dump_yaml(doc: Document | dict[str, Any]) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(
        yaml.dump(_plain(doc), Dumper=dumper, sort_keys=False, default_flow_style=None, width=100)
    )


def dump_document(doc: Document | dict[str, Any], fmt: str = "json") -> str:
    return dump_yaml(doc) if format_for_path("", fmt) == "yaml" else dump_json(doc)


def write_document(doc: Document, target: str | Path | OutputTarget, fmt: str | None = None) -> str:
    """Write ``doc`` to ``target`` (format from ``fmt`` or the path's suffix): a path or
    the :class:`~skbbench.outfile.OutputTarget` that ``check_output_path`` returned
    before the run. Problems are one-line UsageErrors. Returns the format."""
    path = target.path if isinstance(target, OutputTarget) else target
    kind = format_for_path(path, fmt)
    write_output(target, dump_document(doc, kind))
    return kind


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


def read_document(data: Any, source: str = "<document>") -> Document:
    """A document of any readable schema version, validated, as typed data. Raises
    UsageError naming ``source``, the key path and the problem."""
    return Document.from_dict(check_any(data, source))


def validate_document(data: Any, source: str = "<document>") -> Document:
    """A document of the current schema (what skbbench writes), validated, as typed
    data."""
    return Document.from_dict(check_current(data, source))


def load_document(path: str | Path) -> Document:
    """Read a result file of any readable schema version (JSON or YAML by suffix; a JSON
    file whose content is YAML is rejected as not valid JSON)."""
    text = read_text(path, "result file")
    return read_document(parse_document_text(text, str(path), format_for_path(path)), str(path))
