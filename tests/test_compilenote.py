"""What a run says while kernels compile: a progress line that names the function being
compiled and never stands still, the note once, and a summary line."""

from __future__ import annotations

import time
from types import SimpleNamespace

from skbbench.harness.compilenote import NOTE, compile_feedback


def _event(func):
    return SimpleNamespace(data={"dispatcher": SimpleNamespace(py_func=func)})


def slab_alloc():
    pass


def test_the_progress_line_names_what_compiles_and_keeps_moving():
    notes: list[str] = []
    lines: list[str] = []
    with compile_feedback(notes.append, lines.append, delay=0.05, tick=0.01) as fb:
        fb.progress("case 1/3: kmem fastpath reuse (step:0) warm-up")
        fb.on_start(_event(slab_alloc))
        time.sleep(0.3)  # a long compile: the ticker rewrites the line meanwhile
        ticks = len(lines)
        fb.on_end(_event(slab_alloc))
        time.sleep(0.1)  # no compile: the ticker is blocked, the line stays
        assert len(lines) == ticks
    assert ticks >= 5, lines  # about every 10 ms, not once
    assert lines[1] == (
        "case 1/3: kmem fastpath reuse (step:0) warm-up - "
        "compiling test_compilenote.slab_alloc (0 done)"
    )
    assert notes[0] == NOTE and len(notes) == 2
    assert notes[1].startswith("compiled 1 functions in ") and "cached" in notes[1]


def test_a_short_compile_says_nothing():
    notes: list[str] = []
    with compile_feedback(notes.append, None, delay=5.0, tick=0.01) as fb:
        fb.on_start(_event(slab_alloc))
        fb.on_end(_event(slab_alloc))
    assert notes == []


def test_real_numba_compiles_are_seen():
    from numba import njit

    notes: list[str] = []
    lines: list[str] = []
    with compile_feedback(notes.append, lines.append, delay=0.0, tick=0.001) as fb:

        @njit
        def f(x):
            return x + 1

        f(1)
        f(1.5)
        assert fb.compiled >= 2
    assert notes[0] == NOTE and notes[-1].startswith("compiled ")
    assert any("compiling test_compilenote.f" in line for line in lines), lines
