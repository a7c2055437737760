"""The manager side of a multi-process run (pyperf's ``_manager``): start one fresh
worker process after the other (``python -m skbbench.session.worker``, never two at
once), hand each the config, take back its document or its typed error, and merge.

While fewer than ``processes`` worker processes ran within DISTURBED of the fastest
(skbbench.disturbance), one more is run, at most ``processes`` more in all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

from skbbench.disturbance import describe, merge_clean, slow_processes
from skbbench.document import Document, read_document
from skbbench.errors import SkbbenchError, error_from_reply
from skbbench.spec import RunConfig

Notify = Callable[[str], None]
WORKER_ENV = "SKBBENCH_WORKER"  # set in worker processes: the label progress shows
WORKER_MODULE = "skbbench.session.worker"


def worker_label() -> str | None:
    """``i/N`` in a worker process (what progress prefixes), None in the manager."""
    return os.environ.get(WORKER_ENV) or None


def run_worker(cfg: RunConfig, process: int, verbosity: int = 0) -> Document:
    """One worker process: the config in on stdin, the document (or a typed error) out on
    stdout; its stderr (progress, notes) goes straight to ours. A KeyboardInterrupt here
    (Ctrl-C reaches the worker too) ends the worker and propagates."""
    request = json.dumps({"config": cfg.to_dict(), "process": process, "verbosity": verbosity})
    label = f"{process + 1}/{cfg.processes}" + (" (extra)" if process >= cfg.processes else "")
    env = {**os.environ, WORKER_ENV: label}
    proc = subprocess.run(
        [sys.executable, "-m", WORKER_MODULE],
        input=request,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    try:
        reply = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        reply = {}
    if isinstance(reply, dict) and "error" in reply:
        raise error_from_reply(reply)
    if proc.returncode != 0 or not isinstance(reply, dict) or "cases" not in reply:
        raise SkbbenchError(
            f"worker process {process + 1}/{cfg.processes} failed (exit status "
            f"{proc.returncode}): see its messages above"
        )
    return read_document(reply, f"worker process {process + 1}")


def run_in_workers(cfg: RunConfig, notify: Notify, verbosity: int = 0) -> Document:
    """``cfg.processes`` worker processes, plus one more while fewer than that many ran
    within DISTURBED of the fastest, at most ``cfg.processes`` more in all (``verbosity``
    -1: the workers print neither progress nor notes; 1: also the ``scatter`` notes)."""
    docs = [run_worker(cfg, p, verbosity) for p in range(cfg.processes)]
    merged = merge_clean(docs)
    while len(docs) < 2 * cfg.processes:
        slow = slow_processes(merged.cases)
        if len(docs) - len(slow) >= cfg.processes:
            break
        notify(f"NOTE: {describe(slow, 'measuring in one more process')}")
        docs.append(run_worker(cfg, len(docs), verbosity))
        merged = merge_clean(docs)
    from skbbench.session.local import summarize

    between = [w for w in merged.warnings if w.startswith("unstable between processes")]
    if between:
        notify(summarize(between, len(merged.cases)))
    return merged
