"""alf_queue layout and alf_queue_alloc's size rule (no numpy: specs import it)."""

from __future__ import annotations

from numbers import Integral

ALF_MAX_SIZE = 65536

# Word offsets in the queue array (struct alf_queue): producer, consumer and ring each
# start on their own cache line.
Q_SIZE = 0
Q_MASK = 1
Q_FLAGS = 2
P_HEAD = 8
P_TAIL = 9
C_HEAD = 16
C_TAIL = 17
RING = 24


def alf_size_problem(size: object) -> str | None:
    """What alf_queue_alloc rejects with -EINVAL (a power of two, at most 65536), as a
    phrase to put after the value; None when the size is fine."""
    if isinstance(size, bool) or not isinstance(size, Integral):
        return "must be an integer"
    size = int(size)
    if size < 1 or size & (size - 1):
        return "is not a power of two (alf_queue_alloc: -EINVAL)"
    if size > ALF_MAX_SIZE:
        return f"is larger than the ALF maximum {ALF_MAX_SIZE} (alf_queue_alloc: -EINVAL)"
    return None
