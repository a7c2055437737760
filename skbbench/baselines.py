"""Stored baselines: validated result documents kept as ``baselines/NAME.json``.

``save`` refuses to replace an existing baseline and ``update`` refuses to create one, so
a baseline only moves when someone says so. The directory is ``--dir``, else
``$SKBBENCH_BASELINES``, else ``baselines`` under the current directory (the repository
root in CI).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from skbbench.document import Document, dump_json, load_document
from skbbench.document.validate import check_current
from skbbench.errors import UsageError
from skbbench.outfile import check_output_path, write_output

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def baselines_dir(directory: str | Path | None = None) -> Path:
    return Path(directory or os.environ.get("SKBBENCH_BASELINES") or "baselines")


def baseline_path(name: str, directory: str | Path | None = None) -> Path:
    if not NAME_RE.match(name) or name.endswith((".json", ".yaml")):
        raise UsageError(
            f"baseline name {name!r}: use 1-64 letters, digits, '.', '_' or '-' "
            "(no path, no extension)"
        )
    return baselines_dir(directory) / f"{name}.json"


def check_save(name: str, directory: str | Path | None = None) -> Path:
    """Before a run that will ``save`` baseline ``name``: refuse an existing baseline and a
    place where it cannot be written (the directory, or the nearest existing parent of a
    directory still to be made, must take a new file). Returns the baseline's path."""
    path = baseline_path(name, directory)
    if path.exists() or path.is_symlink():
        raise UsageError(
            f"baseline '{name}' already exists ({path}): use "
            f"'skbbench baseline update {name} RESULTS' to replace it"
        )
    existing = path.parent
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if existing == path.parent:
        check_output_path(path)
    elif not existing.is_dir():
        raise UsageError(f"{path.parent}: cannot create directory: {existing} is not a directory")
    else:
        check_output_path(existing / f".{name}.json")  # proves a directory can be made there
    return path


def _store(name: str, doc: Document, directory: str | Path | None, *, exists: bool) -> Path:
    path = baseline_path(name, directory)
    if path.exists() and not exists:
        raise UsageError(
            f"baseline '{name}' already exists ({path}): use "
            f"'skbbench baseline update {name} RESULTS' to replace it"
        )
    if not path.exists() and exists:
        raise UsageError(
            f"baseline '{name}' does not exist ({path}): use "
            f"'skbbench baseline save {name} RESULTS' to create it"
        )
    check_current(doc.to_dict(), f"results for baseline '{name}'")
    if not any(case.repeats for case in doc.cases):
        raise UsageError(f"results for baseline '{name}': no case has a measured repeat")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{path.parent}: cannot create directory: {exc.strerror}") from None
    write_output(check_output_path(path), dump_json(doc))
    return path


def save(name: str, doc: Document, directory: str | Path | None = None) -> Path:
    """Store ``doc`` as a new baseline ``name``; an existing one is an error."""
    return _store(name, doc, directory, exists=False)


def update(
    name: str, doc: Document, directory: str | Path | None = None
) -> tuple[Path, Document | None]:
    """Replace the existing baseline ``name`` with ``doc``; returns its path and the
    document it replaced (None if that one was unreadable)."""
    target = baseline_path(name, directory)
    try:
        old: Document | None = load_document(target) if target.exists() else None
    except UsageError:
        old = None
    return _store(name, doc, directory, exists=True), old


def locate(name_or_path: str, directory: str | Path | None = None) -> Path:
    """The file of a result given by path, or of a stored baseline given by name (``ci``)."""
    path = Path(name_or_path)
    if not path.exists() and NAME_RE.match(name_or_path) and "." not in name_or_path:
        path = baseline_path(name_or_path, directory)
    return path


def load(name_or_path: str, directory: str | Path | None = None) -> Document:
    """A baseline by name (``ci``) or a result file by path."""
    return load_document(locate(name_or_path, directory))


@dataclass(frozen=True)
class StoredBaseline:
    """One stored baseline as ``baseline list`` shows it (``error``: why it is unreadable)."""

    name: str
    created: str | None = None
    command: str | None = None
    cases: int | None = None
    cpu_model: str | None = None
    git_commit: str | None = None
    error: str | None = None


def list_baselines(directory: str | Path | None = None) -> list[StoredBaseline]:
    """Name, creation time, command, case count and CPU of every stored baseline."""
    out: list[StoredBaseline] = []
    root = baselines_dir(directory)
    if not root.is_dir():
        return out
    for path in sorted(root.glob("*.json")):
        try:
            doc = load_document(path)
        except UsageError as exc:
            out.append(StoredBaseline(path.stem, error=str(exc)))
            continue
        out.append(
            StoredBaseline(
                path.stem,
                doc.created,
                doc.command,
                len(doc.cases),
                doc.machine.cpu_model,
                doc.machine.git_commit,
            )
        )
    return out


def load_side(spec: str, directory: str | Path | None = None) -> tuple[Document, str]:
    """One side of a comparison: a result file, a stored baseline name, or several of them
    separated by commas (runs of one config: their worker processes are pooled). Returns
    the document and a label naming it."""
    from skbbench.compare.configs import result_config
    from skbbench.disturbance import merge_clean

    parts = [spec] if Path(spec).exists() else [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        raise UsageError(f"{spec!r}: no result file named")
    paths = [locate(p, directory) for p in parts]
    docs = [load_document(p) for p in paths]
    first = docs[0]
    for path, doc in zip(paths[1:], docs[1:], strict=True):
        if doc.command != first.command or result_config(doc) != result_config(first):
            raise UsageError(
                f"{path}: not a run of the same config as {paths[0]}: the files of one side "
                "must repeat one config"
            )
    label = ",".join(str(p) for p in paths)
    return (merge_clean(docs, renumber=True) if len(docs) > 1 else first), label
