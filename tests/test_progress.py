"""Progress goes to stderr only on a terminal and only after the delay."""

import io

from skbbench.session.progress import Progress


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_silent_when_not_a_terminal():
    stream = io.StringIO()
    p = Progress(stream, delay=0)
    p("case run 1/5")
    p.done()
    assert stream.getvalue() == ""


def test_silent_before_the_delay_then_shown_and_cleared():
    stream = Tty()
    p = Progress(stream, delay=3600)
    p("early")
    assert stream.getvalue() == ""
    p.delay = 0
    p("kmem bulk_quick_reuse (step:16) run 2/5")
    assert "run 2/5" in stream.getvalue()
    p.done()
    assert stream.getvalue().endswith("\r\x1b[K")
