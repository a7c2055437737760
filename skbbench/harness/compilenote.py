"""Say "compiling kernels" when a run spends more than ~2 s compiling (a cold cache).

Numba emits a ``numba:compile`` event only on a cache miss; the first one starts a timer,
and if compiling is still going on when it fires the note is printed once, whether or not
stderr is a terminal (a silent 75 s first run looks like a hang).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from numba.core import event

NOTE = "compiling kernels (first run after install or upgrade; cached afterwards)"
DELAY = 2.0


class _CompileListener(event.Listener):  # type: ignore[misc]
    def __init__(self, notify: Callable[[str], None], delay: float) -> None:
        self._say = notify
        self.delay = delay
        self.depth = 0
        self.timer: threading.Timer | None = None
        self.done = False

    def _fire(self) -> None:
        if self.depth > 0 and not self.done:
            self.done = True
            self._say(NOTE)

    def on_start(self, ev: Any) -> None:
        self.depth += 1
        if self.timer is None and not self.done:
            self.timer = threading.Timer(self.delay, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def on_end(self, ev: Any) -> None:
        self.depth -= 1
        if self.depth == 0 and self.timer is not None and not self.done:
            self.timer.cancel()
            self.timer = None


@contextmanager
def announce_compiles(notify: Callable[[str], None], delay: float = DELAY) -> Iterator[None]:
    """While active, ``notify(NOTE)`` once if a compilation lasts longer than ``delay`` s."""
    listener = _CompileListener(notify, delay)
    with event.install_listener("numba:compile", listener):
        try:
            yield
        finally:
            if listener.timer is not None:
                listener.timer.cancel()
