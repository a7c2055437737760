"""Uninstrumented timing: a timed run counts nothing; its counters come from a replay.

The kernels the posts measured had CONFIG_SLUB_STATS off. A timed run here executes no
counter increment either: SLUB's ``stat()`` is compiled out of its flavor (model.kconfig)
and the run-time gated counters of the page allocator and SLAB are switched off
(``Machine.set_stats``). The model is deterministic, so the same operations replayed on
a copy of the state the timed run started from, with every counter compiled in and
switched on, reach the same final state; the replay's counters are the timed run's.
:func:`replay` proves it on every use: it compares the two final states word by word,
counter words excepted (``Machine.counter_mask``), and raises ModelError on any
difference. Any family whose run is a kernel call on a list of arrays can use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from skbbench.errors import ModelError
from skbbench.harness.memory import aligned_words
from skbbench.model.machine import MH_STATS, Machine


def copy_state(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Copies of the state arrays; the first (the machine) page-aligned like the original,
    so every 16-byte cmpxchg target stays aligned."""
    first = aligned_words(len(arrays[0]))
    first[:] = arrays[0]
    return [first] + [a.copy() for a in arrays[1:]]


@dataclass
class Pending:
    """A timed run awaiting its replay: the state before and after it."""

    machine: Machine
    before: list[np.ndarray]
    after: list[np.ndarray]


def start(machine: Machine, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Before a timed run: switch the gated counters off, keep the starting state."""
    machine.set_stats(False)
    return copy_state(arrays)


def finish(machine: Machine, before: list[np.ndarray], arrays: list[np.ndarray]) -> Pending:
    """After a timed run: keep its final state, switch the gated counters back on."""
    pending = Pending(machine, before, copy_state(arrays))
    machine.set_stats(True)
    return pending


def replay(pending: Pending, run: Callable[[list[np.ndarray]], object]) -> list[np.ndarray]:
    """Run ``run`` (the counting kernel) on a copy of the starting state with the counters
    zeroed and on; check it ends where the timed run ended; return the replayed arrays."""
    arrays = copy_state(pending.before)
    mask = pending.machine.counter_mask()
    arrays[0][mask] = 0
    arrays[0][MH_STATS] = 1
    run(arrays)
    for i, (want, got) in enumerate(zip(pending.after, arrays, strict=True)):
        if i == 0:
            diff = np.flatnonzero((want != got) & ~mask)
        else:
            diff = np.flatnonzero(want != got)
        if diff.size:
            w = int(diff[0])
            raise ModelError(
                f"replay diverged from the timed run: array {i} word {w} "
                f"(timed {int(want[w])}, replay {int(got[w])}; {diff.size} words differ)"
            )
    return arrays
