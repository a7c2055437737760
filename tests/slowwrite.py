"""The start of a child script whose file writes are slow: ``os.fdopen`` returns a file
object that writes in 64 chunks, 20 ms apart, and prints HALF half-way, so that a test
can kill or interrupt the child in the middle of a write. The test appends what the
child writes (after the prelude, ``os.fdopen`` is still the real one until the test's
part replaces it with ``slow_fdopen``)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from typing import Any

PRELUDE = textwrap.dedent("""
    import os, sys, time
    real_fdopen = os.fdopen

    class Slow:
        def __init__(self, fh):
            self.fh = fh
        def write(self, data):
            step = len(data) // 64
            for i in range(0, len(data), step):
                self.fh.write(data[i:i + step])
                self.fh.flush()
                if i == 32 * step:
                    print("HALF", flush=True)
                time.sleep(0.02)
        def __getattr__(self, name):
            return getattr(self.fh, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.fh.__exit__(*exc)

    def slow_fdopen(fd, mode):
        return Slow(real_fdopen(fd, mode))
""")


def start_child(script: str, *args: str, **kw: Any) -> subprocess.Popen[str]:
    """Run ``script`` with SIGINT at its default, so that Ctrl-C is a KeyboardInterrupt
    in the child even when the tests run where SIGINT is ignored (a background job of a
    non-interactive shell, whose children inherit SIG_IGN)."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **kw,
    )
