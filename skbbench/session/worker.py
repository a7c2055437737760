"""A worker process of a multi-process run (pyperf's ``_worker``):
``python -m skbbench.session.worker``.

Reads ``{"config": <config document>, "process": i}`` on stdin, runs every case in this
fresh process (its own warm-up and repeats) and writes the result document as JSON on
stdout, or a typed error (``skbbench.errors.error_reply``). Progress and notes go to
stderr. Ctrl-C (which reaches every process of the foreground group) ends it quietly
with exit status 130: the manager reports the interruption once.
"""

from __future__ import annotations

import json
import sys

from skbbench.errors import EXIT_INTERRUPTED, EXIT_OK, SkbbenchError, error_reply


def main() -> int:
    from skbbench.config import resolve_mapping
    from skbbench.session.local import run_in_process
    from skbbench.session.manager import worker_label
    from skbbench.session.progress import Progress, shown

    try:
        request = json.loads(sys.stdin.read())
        cfg = resolve_mapping(request["config"], "worker request")
        verbosity = int(request.get("verbosity", 0))
        progress = Progress(prefix=f"process {worker_label()}: ", enabled=verbosity >= 0)

        def notify(line: str) -> None:
            if not shown(line, verbosity):
                return
            progress.done()  # a note clears the progress line, which comes back after
            print(f"skbbench: {line}", file=sys.stderr, flush=True)

        try:
            doc = run_in_process(cfg, progress, notify, process=int(request["process"]))
        finally:
            progress.done()
    except SkbbenchError as exc:
        json.dump(error_reply(exc), sys.stdout)
        return exc.exit_status
    json.dump(doc.to_dict(), sys.stdout)
    return EXIT_OK


def run() -> None:
    """The process's entry point: no traceback on Ctrl-C, anywhere in the worker."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    run()
