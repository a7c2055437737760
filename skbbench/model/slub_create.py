"""SLUB cache creation and the Python view of a cache (kmem_cache_create, SlubCache).

Geometry as v4.4 computes it (calculate_sizes, calculate_order, set_min_partial, the
cpu_partial defaults), the state array laid out (skbbench.model.slub_layout), and Python
conveniences over the jitted entry points that raise ModelError on a violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from skbbench.errors import ModelError, ModelParameterError
from skbbench.model import bulk
from skbbench.model.costs import CostProfile, get_profile
from skbbench.model.costs import cost_iters as iters_of
from skbbench.model.machine import MH_ZONE, Machine
from skbbench.model.mm_types import GFP_COMP, PAGE_RECORD_WORDS, PAGE_SIZE
from skbbench.model.page_alloc_create import (
    DEFAULT_BATCH_ZONE_PAGES,
    new_machine,
    page_alloc_words,
    zone_batchsize,
)
from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator
from skbbench.model.slub import discard_empty_partials, flush_all, kmem_cache_alloc, kmem_cache_free
from skbbench.model.slub_debug import (
    kmem_cache_alloc_checked,
    kmem_cache_free_checked,
    validate_slab_cache,
)
from skbbench.model.slub_layout import (
    C_FREELIST,
    C_TID,
    CACHE_LINE,
    CMPXCHG_DOUBLE_FLAG,
    CPU_WORDS,
    CSS_MEM,
    CSS_NO_REF,
    CSS_ONLINE,
    ERR_DOUBLE_FREE,
    ERR_FOREIGN,
    ERR_HANDED_TWICE,
    ERR_NONE,
    FA_IGNORE_GFP_WAIT,
    GFP_ALLOWED_MASK,
    H_ALLOCFLAGS,
    H_CACHE_ID,
    H_CHECK,
    H_CPU_BASE,
    H_CPU_PARTIAL,
    H_ERR,
    H_ERR_AUX,
    H_ERR_CPU,
    H_ERR_OBJ,
    H_ERR_OP,
    H_FLAGS,
    H_GFP_ALLOWED,
    H_HIST_BASE,
    H_HIST_STRIDE,
    H_KCTX_BASE,
    H_MAGIC,
    H_MARK_BASE,
    H_MIN_OBJECTS,
    H_MIN_ORDER,
    H_MIN_PARTIAL,
    H_NODE_BASE,
    H_OBJECT_SIZE,
    H_OBJECTS,
    H_OFFSET,
    H_ORDER,
    H_RED_BASE,
    H_SIZE,
    H_STAT_BASE,
    H_TID_STEP,
    INVARIANTS,
    KC_CURRENT,
    KCTX_CPU_WORDS,
    KCTX_TAIL_WORDS,
    MAGIC,
    MAX_OBJECT_SIZE,
    MAX_OBJS_PER_PAGE,
    MAX_ORDER,
    MAX_PARTIAL,
    MEMCG_CSS_FLAGS,
    MEMCG_IS_ROOT_CACHE,
    MEMCG_KMEMCG_ID,
    MIN_PARTIAL,
    MM_OWNER,
    MODEL_EVENTS,
    N_NR_PARTIAL,
    N_NR_SLABS,
    NODE_WORDS,
    OP_NAMES,
    PG_COMPOUND_HEAD,
    PG_COUNTERS,
    PG_FLAG_SLAB,
    PG_FLAGS,
    SLAB_HWCACHE_ALIGN,
    SLUB_MAX_ORDER,
    STAT_ITEMS,
    STAT_STRIDE,
    T_CGROUPS,
    T_MM,
)

# --------------------------------------------------------------------------------------
# Python side: kmem_cache_create and the cache object


def fls(x: int) -> int:
    """fls: 1-based index of the most significant set bit (0 for 0)."""
    return x.bit_length()


def get_order(size: int) -> int:
    """get_order: smallest order with PAGE_SIZE << order >= size."""
    order = 0
    while (PAGE_SIZE << order) < size:
        order += 1
    return order


def order_objects(order: int, size: int, reserved: int = 0) -> int:
    """order_objects: objects of ``size`` in a slab of ``order``."""
    return ((PAGE_SIZE << order) - reserved) // size


def slab_order(
    size: int,
    min_objects: int,
    max_order: int,
    fract_leftover: int,
    reserved: int = 0,
    min_order: int = 0,
) -> int:
    """slab_order (v4.4): first order whose leftover is at most 1/fract_leftover."""
    if order_objects(min_order, size, reserved) > MAX_OBJS_PER_PAGE:
        return get_order(size * MAX_OBJS_PER_PAGE) - 1
    order = max(min_order, get_order(min_objects * size + reserved))
    while order <= max_order:
        slab_size = PAGE_SIZE << order
        rem = (slab_size - reserved) % size
        if rem <= slab_size // fract_leftover:
            break
        order += 1
    return order


def calculate_order(
    size: int, nr_cpu_ids: int, reserved: int = 0, slub_min_objects: int = 0
) -> int:
    """calculate_order (v4.4) for ``nr_cpu_ids`` CPUs; ``slub_min_objects`` is the boot
    parameter (0: unset, 4 * (fls(nr_cpu_ids) + 1))."""
    min_objects = slub_min_objects or 4 * (fls(nr_cpu_ids) + 1)
    max_objects = order_objects(SLUB_MAX_ORDER, size, reserved)
    min_objects = min(min_objects, max_objects)
    while min_objects > 1:
        fraction = 16
        while fraction >= 4:
            order = slab_order(size, min_objects, SLUB_MAX_ORDER, fraction, reserved)
            if order <= SLUB_MAX_ORDER:
                return order
            fraction //= 2
        min_objects -= 1
    order = slab_order(size, 1, SLUB_MAX_ORDER, 1, reserved)
    if order <= SLUB_MAX_ORDER:
        return order
    order = slab_order(size, 1, MAX_ORDER, 1, reserved)
    if order < MAX_ORDER:
        return order
    raise ModelParameterError(f"object size {size}: no slab order fits it")


def calculate_size(object_size: int, hwcache_align: bool = True) -> int:
    """calculate_sizes + calculate_alignment: the object stride ``s->size``.

    SLAB_HWCACHE_ALIGN (what the benchmark caches use) aligns to the cache line, or to
    the largest power of two >= the object when the object is at most half a line.
    """
    size = (object_size + 7) & ~7  # ALIGN(size, sizeof(void *))
    align = 8
    if hwcache_align:
        ralign = CACHE_LINE
        while size <= ralign // 2:
            ralign //= 2
        align = max(align, ralign)
    return (size + align - 1) & ~(align - 1)


def set_min_partial(size: int, value: int | None = None) -> int:
    """set_min_partial(s, ilog2(s->size) / 2), or of ``value`` (sysfs min_partial_store
    calls it too): clamped to [MIN_PARTIAL, MAX_PARTIAL]."""
    want = (size.bit_length() - 1) // 2 if value is None else value
    return min(MAX_PARTIAL, max(MIN_PARTIAL, want))


def set_cpu_partial(size: int) -> int:
    """The v4.4 cpu_partial default for a cache of stride ``size``."""
    if size >= PAGE_SIZE:
        return 2
    if size >= 1024:
        return 6
    if size >= 256:
        return 13
    return 30


def _round8(n: int) -> int:
    return (n + 7) // 8 * 8


@dataclass
class SlubCache:
    """One kmem_cache: the numpy state ``s`` plus its parameters (see the module doc)."""

    s: np.ndarray
    machine: Machine
    name: str
    object_size: int
    size: int
    order: int
    objects: int
    min_partial: int
    cpu_partial: int
    nr_cpus: int
    max_slabs: int
    profile: CostProfile
    check: bool

    # ---- parameters -------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "object_size": self.object_size,
            "size": self.size,
            "order": self.order,
            "objects_per_slab": self.objects,
            "min_partial": self.min_partial,
            "cpu_partial": self.cpu_partial,
            "nr_cpus": self.nr_cpus,
            "max_slabs": self.max_slabs,
            "profile": self.profile.name,
            "check": self.check,
        }

    def _cpu(self, cpu: int) -> int:
        if not 0 <= cpu < self.nr_cpus:
            raise ModelParameterError(
                f"cpu {cpu}: the cache has simulated CPUs 0..{self.nr_cpus - 1}"
            )
        return cpu

    # ---- operations (Python conveniences over the @njit entry points) ------------------

    def alloc(self, cpu: int = 0) -> int:
        """kmem_cache_alloc on ``cpu``; 0 (NULL) when the page allocator is exhausted."""
        fn = kmem_cache_alloc_checked if self.check else kmem_cache_alloc
        obj = int(fn(self.s, self._cpu(cpu)))
        self.raise_if_error()
        return obj

    def free(self, cpu: int, obj: int) -> None:
        """kmem_cache_free on ``cpu``."""
        fn = kmem_cache_free_checked if self.check else kmem_cache_free
        fn(self.s, self._cpu(cpu), np.uint64(obj))
        self.raise_if_error()

    def alloc_bulk(self, cpu: int, n: int, variant: str = "after") -> np.ndarray:
        """kmem_cache_alloc_bulk: an array of ``n`` objects (empty if it failed)."""

        p = np.zeros(max(n, 1), dtype=np.uint64)
        fn = bulk.kmem_cache_alloc_bulk_checked if self.check else bulk.kmem_cache_alloc_bulk
        got = int(fn(self.s, self._cpu(cpu), n, p, bulk.variant_id(variant)))
        self.raise_if_error()
        return p[:got].copy()

    def free_bulk(self, cpu: int, objs: Any, variant: str = "after") -> None:
        """kmem_cache_free_bulk of ``objs`` (a copy is passed: the caller's stays intact)."""

        p = np.array(objs, dtype=np.uint64)
        if len(p):
            fn = bulk.kmem_cache_free_bulk_checked if self.check else bulk.kmem_cache_free_bulk
            fn(self.s, self._cpu(cpu), len(p), p, bulk.variant_id(variant))
        self.raise_if_error()

    def flush_all(self) -> None:
        flush_all(self.s)
        if self.check:
            self.validate()

    def validate(self) -> None:
        """Run the full invariant check now (needs a cache created with check=True)."""
        red = int(self.s[H_RED_BASE])
        if not self.check or red == 0:
            raise ModelParameterError("validate() needs a cache created with check=True")
        validate_slab_cache(self.s, 6)
        self.raise_if_error()
        check_page_allocator(self.machine)

    def destroy(self) -> None:
        """kmem_cache_destroy: flush, then every slab must be empty ("Objects remaining")."""
        self.flush_all()
        discard_empty_partials(self.s)
        left = self.nr_slabs()
        if left:
            raise ModelError(
                f"SLUB {self.name}: kmem_cache_destroy: objects remaining in {left} slab(s)"
            )

    # ---- state and counters --------------------------------------------------------------

    def error(self) -> str | None:
        """The first recorded violation as one line, or None."""
        s = self.s
        code = int(s[H_ERR])
        if code == ERR_NONE:
            return None
        obj, cpu, aux, op = (
            int(s[H_ERR_OBJ]),
            int(s[H_ERR_CPU]),
            int(s[H_ERR_AUX]),
            int(s[H_ERR_OP]),
        )
        where = f"SLUB {self.name}: {OP_NAMES.get(op, 'operation')} on cpu {cpu}"
        if code == ERR_DOUBLE_FREE:
            return f"{where}: double free of object 0x{obj:x} (object already free)"
        if code == ERR_FOREIGN:
            return f"{where}: invalid object pointer 0x{obj:x} (not an object of this cache)"
        if code == ERR_HANDED_TWICE:
            return f"{where}: object 0x{obj:x} handed out twice"
        return f"{where}: {INVARIANTS.get(aux, 'invariant violated')} (at 0x{obj:x})"

    def raise_if_error(self) -> None:
        msg = self.error()
        if msg is not None:
            raise ModelError(msg)
        PageAllocator(self.machine).raise_if_error()

    def stats(self, cpu: int | None = None) -> dict[str, int]:
        """SLUB stat_item counters (summed over CPUs, or of one CPU) by kernel name."""
        block = self._stat_block()
        row = block.sum(axis=0) if cpu is None else block[self._cpu(cpu)]
        return {name: int(row[i]) for i, name in enumerate(STAT_ITEMS)}

    def events(self, cpu: int | None = None) -> dict[str, int]:
        """Model events: primitives executed (cmpxchg, list_lock) or charged (irq)."""
        block = self._stat_block()
        row = block.sum(axis=0) if cpu is None else block[self._cpu(cpu)]
        return {name: int(row[len(STAT_ITEMS) + i]) for i, name in enumerate(MODEL_EVENTS)}

    def slab_free_histogram(self) -> dict[int, int]:
        """Objects per __slab_free call -> number of calls (all CPUs)."""
        base = int(self.s[H_HIST_BASE])
        stride = int(self.s[H_HIST_STRIDE])
        block = self.s[base : base + stride * self.nr_cpus].reshape(self.nr_cpus, stride)
        row = block.sum(axis=0)
        return {i: int(row[i]) for i in range(stride) if row[i]}

    def _stat_block(self) -> np.ndarray:
        base = int(self.s[H_STAT_BASE])
        return self.s[base : base + STAT_STRIDE * self.nr_cpus].reshape(self.nr_cpus, STAT_STRIDE)

    def reset_counters(self) -> None:
        """Zero stats, events and the histogram (e.g. after a warm-up)."""
        self._stat_block()[:] = 0
        base = int(self.s[H_HIST_BASE])
        self.s[base : base + int(self.s[H_HIST_STRIDE]) * self.nr_cpus] = 0

    def live_objects(self) -> int:
        """Objects handed out, from the model's own state: the inuse of every slab
        minus the objects sitting on cpu freelists (which inuse counts as in use)."""
        s = self.s
        total = 0
        for pfn in self.slab_pages():
            total += int(s[self.machine.record(pfn) + PG_COUNTERS]) & 0xFFFF
        for cpu in range(self.nr_cpus):
            obj = int(s[int(s[H_CPU_BASE]) + cpu * CPU_WORDS + C_FREELIST])
            while obj:
                total -= 1
                obj = int(s[(obj + int(s[H_OFFSET])) >> 3])
        return total

    def slab_pages(self) -> list[int]:
        """Head pfns of this cache's slabs, found by scanning the arena's struct pages."""
        m = self.machine
        recs = m.s[m.record(m.arena_start_pfn) :][: m.arena_pfns * PAGE_RECORD_WORDS]
        recs = recs.reshape(-1, PAGE_RECORD_WORDS)
        flags = recs[:, PG_FLAGS]
        mine = (flags & np.uint64(PG_FLAG_SLAB)) != 0
        mine &= (flags >> np.uint64(8)) & np.uint64(0xFFFFFF) == np.uint64(int(self.s[H_CACHE_ID]))
        mine &= (recs[:, PG_COMPOUND_HEAD] & np.uint64(1)) == 0
        return [m.arena_start_pfn + int(i) for i in np.flatnonzero(mine)]

    def nr_slabs(self) -> int:
        return int(self.s[int(self.s[H_NODE_BASE]) + N_NR_SLABS])

    def nr_partial(self) -> int:
        return int(self.s[int(self.s[H_NODE_BASE]) + N_NR_PARTIAL])

    def counters(self) -> dict[str, Any]:
        """Everything reported with a result: stats, model events, the __slab_free
        histogram (objects per call -> calls) and the slab counts."""
        hist = self.slab_free_histogram()
        calls = sum(hist.values())
        objs = sum(k * v for k, v in hist.items())
        return {
            "slub_stats": self.stats(),
            "model_events": self.events(),
            "slab_free_objects_per_call": {str(k): v for k, v in sorted(hist.items())},
            "slab_free_avg_objects": round(objs / calls, 3) if calls else 0.0,
            "nr_slabs": self.nr_slabs(),
            "nr_partial": self.nr_partial(),
            "cache": {k: v for k, v in self.params().items() if k != "name"},
        }


def _init_kernel_context(s: np.ndarray, kctx: int, nr_cpus: int) -> None:
    """What the hooks read: every CPU runs the benchmark's task (insmod from a root
    shell: an mm, not a kthread, in the root memory cgroup: CSS_NO_REF, no kmemcg_id);
    failslab's probability is 0 and ignore_gfp_wait its default 1."""
    task = kctx + nr_cpus * KCTX_CPU_WORDS
    mm, css_set, memcg, fault_attr = task + 8, task + 16, task + 24, task + 32
    for cpu in range(nr_cpus):
        s[kctx + cpu * KCTX_CPU_WORDS + KC_CURRENT] = task
    s[task + T_MM] = mm
    s[task + T_CGROUPS] = css_set
    s[mm + MM_OWNER] = task
    s[css_set + CSS_MEM] = memcg
    s[memcg + MEMCG_CSS_FLAGS] = CSS_NO_REF | CSS_ONLINE
    s[memcg + MEMCG_KMEMCG_ID] = (1 << 64) - 1  # -1
    s[memcg + MEMCG_IS_ROOT_CACHE] = 1
    s[fault_attr + FA_IGNORE_GFP_WAIT] = 1


def pcp_batch_default() -> int:
    """The pcp batch of the default zone size (31)."""
    return zone_batchsize(DEFAULT_BATCH_ZONE_PAGES)


def slub_meta_words(nr_cpus: int, objects: int, arena_pfns: int, size: int, check: bool) -> int:
    """Meta-area words kmem_cache_create reserves in a machine (with alignment slack)."""
    words = nr_cpus * CPU_WORDS + NODE_WORDS + nr_cpus * STAT_STRIDE
    words += nr_cpus * KCTX_CPU_WORDS + KCTX_TAIL_WORDS
    words += nr_cpus * _round8(objects + 1)
    if check:
        words += _round8((arena_pfns * PAGE_SIZE // size + 1) * 2) + _round8(arena_pfns)
    return words + 6 * 8


def kmem_cache_create(
    object_size: int = 256,
    nr_cpus: int | None = None,
    profile: str | CostProfile = "published",
    check: bool = False,
    max_slabs: int = 256,
    name: str = "slab_bench",
    hwcache_align: bool = True,
    cpu_partial: int | None = None,
    min_partial: int | None = None,
    machine: Machine | None = None,
    order: int | None = None,
    min_objects: int | None = None,
) -> SlubCache:
    """kmem_cache_create (SLAB_HWCACHE_ALIGN, no ctor) for ``nr_cpus`` simulated CPUs.

    The cache lives in ``machine`` (its header in words 0..47, its per-CPU records, node,
    counters and debug region reserved in the meta area, its slabs from the machine's
    page allocator; nr_cpus and the kernel-only costs are the machine's). Without one, a
    machine of ``max_slabs`` slabs' worth of pages (``nr_cpus`` CPUs, default 8, costs of
    ``profile``) is created for it. ``cpu_partial`` / ``min_partial`` / ``order`` set
    what /sys/kernel/slab/<cache>/{cpu_partial,min_partial,order} would (min_partial
    clamped to 5..10 by set_min_partial, order within 0..slub_max_order = 3 else
    EINVAL); ``min_objects`` is the slub_min_objects boot parameter.
    """
    if not isinstance(object_size, int) or object_size < 8:
        raise ModelParameterError(f"object size {object_size}: must be at least 8 bytes")
    if object_size > MAX_OBJECT_SIZE:
        raise ModelParameterError(
            f"object size {object_size}: larger than an order-{SLUB_MAX_ORDER} slab "
            f"({MAX_OBJECT_SIZE} bytes)"
        )
    if machine is not None:
        if nr_cpus is not None and nr_cpus != machine.nr_cpus:
            raise ModelParameterError(
                f"cpus {nr_cpus}: the machine has {machine.nr_cpus} simulated CPUs"
            )
        nr_cpus = machine.nr_cpus
    elif nr_cpus is None:
        nr_cpus = 8
    if not isinstance(nr_cpus, int) or not 1 <= nr_cpus <= 4096:
        raise ModelParameterError(f"cpus {nr_cpus}: the model supports 1..4096 simulated CPUs")
    if max_slabs < 1:
        raise ModelParameterError(f"max_slabs {max_slabs}: must be at least 1")
    prof = get_profile(profile)
    size = calculate_size(object_size, hwcache_align)
    if min_objects is not None and min_objects < 1:
        raise ModelParameterError(f"min_objects {min_objects}: must be at least 1")
    if order is None:
        order = calculate_order(size, nr_cpus, slub_min_objects=min_objects or 0)
    elif not 0 <= order <= SLUB_MAX_ORDER or (PAGE_SIZE << order) < size:
        # order_store: order > slub_max_order || order < slub_min_order -> -EINVAL
        raise ModelParameterError(
            f"order {order}: must be 0..{SLUB_MAX_ORDER} (slub_max_order) and hold an object"
        )
    objects = order_objects(order, size)
    if objects > MAX_OBJS_PER_PAGE or objects < 1:
        raise ModelParameterError(f"object size {object_size}: {objects} objects per slab")
    min_order = get_order(size)  # s->min = oo_make(get_order(size), size)
    min_objs = order_objects(min_order, size)
    if min(min_partial or 0, cpu_partial or 0) < 0:
        raise ModelParameterError("cpu_partial and min_partial must be >= 0 (kstrtoul)")
    minp = set_min_partial(size, min_partial)
    cpup = set_cpu_partial(size) if cpu_partial is None else int(cpu_partial)

    if machine is None:
        # max_slabs slabs; an order-0 cache also gets one pcp batch of pages more: pages
        # parked on a pcp list do not count as free for the watermark check, so without
        # them the last refill of the pcp list could strand up to batch - 1 pages
        nr_pages = (max_slabs << order) + (0 if order else pcp_batch_default())
        machine = new_machine(
            nr_pages,
            nr_cpus,
            costs=iters_of(prof),
            meta_words=slub_meta_words(nr_cpus, objects, nr_pages, size, check)
            + page_alloc_words(nr_cpus),
            arena_align_order=SLUB_MAX_ORDER,
        )
    s = machine.s
    if int(s[H_MAGIC]) != 0:
        raise ModelParameterError("this machine already has a slab allocator (one per machine)")
    if int(s[MH_ZONE]) == 0:
        raise ModelParameterError("the machine has no page allocator (page_alloc_create)")
    cpu_base = machine.reserve(nr_cpus * CPU_WORDS)
    node_base = machine.reserve(NODE_WORDS)
    stat_base = machine.reserve(nr_cpus * STAT_STRIDE, counters=True)
    hist_stride = _round8(objects + 1)
    hist_base = machine.reserve(nr_cpus * hist_stride, counters=True)
    kctx = machine.reserve(nr_cpus * KCTX_CPU_WORDS + KCTX_TAIL_WORDS)
    red_base = mark_base = 0
    if check:
        red_base = machine.reserve((machine.arena_pfns * PAGE_SIZE // size + 1) * 2)
        mark_base = machine.reserve(machine.arena_pfns)

    s[H_MAGIC] = MAGIC
    s[H_CPU_BASE] = cpu_base
    s[H_STAT_BASE] = stat_base
    s[H_OFFSET] = 0  # free pointer at the start of the object (no ctor, no RCU, no poison)
    s[H_SIZE] = size
    s[H_OBJECTS] = objects
    s[H_CHECK] = 1 if check else 0
    s[H_MIN_ORDER] = min_order
    s[H_MIN_OBJECTS] = min_objs
    s[H_ALLOCFLAGS] = GFP_COMP if order else 0  # s->allocflags |= __GFP_COMP
    s[H_TID_STEP] = 1  # TID_STEP without CONFIG_PREEMPT
    s[H_MIN_PARTIAL] = minp
    s[H_CPU_PARTIAL] = cpup
    s[H_ORDER] = order
    s[H_OBJECT_SIZE] = object_size
    s[H_NODE_BASE] = node_base
    s[H_HIST_BASE] = hist_base
    s[H_HIST_STRIDE] = hist_stride
    s[H_RED_BASE] = red_base
    s[H_MARK_BASE] = mark_base
    s[H_CACHE_ID] = 0x5AB  # page->slab_cache of this cache's slabs
    s[H_FLAGS] = SLAB_HWCACHE_ALIGN | CMPXCHG_DOUBLE_FLAG
    s[H_GFP_ALLOWED] = GFP_ALLOWED_MASK
    s[H_KCTX_BASE] = kctx
    _init_kernel_context(s, kctx, nr_cpus)
    for cpu in range(nr_cpus):
        s[cpu_base + cpu * CPU_WORDS + C_TID] = cpu  # init_tid(cpu)
    return SlubCache(
        s=s,
        machine=machine,
        name=name,
        object_size=object_size,
        size=size,
        order=order,
        objects=objects,
        min_partial=minp,
        cpu_partial=cpup,
        nr_cpus=nr_cpus,
        max_slabs=max_slabs,
        profile=prof,
        check=bool(check),
    )
