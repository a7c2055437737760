"""slab_bulk_test03: provoking the worst case of kmem_cache_free_bulk, on the slab models.

Replicates prototype-kernel ``kernel/mm/slab_bulk_test03.c`` (docs/benchmarks.md). One
global cache (created and prefilled at "module init", shared by every scenario of one
module load) and an object hash ("objhash", 16 buckets of intrusive hlists) keyed by
``jhash`` of each object's slab page pointer. Each timed iteration: allocate ``bulk``
objects (bulk API or the fallback loop), add them to the hash, then refill the array
with objects extracted from the hash so that neighbours come from *different* slab
pages -- except every N-th slot, which takes an object from slot 0's page bucket --
and free the array (bulk API or fallback). The hash work (two jhash per object) is
inside the timed window, as in the original, so only bulk minus fallback is meaningful.

Scenarios, each run as ``-bulk`` then ``-fallback``: ``worse-case`` (modulo 65536: only
slot 0 matches) and ``N-page-match`` for N = 1, 2, 3, 4, 5, 6, 10, bulk + 1. Defaults
as the original: bulk 64, loops 100,000 (iterations loops // bulk = 1562), prefill
4096 = HASHSZ * 32 * 8 objects. Each ``--compare`` variant is one module load (its own
cache and hash): its ``-bulk`` cases use that bulk API; ``fallback`` runs only the
``-fallback`` cases. The hash's "Bad invarians" warnings are counted, not printed, and
reported with the counters (``objhash_warnings``).

The objects' hash fields live in the objects themselves (real memory of the model's
arena): word 0 = hlist next, word 1 = pprev, word 2 = the slab page pointer.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numba import njit

from skbbench.bench import replay
from skbbench.bench.kmem import (
    ALLOCATOR_IDS,
    SHEAVES,
    SHEAVES_618,
    SLAB,
    SLUB,
    kmem_alloc,
    kmem_alloc_bulk,
    kmem_free_bulk,
)
from skbbench.bench.slab_bulk_common import (
    Cache,
    cache_params,
    cache_view,
    flavors,
    make_cache,
    module_notes,
    variant_note,
)
from skbbench.harness.flavor import Flavor
from skbbench.harness.intrinsics import barrier
from skbbench.harness.runner import BenchAbort, Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop, window_record
from skbbench.model.bulk import (
    variant_id,
)
from skbbench.model.machine import U_MH_VMEMMAP
from skbbench.model.page_alloc import virt_to_head_page
from skbbench.specs.bulk import N_PAGE_MATCH, NMATCH, WORSE_CASE, BulkConfig
from skbbench.timebench import Record

MODULE = "slab_bulk_test03"
HASHSZ = 16
PREFILL = HASHSZ * 32 * 8  # 4096
MODULO_DISABLED = 65536  # "disabled but keeps the modulo cost"
ARRAY_MAX = 32768  # GLOBAL_OBJS
JHASH_INITVAL = 0xDEADBEEF

# objhash array: words 0..15 bucket heads (hlist_head.first), 16 count,
# 17.. warning counters, 24 last_obj (persists across iterations)
_COUNT = 16
_W_TOO_MANY = 17  # "request too many objects"
_W_SAME_PAGE = 18  # "return same page"
_W_SKIPPED = 19  # "search skipped many buckets"
_LAST_OBJ = 24
OBJHASH_WORDS = 32

_0 = np.uint64(0)
_1 = np.uint64(1)
_3 = np.uint64(3)
_M32 = np.uint64(0xFFFFFFFF)


@njit(inline="always", nogil=True)
def _rol32(x, k):
    # rol32
    return ((x << np.uint64(k)) | (x >> np.uint64(32 - k))) & _M32


@njit(nogil=True, cache=True, _nrt=False)
def jhash_u64(key):
    # jhash(&key, 8, 13): Bob Jenkins' lookup3 as in include/linux/jhash.h
    a = (np.uint64(JHASH_INITVAL) + np.uint64(8) + np.uint64(13)) & _M32
    b = a
    c = a
    a = (a + (key & _M32)) & _M32  # case 4..1: k[0..3]
    b = (b + (key >> np.uint64(32))) & _M32  # case 8..5: k[4..7]
    # __jhash_final(a, b, c)
    c ^= b
    c = (c - _rol32(b, 14)) & _M32
    a ^= c
    a = (a - _rol32(c, 11)) & _M32
    b ^= a
    b = (b - _rol32(a, 25)) & _M32
    c ^= b
    c = (c - _rol32(b, 16)) & _M32
    a ^= c
    a = (a - _rol32(c, 4)) & _M32
    b ^= a
    b = (b - _rol32(a, 14)) & _M32
    c ^= b
    c = (c - _rol32(b, 24)) & _M32
    return c


@njit(inline="always", nogil=True)
def _page_ptr(s, obj):
    # virt_to_head_page(obj) as a pointer: the byte offset of its struct page record
    return (s[U_MH_VMEMMAP] + virt_to_head_page(s, obj) * np.uint64(8)) * np.uint64(8)


@njit(inline="always", nogil=True)
def _bucket(page_ptr):
    return jhash_u64(page_ptr) % np.uint64(HASHSZ)


@njit(nogil=True, cache=True, _nrt=False)
def objhash_add_one(s, h, obj):
    # objhash_add_one: obj->page = virt_to_head_page(obj); hlist_add_head to its bucket
    w = obj >> _3
    page = _page_ptr(s, obj)
    s[w + np.uint64(2)] = page
    b = _bucket(page)
    first = h[b]
    s[w] = first  # n->next = first
    if first != _0:
        s[(first >> _3) + _1] = obj  # first->pprev = &n->next
    h[b] = obj
    s[w + _1] = b + _1  # n->pprev = &h->first (bucket id + 1: non-NULL)
    h[_COUNT] += _1


@njit(nogil=True, cache=True, _nrt=False)
def objhash_extract(s, h, last_obj, no_match):
    # objhash_extract: remove the head object of the first non-empty bucket from
    # last_obj's bucket (no_match: the next bucket) onward
    b = _0
    last_page = _0
    if last_obj != _0:
        last_page = s[(last_obj >> _3) + np.uint64(2)]
        b = _bucket(last_page)
    if no_match:
        b = (b + _1) % np.uint64(HASHSZ)
    if h[_COUNT] < np.uint64(2):
        h[_W_TOO_MANY] += _1
        return _0
    skipped = 0
    while h[b] == _0:
        b = (b + _1) % np.uint64(HASHSZ)
        skipped += 1
    obj = h[b]
    nxt = s[obj >> _3]
    h[b] = nxt  # hlist_del
    if nxt != _0:
        s[(nxt >> _3) + _1] = b + _1
    h[_COUNT] -= _1
    if no_match and s[(obj >> _3) + np.uint64(2)] == last_page:
        h[_W_SAME_PAGE] += _1
    if skipped >= 8:
        h[_W_SKIPPED] += _1
    return obj


@njit(nogil=True, cache=True, _nrt=False)
def objhash_prefill(kc, s, h, n, allocator, check):
    # module init: prefill with n objects, one kmem_cache_alloc each (not timed)
    for _ in range(n):
        obj = kmem_alloc(allocator, check, kc, s, 0)
        if obj == _0:
            return False
        objhash_add_one(s, h, obj)
    return True


@njit(inline="always", nogil=True)
def _refill_array(s, h, objs, bulk, modulo):
    # add the new objects, then pick array entries from (mostly) different pages
    for j in range(bulk):
        objhash_add_one(s, h, objs[j])
    barrier()
    last_obj = h[_LAST_OBJ]
    for j in range(bulk):
        if j % modulo == 0:
            obj = objhash_extract(s, h, objs[0], False)
        else:
            obj = objhash_extract(s, h, last_obj, True)
        if obj == _0:
            h[_LAST_OBJ] = last_obj
            return False
        objs[j] = obj
        last_obj = obj
    h[_LAST_OBJ] = last_obj
    return True


@njit(inline="always", nogil=True)
def _bulk_test_loop(allocator, check, kc, s, h, objs, iterations, bulk, modulo, variant, window):
    # the timed loop of slab_bulk_test03 (bulk API ``variant`` or the fallback)
    cnt = 0
    time_bench_start(window)
    for _ in range(iterations):
        if kmem_alloc_bulk(allocator, check, kc, s, 0, bulk, objs, variant) == _0:
            break
        if not _refill_array(s, h, objs, bulk, modulo):
            break
        kmem_free_bulk(allocator, check, kc, s, 0, bulk, objs, variant)
        cnt += bulk
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def bulk_test_loop(kc, s, h, objs, iterations, bulk, modulo, variant, window):
    return _bulk_test_loop(SLUB, False, kc, s, h, objs, iterations, bulk, modulo, variant, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_test_loop_checked(kc, s, h, objs, iterations, bulk, modulo, variant, window):
    return _bulk_test_loop(SLUB, True, kc, s, h, objs, iterations, bulk, modulo, variant, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_test_loop_slab(kc, s, h, objs, iterations, bulk, modulo, variant, window):
    return _bulk_test_loop(SLAB, False, kc, s, h, objs, iterations, bulk, modulo, variant, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_test_loop_slab_checked(kc, s, h, objs, iterations, bulk, modulo, variant, window):
    return _bulk_test_loop(SLAB, True, kc, s, h, objs, iterations, bulk, modulo, variant, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_test_loop_sheaves(kc, s, h, objs, iterations, bulk, modulo, variant, window):
    return _bulk_test_loop(
        SHEAVES, False, kc, s, h, objs, iterations, bulk, modulo, variant, window
    )


@njit(nogil=True, cache=True, _nrt=False)
def bulk_test_loop_sheaves_checked(kc, s, h, objs, iterations, bulk, modulo, variant, window):
    return _bulk_test_loop(SHEAVES, True, kc, s, h, objs, iterations, bulk, modulo, variant, window)


@njit(nogil=True, cache=True, _nrt=False)
def bulk_test_loop_sheaves_618(kc, s, h, objs, iterations, bulk, modulo, variant, window):
    return _bulk_test_loop(
        SHEAVES_618, False, kc, s, h, objs, iterations, bulk, modulo, variant, window
    )


@njit(nogil=True, cache=True, _nrt=False)
def bulk_test_loop_sheaves_618_checked(kc, s, h, objs, iterations, bulk, modulo, variant, window):
    return _bulk_test_loop(
        SHEAVES_618, True, kc, s, h, objs, iterations, bulk, modulo, variant, window
    )


KERNELS = {
    ("slub", False): bulk_test_loop,
    ("slub", True): bulk_test_loop_checked,
    ("slab", False): bulk_test_loop_slab,
    ("slab", True): bulk_test_loop_slab_checked,
    ("sheaves", False): bulk_test_loop_sheaves,
    ("sheaves", True): bulk_test_loop_sheaves_checked,
    ("sheaves-6.18", False): bulk_test_loop_sheaves_618,
    ("sheaves-6.18", True): bulk_test_loop_sheaves_618_checked,
}


def _warnings(h: np.ndarray) -> dict[str, int]:
    return {
        "request too many objects": int(h[_W_TOO_MANY]),
        "return same page": int(h[_W_SAME_PAGE]),
        "search skipped many buckets": int(h[_W_SKIPPED]),
    }


class Test03Module:
    """One "module load": the global cache, the prefilled objhash, GLOBAL_OBJS."""

    def __init__(self, cfg: BulkConfig, allocator: str, bulk: int, block: str) -> None:
        self.cfg = cfg
        self.allocator = allocator
        self.block = block
        self.bulk = bulk
        self.cache: Cache | None = None
        self.timed, self.replayed = flavors(cfg, False, allocator)
        self.h = np.zeros(OBJHASH_WORDS, dtype=np.uint64)
        self.objs = np.zeros(ARRAY_MAX, dtype=np.uint64)

    def ensure(self) -> Cache:
        if self.cache is None:
            # enough slabs for the prefill, the in-flight bulk and partial slabs
            max_slabs = max(1024, 4 * (PREFILL + self.bulk) // 16)
            cache = make_cache(self.cfg, self.allocator, "slab_bulk_test03", max_slabs)
            aid = ALLOCATOR_IDS[self.allocator]
            if not objhash_prefill(self.timed, cache.s, self.h, PREFILL, aid, self.cfg.check):
                raise BenchAbort(f"{MODULE}: prefill failed (out of slabs)")
            cache.raise_if_error()
            self.cache = cache
        return self.cache

    def warnings(self) -> dict[str, int]:
        return _warnings(self.h)

    def case(
        self, name: str, variant: str, modulo: int, iterations: int, scenario: str, notes: list[str]
    ) -> Case:
        vid = variant_id(variant)
        kernel = KERNELS[(self.allocator, self.cfg.check)]
        bulk = self.bulk
        last: dict[str, Any] = {}

        pending: list[tuple[Cache, replay.Pending]] = []

        def body(kc: Flavor, a: list[np.ndarray], window: np.ndarray) -> int:
            return int(kernel(kc, a[0], a[1], a[2], iterations, bulk, modulo, vid, window))

        def run() -> Record:
            cache = self.ensure()
            cache.reset_counters()
            self.h[_W_TOO_MANY : _W_SKIPPED + 1] = 0
            window = new_window()
            arrays = [cache.s, self.h, self.objs]
            pending.clear()
            if self.replayed is None:
                cnt = body(self.timed, arrays, window)
                cache.raise_if_error()
                last.clear()
                last.update(cache.counters())
                last["objhash_warnings"] = self.warnings()
            else:
                start = replay.start(cache.machine, arrays)
                cnt = body(self.timed, arrays, window)
                pending.append((cache, replay.finish(cache.machine, start, arrays)))
                cache.raise_if_error()
            if cnt <= 0:
                raise BenchAbort()
            return window_record(window, loops=iterations, step=bulk)

        def compile_kernel(counting: bool) -> None:
            # the loop with no iterations on a cache of its own: compiles, times nothing
            flavor = self.replayed if counting else self.timed
            if flavor is None:
                return
            cache = make_cache(self.cfg, self.allocator, "slab_bulk_test03", 64)
            h = np.zeros(OBJHASH_WORDS, dtype=np.uint64)
            objs = np.zeros(ARRAY_MAX, dtype=np.uint64)
            kernel(flavor, cache.s, h, objs, 0, bulk, modulo, vid, new_window())
            cache.destroy()

        def counters() -> dict[str, Any]:
            if pending:
                cache, p = pending.pop()
                flavor = self.replayed
                assert flavor is not None
                arrays = replay.replay(p, lambda a: body(flavor, a, new_window()))
                view = cache_view(cache, arrays[0])
                view.raise_if_error()
                last.clear()
                last.update(view.counters())
                last["objhash_warnings"] = _warnings(arrays[1])
            return dict(last)

        return Case(
            name=name,
            loops=iterations,
            step=bulk,
            run=run,
            counters=counters,
            compile=compile_kernel,
            params={
                "variant": variant,
                "block": self.block,
                "scenario": scenario,
                **cache_params(self.cfg, self.allocator),
            },
            group=MODULE,
            expected_invoked=iterations * bulk,
            notes=notes,
        )


def build_cases(cfg: BulkConfig) -> list[Case]:
    loops = cfg.loops
    cases: list[Case] = []
    for bulk in cfg.sizes:
        iterations = loops // bulk
        scenarios: list[tuple[str, str, int, list[str]]] = [
            (WORSE_CASE, WORSE_CASE, MODULO_DISABLED, [])
        ]
        for n in (*NMATCH, bulk + 1):
            scenarios.append(
                (N_PAGE_MATCH, f"N={n}", n, [f"{MODULE}: Every N:{n} page will be a match"])
            )
        for allocator, variant in itertools.product(cfg.allocator, cfg.compare):
            module = Test03Module(cfg, allocator, bulk, variant)
            allocator_first = variant == cfg.compare[0]
            first = True
            for base, scenario, modulo, notes in scenarios:
                head = []
                if first:
                    head = (module_notes(cfg, MODULE, allocator) if allocator_first else []) + [
                        variant_note(MODULE, variant),
                        f"{MODULE}: Prefill with {PREFILL} objects",
                        f"{MODULE}: NOTICE: Measurements include calls to jhash()",
                        f"{MODULE}: Bench bulk size:{bulk}",
                    ]
                    first = allocator_first = False
                if variant != "fallback":
                    cases.append(
                        module.case(
                            f"{base}-bulk", variant, modulo, iterations, scenario, head + notes
                        )
                    )
                    head, notes = [], []
                cases.append(
                    module.case(
                        f"{base}-fallback", "fallback", modulo, iterations, scenario, head + notes
                    )
                )
    return cases
