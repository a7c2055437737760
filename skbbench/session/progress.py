"""Progress on stderr for runs longer than ~2 s, only when stderr is a terminal."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """``progress(label)`` rewrites one status line (``[elapsed] prefix label``) once the
    run is older than ``delay`` seconds; ``done()`` clears it."""

    def __init__(
        self,
        stream: TextIO | None = None,
        delay: float = 2.0,
        enabled: bool = True,
        prefix: str = "",
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.delay = delay
        self.prefix = prefix
        self.shown = False
        self._lock = threading.Lock()  # the compile ticker writes from its own thread

    def __call__(self, label: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        if elapsed < self.delay:
            return
        with self._lock:
            self.stream.write(f"\r\x1b[K[{elapsed:5.1f}s] {self.prefix}{label}")
            self.stream.flush()
            self.shown = True

    def done(self) -> None:
        with self._lock:
            if self.shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self.shown = False


VERBOSE_ONLY = ("scatter:",)  # notes shown with -v only


def shown(note: str, verbosity: int) -> bool:
    """Whether a note is printed at ``verbosity`` (-1 quiet, 0 normal, 1 verbose)."""
    if verbosity < 0:
        return False
    return verbosity > 0 or not note.startswith(VERBOSE_ONLY)
