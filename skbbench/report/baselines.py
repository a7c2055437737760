"""`skbbench baseline list`: the stored baselines in every format."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from skbbench.baselines import StoredBaseline

KEYS = ("name", "created", "command", "cases", "cpu_model", "git_commit", "error")


def render_baselines(baselines: list[StoredBaseline], fmt: str, where: str) -> str:
    """One row per baseline (name, created, command, cases, CPU, commit, error)."""
    rows: list[dict[str, Any]] = [
        {"name": b.name, "error": b.error}
        if b.error
        else {k: v for k, v in asdict(b).items() if k != "error"}
        for b in baselines
    ]
    if fmt == "json":
        return json.dumps(rows, indent=1) + "\n"
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(rows, sort_keys=False))
    keys = [k for k in KEYS if any(k in r for r in rows)] or list(KEYS[:4])
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows([r.get(k, "") for k in keys] for r in rows)
        return buf.getvalue()
    if not rows:
        return f"no baselines in {where}\n"
    from tabulate import tabulate

    table = [[r.get(k, "") for k in keys] for r in rows]
    return (
        tabulate(table, headers=keys, tablefmt="github" if fmt == "markdown" else "simple") + "\n"
    )
