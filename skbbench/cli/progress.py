"""Progress on stderr for runs longer than ~2 s, only when stderr is a terminal."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self, stream: TextIO | None = None, delay: float = 2.0, enabled: bool = True
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.delay = delay
        self.shown = False

    def __call__(self, label: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        if elapsed < self.delay:
            return
        worker = os.environ.get("SKBBENCH_WORKER")
        where = f"process {worker}: " if worker else ""
        self.stream.write(f"\r\x1b[K[{elapsed:5.1f}s] {where}{label}")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
