"""A worker process of a multi-process run: ``python -m skbbench.worker``.

Reads ``{"config": <config document>, "process": i}`` on stdin, runs every case in this
fresh process (its own warm-up and repeats) and writes the result document as JSON on
stdout, or ``{"error": message, "exit_status": n}``. Progress and notes go to stderr.
"""

from __future__ import annotations

import json
import sys

from skbbench.config import resolve_mapping
from skbbench.errors import SkbbenchError


def main() -> int:
    from skbbench.cli.progress import Progress
    from skbbench.session import run_in_process

    try:
        request = json.loads(sys.stdin.read())
        cfg = resolve_mapping(request["config"], "worker request")
        progress = Progress()

        def notify(line: str) -> None:
            print(f"skbbench: {line}", file=sys.stderr, flush=True)

        try:
            doc = run_in_process(cfg, progress, notify, process=int(request["process"]))
        finally:
            progress.done()
    except SkbbenchError as exc:
        json.dump({"error": str(exc), "exit_status": exc.exit_status}, sys.stdout)
        return exc.exit_status
    json.dump(doc, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
