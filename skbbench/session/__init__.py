"""Execute one resolved configuration and make its result document.

The single path every benchmark command and ``skbbench run`` goes through. With
``processes`` = 1 the cases run in this process (``local``); with N > 1 the manager
(``manager``) starts N fresh worker processes (``worker``), one after the other, each
running every case with its own warm-up and repeats, and merges their documents: each
record names its process, and compare tests on per-process values
(docs/measurement.md). Progress on stderr: ``progress``.
"""

from __future__ import annotations

from skbbench.document import Document
from skbbench.harness.runner import Progress
from skbbench.session.local import Notify, run_in_process
from skbbench.session.manager import run_in_workers, worker_label
from skbbench.spec import RunConfig

__all__ = ["execute", "run_in_process"]


def _silent(_: str) -> None:
    pass


def execute(
    cfg: RunConfig,
    progress: Progress | None = None,
    notify: Notify | None = None,
    verbosity: int = 0,
) -> Document:
    """Run the benchmark ``cfg`` describes on a pinned CPU; returns the result document.
    ``notify`` receives one-line notes while it runs (compiling, unstable repeats);
    ``verbosity`` (-1 quiet, 1 verbose) is passed to worker processes."""
    notify = notify or _silent
    if cfg.processes > 1 and worker_label() is None:
        return run_in_workers(cfg, notify, verbosity)
    return run_in_process(cfg, progress, notify)
