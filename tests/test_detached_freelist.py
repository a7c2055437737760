"""build_detached_freelist (v4.4): grouping from the end of the array, lookahead 3,
NULL handling, the freelist built inside the objects; and what kmem_cache_free_bulk
does with it (one __slab_free per group)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbbench.model.bulk import build_detached_freelist
from skbbench.model.slub import KC_DEFAULT
from skbbench.model.slub_create import kmem_cache_create


@pytest.fixture()
def pages():
    """A cache and 4 slabs' worth of allocated objects, grouped by slab page."""
    cache = kmem_cache_create(object_size=256, nr_cpus=8, profile="zero", max_slabs=16)
    objs = cache.alloc_bulk(0, 4 * cache.objects, "after")
    by_page: dict[int, list[int]] = {}
    for obj in objs.tolist():
        by_page.setdefault(obj >> (12 + cache.order), []).append(obj)
    groups = [by_page[k] for k in sorted(by_page)]
    assert len(groups) == 4 and all(len(g) == cache.objects for g in groups)
    return cache, groups


def _bdf(cache, arr):
    p = np.array(arr, dtype=np.uint64)
    first_skipped, page, head, tail, cnt = build_detached_freelist(
        KC_DEFAULT, cache.s, np.uint64(len(p)), p, False
    )
    return int(first_skipped), int(page), int(head), int(tail), int(cnt), p


def _chain(cache, head):
    out = []
    while head:
        out.append(head)
        head = int(cache.s[head >> 3])  # the free pointer at offset 0
        assert len(out) < 1000
    return out


def test_groups_same_page_objects_scanning_from_the_end(pages):
    cache, (A, B, C, _) = pages
    arr = [A[0], B[0], A[1], C[0], A[2]]
    skipped, page, head, tail, cnt, p = _bdf(cache, arr)
    assert page == A[2] >> 12 and cnt == 3
    assert skipped == 4  # index + 1 of the first mismatch (C[0] at index 3)
    assert tail == A[2]
    # pushed on the front while scanning down: the list is in array order
    assert _chain(cache, head) == [A[0], A[1], A[2]]
    assert p.tolist() == [0, B[0], 0, C[0], 0]  # processed slots NULLed


def test_lookahead_three_stops_at_the_third_mismatch(pages):
    cache, (A, B, C, D) = pages
    arr = [A[0], A[1], B[0], C[0], D[0], A[2]]
    skipped, page, head, tail, cnt, p = _bdf(cache, arr)
    # D, C and B are mismatches; the third ends the scan before A[1], A[0] are seen
    assert cnt == 1 and head == tail == A[2]
    assert skipped == 5
    assert p.tolist() == [A[0], A[1], B[0], C[0], D[0], 0]


def test_two_mismatches_do_not_stop_the_scan(pages):
    cache, (A, B, C, _) = pages
    arr = [A[0], B[0], C[0], A[1]]
    skipped, _, head, _, cnt, p = _bdf(cache, arr)
    assert cnt == 2 and _chain(cache, head) == [A[0], A[1]]
    assert skipped == 3 and p.tolist() == [0, B[0], C[0], 0]


def test_null_slots_are_skipped_without_using_lookahead(pages):
    cache, (A, B, C, D) = pages
    arr = [A[0], 0, B[0], 0, 0, C[0], 0, A[1], 0]
    skipped, _, head, _, cnt, _ = _bdf(cache, arr)
    assert cnt == 2 and _chain(cache, head) == [A[0], A[1]]
    assert skipped == 6  # C[0] at index 5
    # all NULL: nothing to do
    skipped, page, _, _, cnt, _ = _bdf(cache, [0, 0, 0])
    assert (skipped, page, cnt) == (0, 0, 0)


def test_whole_array_of_one_page_is_one_group(pages):
    cache, (A, *_) = pages
    skipped, _, head, _, cnt, p = _bdf(cache, A)
    assert skipped == 0 and cnt == len(A) and _chain(cache, head) == A
    assert not p.any()


def ref_groups(pages_of):
    """Reference, written from the v4.4 source: the group sizes kmem_cache_free_bulk
    forms for an array whose i-th object lives on page ``pages_of[i]`` (None = NULL)."""
    p = list(pages_of)
    size = len(p)
    out = []
    while size:
        first_skipped, lookahead = 0, 3
        size -= 1
        while p[size] is None and size:
            size -= 1
        if p[size] is None:
            break
        page, cnt = p[size], 1
        p[size] = None
        while size:
            size -= 1
            if p[size] is None:
                continue
            if p[size] == page:
                cnt += 1
                p[size] = None
                continue
            lookahead -= 1
            if not lookahead:
                break
            if not first_skipped:
                first_skipped = size + 1
        out.append(cnt)
        size = first_skipped
    return out


def test_reference_groups_agree_with_hand_computation():
    assert ref_groups("ABABABABABABABAB") == [3, 5, 5, 3]
    assert ref_groups("ABCDEFG" * 4) == [1] * 28
    assert ref_groups("AAAAB") == [1, 4]


def _slab_free_calls(cache, variant, arr):
    before = dict(cache.slab_free_histogram())
    cache.free_bulk(0, arr, variant)
    after = cache.slab_free_histogram()
    return {
        k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)
    }


def _hist(sizes):
    out: dict[int, int] = {}
    for n in sizes:
        out[n] = out.get(n, 0) + 1
    return out


def _slabs(cache, nslabs):
    """nslabs full slabs that are not the cpu slab, as lists of objects."""
    objs = cache.alloc_bulk(0, (nslabs + 1) * cache.objects, "after")
    by_page: dict[int, list[int]] = {}
    for obj in objs.tolist():
        by_page.setdefault(obj >> (12 + cache.order), []).append(obj)
    cpu_page = int(cache.s[int(cache.s[1]) + 2])  # kmem_cache_cpu[0].page
    return [v for k, v in sorted(by_page.items()) if (k << cache.order) != cpu_page][:nslabs]


@pytest.mark.parametrize(
    "pattern", ["AB" * 8, "ABCDEFG" * 4, "AAAAAAAABBBBBBBB", "ABCABCAAAAAAD", "DCBA" * 5 + "A" * 5]
)
def test_free_bulk_after_makes_one_slab_free_per_group(pattern):
    cache = kmem_cache_create(object_size=256, nr_cpus=8, profile="zero", check=True, max_slabs=32)
    slabs = _slabs(cache, 7)
    taken = {c: 0 for c in set(pattern)}
    arr = []
    for ch in pattern:
        arr.append(slabs["ABCDEFG".index(ch)][taken[ch]])
        taken[ch] += 1
    assert _slab_free_calls(cache, "after", arr) == _hist(ref_groups(pattern))
    # kfree_bulk groups the same way
    arr2 = []
    for ch in pattern:
        arr2.append(slabs["ABCDEFG".index(ch)][taken[ch]])
        taken[ch] += 1
    assert _slab_free_calls(cache, "kfree_bulk", arr2) == _hist(ref_groups(pattern))
    # the pre-patchset API frees every object with its own __slab_free
    arr3 = []
    for ch in pattern:
        arr3.append(slabs["ABCDEFG".index(ch)][taken[ch]])
        taken[ch] += 1
    assert _slab_free_calls(cache, "before", arr3) == {1: len(pattern)}


@settings(max_examples=30, deadline=None)
@given(pattern=st.lists(st.sampled_from("ABCDEFG."), min_size=1, max_size=60))
def test_random_arrays_group_like_the_reference(pattern):
    cache = kmem_cache_create(object_size=256, nr_cpus=8, profile="zero", check=True, max_slabs=32)
    slabs = _slabs(cache, 7)
    taken = dict.fromkeys("ABCDEFG", 0)
    arr, pages_of = [], []
    for ch in pattern:
        if ch == "." or taken[ch] >= cache.objects:
            arr.append(0)
            pages_of.append(None)
            continue
        arr.append(slabs["ABCDEFG".index(ch)][taken[ch]])
        pages_of.append(ch)
        taken[ch] += 1
    if not any(arr):
        return
    assert _slab_free_calls(cache, "after", arr) == _hist(ref_groups(pages_of))


def test_lookahead_is_a_compile_time_parameter_and_zero_scans_everything(pages):
    from skbbench.harness.flavor import Flavor
    from skbbench.model.kconfig_layout import flags_of

    cache, (A, B, C, D) = pages

    def bdf(arr, look):
        p = np.array(arr, dtype=np.uint64)
        kc = Flavor(flags_of({}, (), look))
        first, _, _, _, cnt = build_detached_freelist(kc, cache.s, np.uint64(len(p)), p, False)
        return int(cnt), int(first)

    # from the end: A2, A1 match; B0, C0 do not; lookahead 3 reaches A0, 2 does not
    two_misses = [A[0], C[0], B[0], A[1], A[2]]
    assert bdf(two_misses, 3) == (3, 3)
    assert bdf(two_misses, 2) == (2, 3)
    # three misses stop lookahead 3; 0 never stops ('!--lookahead' from 0)
    three_misses = [A[0], D[0], C[0], B[0], A[1], A[2]]
    assert bdf(three_misses, 3) == (2, 4)
    assert bdf(three_misses, 0) == (3, 4)
