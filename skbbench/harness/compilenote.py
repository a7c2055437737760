"""What a run says while Numba compiles (a cold cache): never a silent minute.

Numba emits a ``numba:compile`` event around every compilation it cannot load from the
cache. While one is going on, a ticker thread rewrites the progress line every
``TICK`` seconds with the function being compiled and how many are done; between
compilations it blocks on an event, so it costs nothing while kernels are timed. On a
terminal that line is the feedback; on any stderr the note ``NOTE`` is printed once
compiling has lasted ``DELAY`` seconds, and a summary line when the run is over.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from numba.core import event

NOTE = "compiling kernels (first run after install or upgrade; cached afterwards)"
DELAY = 2.0
TICK = 0.5

Say = Callable[[str], None]


def _function_name(data: Any) -> str:
    """``module.function`` of the dispatcher an event is about."""
    dispatcher = data.get("dispatcher") if isinstance(data, dict) else None
    func = getattr(dispatcher, "py_func", None)
    if func is None:
        return "a kernel"
    module = str(getattr(func, "__module__", "")).rsplit(".", 1)[-1]
    name = getattr(func, "__name__", "?")
    return f"{module}.{name}" if module else name


class CompileFeedback(event.Listener):  # type: ignore[misc]
    """The listener, the ticker thread and the progress label they share."""

    def __init__(self, notify: Say, progress: Say | None, delay: float, tick: float) -> None:
        self._say = notify
        self._progress = progress
        self.delay = delay
        self.tick = tick
        self.label = ""  # the run's own progress label (case, warm-up/run)
        self.compiled = 0
        self.stack: list[str] = []  # the functions being compiled, outermost first
        self.seconds = 0.0
        self.noted = False
        self._since = 0.0
        self._compiling = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None

    # the run's progress goes through here, so the ticker can add to its label
    def progress(self, label: str) -> None:
        self.label = label
        if self._progress is not None:
            self._progress(label)

    @property
    def depth(self) -> int:
        return len(self.stack)

    def on_start(self, ev: Any) -> None:
        self.stack.append(_function_name(ev.data))
        if self.depth == 1:
            self._since = time.monotonic()
            self._compiling.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._tick, daemon=True)
                self._thread.start()

    def on_end(self, ev: Any) -> None:
        if self.stack:
            self.stack.pop()
        self.compiled += 1
        if self.depth == 0:
            self.seconds += time.monotonic() - self._since
            self._compiling.clear()

    def _tick(self) -> None:
        while True:
            self._compiling.wait()
            if self._closed:
                return
            time.sleep(self.tick)
            stack = list(self.stack)
            if not stack or self._closed:
                continue
            if not self.noted and self.seconds + time.monotonic() - self._since >= self.delay:
                self.noted = True
                self._say(NOTE)
            if self._progress is not None:
                label = f"{self.label} - " if self.label else ""
                self._progress(f"{label}compiling {stack[-1]} ({self.compiled} done)")

    def close(self) -> None:
        self._closed = True
        self._compiling.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self.tick + 1)
        if self.noted:
            self._say(
                f"compiled {self.compiled} functions in {self.seconds:.1f} s "
                "(cached: later runs load them)"
            )


@contextmanager
def compile_feedback(
    notify: Say, progress: Say | None = None, delay: float = DELAY, tick: float = TICK
) -> Iterator[CompileFeedback]:
    """While active: the progress line names what Numba is compiling (``progress``),
    ``notify(NOTE)`` once compiling has lasted ``delay`` s, and a summary line at the end
    if it did. Pass the run's progress through the yielded object's ``progress``."""
    feedback = CompileFeedback(notify, progress, delay, tick)
    with event.install_listener("numba:compile", feedback):
        try:
            yield feedback
        finally:
            feedback.close()
