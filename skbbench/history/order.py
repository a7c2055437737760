"""The order of a history's runs: by git commit when every document carries one that the
git repository of the current directory knows (its place in the commit graph, then
creation time), else by creation time (``created``)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import datetime

from skbbench.document import Document
from skbbench.errors import UsageError

BY_COMMIT = "git commit"
BY_CREATED = "creation time"
GIT_TIMEOUT = 10.0


def commit_of(doc: Document) -> str | None:
    """The document's git commit without a ``-dirty`` mark (None without one)."""
    commit = doc.machine.git_commit
    if not commit:
        return None
    return commit.removesuffix("-dirty")


def _commit_positions(commits: Sequence[str]) -> dict[str, int] | None:
    """Commit -> its position in the history of the git repository of the current
    directory (git rev-list --topo-order: parents before children), None when git or a
    commit is missing."""
    unique = sorted(set(commits))
    try:
        p = subprocess.run(
            ["git", "rev-list", "--topo-order", "--reverse", *unique, "--"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if p.returncode != 0:
        return None
    position = {sha: i for i, sha in enumerate(p.stdout.split())}
    out = {}
    for c in unique:
        match = [i for sha, i in position.items() if sha.startswith(c)]
        if len(match) != 1:
            return None
        out[c] = match[0]
    return out


def _created(doc: Document, label: str) -> datetime:
    if not doc.created:
        raise UsageError(f"{label}: the result file has no creation time: cannot order it")
    try:
        when = datetime.fromisoformat(doc.created)
    except ValueError:
        raise UsageError(f"{label}: creation time {doc.created!r} is not an ISO date") from None
    if when.tzinfo is None:
        raise UsageError(f"{label}: creation time {doc.created!r} has no time zone")
    return when


def order_runs(docs: Sequence[tuple[str, Document]]) -> tuple[list[int], str]:
    """The indices of ``docs`` ((label, document) pairs) in history order, and what
    ordered them (BY_COMMIT or BY_CREATED)."""
    created = [_created(doc, label) for label, doc in docs]
    commits = [commit_of(doc) for _, doc in docs]
    present = [c for c in commits if c]
    if len(present) == len(commits) and len(set(present)) > 1:
        where = _commit_positions(present)
        if where is not None:
            order = sorted(range(len(docs)), key=lambda i: (where[present[i]], created[i]))
            return order, BY_COMMIT
    return sorted(range(len(docs)), key=lambda i: created[i]), BY_CREATED
