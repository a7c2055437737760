"""include/linux/list.h on the machine's memory: a ``list_head`` is a (next, prev) pair of
words and a pointer is a word index into ``s``. Inline, as in the kernel; used by the
page allocator's free lists and SLAB's slab lists.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_0 = np.uint64(0)
_1 = np.uint64(1)


@njit(inline="always", nogil=True)
def INIT_LIST_HEAD(s, head):  # noqa: N802 (the kernel's name)
    # INIT_LIST_HEAD: an empty list points at itself
    s[head] = head
    s[head + _1] = head


@njit(inline="always", nogil=True)
def list_add(s, new, head):
    # list_add: insert ``new`` right after ``head``
    nxt = s[head]
    s[nxt + _1] = new
    s[new] = nxt
    s[new + _1] = head
    s[head] = new


@njit(inline="always", nogil=True)
def list_add_tail(s, new, head):
    # list_add_tail: insert ``new`` right before ``head``
    prev = s[head + _1]
    s[head + _1] = new
    s[new] = head
    s[new + _1] = prev
    s[prev] = new


@njit(inline="always", nogil=True)
def list_del(s, entry):
    # list_del: unlink ``entry``, then poison its links (the model's poison: 0, where the
    # kernel writes LIST_POISON1/2)
    nxt = s[entry]
    prev = s[entry + _1]
    s[nxt + _1] = prev
    s[prev] = nxt
    s[entry] = _0
    s[entry + _1] = _0


@njit(inline="always", nogil=True)
def list_empty(s, head):
    # list_empty: head->next == head
    return s[head] == head
