"""kmem_cache_create / kmem_cache_destroy for the SLAB model, and the Python cache object.

Sizes the cache as v4.6 ``__kmem_cache_create`` + ``enable_cpucache`` do
(:mod:`skbbench.model.slab_layout`), builds the machine (:mod:`skbbench.model.machine`)
with the page allocator, per-CPU array caches, nodes, shared and alien arrays, and
wraps the jitted entry points of :mod:`skbbench.model.slab` in :class:`SlabCache`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from skbbench.errors import ModelError, ModelParameterError
from skbbench.model import slab_layout as L
from skbbench.model.costs import CostProfile, cost_iters, get_profile
from skbbench.model.machine import MH_ZONE, Machine
from skbbench.model.mm_types import MAX_ORDER, PAGE_SHIFT, PAGE_SIZE
from skbbench.model.page_alloc_create import (
    DEFAULT_BATCH_ZONE_PAGES,
    new_machine,
    page_alloc_words,
    pageset_high_batch,
    zone_batchsize,
)
from skbbench.model.page_alloc_view import PageAllocator

CACHE_ID = 0x5AB  # page->slab_cache of the machine's one cache


def variant_id(name: str | int) -> int:
    """Bulk variant number from its name (fallback, before, after, kfree_bulk)."""
    from skbbench.model.slab import VARIANTS

    if isinstance(name, int) and name in VARIANTS.values():
        return name
    try:
        return VARIANTS[str(name)]
    except KeyError:
        raise ModelParameterError(
            f"unknown bulk variant '{name}' (choose from {', '.join(VARIANTS)})"
        ) from None


@dataclass
class SlabCache:
    """One SLAB kmem_cache on its own machine: the array ``s`` plus its parameters."""

    machine: Machine
    name: str
    object_size: int
    size: int
    gfporder: int
    num: int
    objfreelist: bool
    colour: int
    limit: int
    batchcount: int
    shared: int
    nr_cpus: int
    nr_nodes: int
    free_limits: tuple[int, ...]
    max_slabs: int
    profile: CostProfile
    check: bool

    @property
    def s(self) -> np.ndarray:
        return self.machine.s

    @property
    def pages(self) -> PageAllocator:
        """The machine's page allocator (where the slabs come from)."""
        return PageAllocator(self.machine)

    def params(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "object_size": self.object_size,
            "size": self.size,
            "gfporder": self.gfporder,
            "objects_per_slab": self.num,
            "slab_management": "objfreelist" if self.objfreelist else "on-slab",
            "colour": self.colour,
            "limit": self.limit,
            "batchcount": self.batchcount,
            "shared": self.shared,
            "free_limit": list(self.free_limits),
            "nr_cpus": self.nr_cpus,
            "nr_nodes": self.nr_nodes,
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

    def node_of(self, cpu: int) -> int:
        """The node of simulated CPU ``cpu`` (contiguous blocks of CPUs per node)."""
        return L.cpu_to_node(self._cpu(cpu), self.nr_cpus, self.nr_nodes)

    # ---- operations (Python conveniences over the @njit entry points) ------------------

    def alloc(self, cpu: int = 0) -> int:
        """kmem_cache_alloc on ``cpu``; 0 (NULL) when the page allocator is exhausted."""
        from skbbench.model import slab, slab_debug

        fn = slab_debug.kmem_cache_alloc_checked if self.check else slab.kmem_cache_alloc
        obj = int(fn(self.s, self._cpu(cpu)))
        self.raise_if_error()
        return obj

    def free(self, cpu: int, obj: int) -> None:
        """kmem_cache_free on ``cpu``."""
        from skbbench.model import slab, slab_debug

        fn = slab_debug.kmem_cache_free_checked if self.check else slab.kmem_cache_free
        fn(self.s, self._cpu(cpu), np.uint64(obj))
        self.raise_if_error()

    def alloc_bulk(self, cpu: int, n: int, variant: str = "after") -> np.ndarray:
        """kmem_cache_alloc_bulk: an array of ``n`` objects (empty if it failed)."""
        from skbbench.model import slab, slab_debug

        p = np.zeros(max(n, 1), dtype=np.uint64)
        fn = slab_debug.kmem_cache_alloc_bulk_checked if self.check else slab.kmem_cache_alloc_bulk
        got = int(fn(self.s, self._cpu(cpu), n, p, variant_id(variant)))
        self.raise_if_error()
        return p[:got].copy()

    def free_bulk(self, cpu: int, objs: Any, variant: str = "after") -> None:
        """kmem_cache_free_bulk (or kfree_bulk) of ``objs``."""
        from skbbench.model import slab, slab_debug

        p = np.array(objs, dtype=np.uint64)
        fn = slab_debug.kmem_cache_free_bulk_checked if self.check else slab.kmem_cache_free_bulk
        fn(self.s, self._cpu(cpu), len(p), p, variant_id(variant))
        self.raise_if_error()

    def reap(self, cpu: int = 0, node_due: bool = True) -> None:
        """cache_reap as it runs on ``cpu``; ``node_due``: the node's 4 s timer expired."""
        from skbbench.model import slab_reap

        slab_reap.cache_reap(self.s, self._cpu(cpu), node_due)
        if self.check:
            self.validate(op=7)

    def drain(self) -> bool:
        """__kmem_cache_shrink: empty every array cache, destroy free slabs; True if
        slabs holding objects remain."""
        from skbbench.model import slab_reap

        left = bool(slab_reap.kmem_cache_shrink(self.s))
        if self.check:
            self.validate(op=5)
        return left

    def validate(self, op: int = 6) -> None:
        """Run the full invariant check now (needs a cache created with check=True)."""
        from skbbench.model import slab_debug

        if not self.check:
            raise ModelParameterError("validate() needs a cache created with check=True")
        slab_debug.validate_slab_cache(self.s, op)
        self.raise_if_error()

    def destroy(self) -> None:
        """kmem_cache_destroy: shrink; slabs holding objects left are an error."""
        if self.drain():
            raise ModelError(
                f"SLAB {self.name}: kmem_cache_destroy: objects remaining in "
                f"{self.nr_slabs()} slab(s)"
            )

    # ---- state and counters --------------------------------------------------------------

    def error(self) -> str | None:
        """The first recorded violation as one line, or None."""
        s = self.s
        code = int(s[L.K_ERR])
        if code == L.ERR_NONE:
            return None
        obj, cpu, aux, op = (int(s[w]) for w in (L.K_ERR_OBJ, L.K_ERR_CPU, L.K_ERR_AUX, L.K_ERR_OP))
        where = f"SLAB {self.name}: {L.OP_NAMES.get(op, 'operation')} on cpu {cpu}"
        if code == L.ERR_DOUBLE_FREE:
            return f"{where}: double free of object 0x{obj:x} (object already free)"
        if code == L.ERR_FOREIGN:
            return f"{where}: invalid object pointer 0x{obj:x} (not an object of this cache)"
        if code == L.ERR_HANDED_TWICE:
            return f"{where}: object 0x{obj:x} handed out twice"
        return f"{where}: {L.INVARIANTS.get(aux, 'invariant violated')} (at 0x{obj:x})"

    def raise_if_error(self) -> None:
        msg = self.error() or self.pages.error()
        if msg is not None:
            raise ModelError(msg)

    def _stat_block(self) -> np.ndarray:
        base = int(self.s[L.K_STAT_BASE])
        return self.s[base : base + L.STAT_STRIDE * self.nr_cpus].reshape(
            self.nr_cpus, L.STAT_STRIDE
        )

    def stats(self, cpu: int | None = None) -> dict[str, int]:
        """v4.6 SLAB STATS by kernel name (summed over CPUs, or of one CPU; the gauges
        num_active / high_mark / max_freeable are per cache)."""
        block = self._stat_block()
        row = block.sum(axis=0) if cpu is None else block[self._cpu(cpu)]
        out = {name: int(row[i]) for i, name in enumerate(L.STAT_ITEMS)}
        s = self.s
        out["num_active"] = int(s[L.K_NUM_ACTIVE])
        out["high_mark"] = int(s[L.K_HIGH_MARK])
        out["max_freeable"] = int(s[L.K_MAX_FREEABLE])
        return out

    def events(self, cpu: int | None = None) -> dict[str, int]:
        """Model events: locks taken, IRQ costs charged, pages, refill/flush routes."""
        block = self._stat_block()
        row = block.sum(axis=0) if cpu is None else block[self._cpu(cpu)]
        k = len(L.STAT_ITEMS)
        return {name: int(row[k + i]) for i, name in enumerate(L.MODEL_EVENTS)}

    def reset_counters(self) -> None:
        """Zero the counters and events (e.g. after a warm-up); gauges restart from now."""
        self._stat_block()[:] = 0
        self.s[L.K_HIGH_MARK] = self.s[L.K_NUM_ACTIVE]
        self.s[L.K_MAX_FREEABLE] = 0

    def _node(self, node: int) -> int:
        return int(self.s[L.K_NODE_BASE]) + node * L.NODE_WORDS

    def nr_slabs(self) -> int:
        return sum(int(self.s[self._node(k) + L.N_TOTAL_SLABS]) for k in range(self.nr_nodes))

    def array_caches(self) -> list[int]:
        """Word indices of every array_cache: per-CPU, shared, alien."""
        s = self.s
        acs = [int(s[L.K_CPU_BASE]) + c * int(s[L.K_AC_STRIDE]) for c in range(self.nr_cpus)]
        for k in range(self.nr_nodes):
            n = self._node(k)
            if int(s[n + L.N_SHARED]):
                acs.append(int(s[n + L.N_SHARED]))
            alien = int(s[n + L.N_ALIEN])
            if alien:
                acs.extend(
                    int(s[alien + i]) + L.ALIEN_AC for i in range(self.nr_nodes) if s[alien + i]
                )
        return acs

    def cached_objects(self) -> int:
        """Objects sitting in array caches (per-CPU, shared, alien)."""
        return sum(int(self.s[ac + L.AC_AVAIL]) for ac in self.array_caches())

    def live_objects(self) -> int:
        """Objects handed out, from the model's state: objects the slabs count as active
        (num * slabs - free_objects per node) minus those sitting in array caches."""
        active = 0
        for k in range(self.nr_nodes):
            n = self._node(k)
            active += self.num * int(self.s[n + L.N_TOTAL_SLABS]) - int(
                self.s[n + L.N_FREE_OBJECTS]
            )
        return active - self.cached_objects()

    def counters(self) -> dict[str, Any]:
        """Everything reported with a result: SLAB STATS, model events, slab counts."""
        return {
            "slab_stats": self.stats(),
            "model_events": self.events(),
            "nr_slabs": self.nr_slabs(),
            "cached_objects": self.cached_objects(),
            "cache": {k: v for k, v in self.params().items() if k != "name"},
        }


def slab_meta_words(
    nr_cpus: int,
    nr_nodes: int,
    limit: int,
    batchcount: int,
    shared: int,
    arena_pfns: int,
    size: int,
    check: bool,
) -> int:
    """Meta-area words kmem_cache_create reserves in a machine (with alignment slack)."""
    shared_limit = shared * batchcount
    alien_limit = L.ALIEN_LIMIT if limit > 1 else limit
    shared_words = L.ac_words(shared_limit) if shared_limit else 0
    alien_rec = -(-(L.ALIEN_AC + L.ac_words(alien_limit)) // 8) * 8
    alien_words = (8 + nr_nodes * alien_rec) if nr_nodes > 1 else 0
    debug_slots = (arena_pfns * PAGE_SIZE) // size + 1
    return (
        nr_cpus * (L.ac_words(limit) + L.INFO_WORDS + L.STAT_STRIDE)
        + nr_nodes * (L.NODE_WORDS + shared_words + alien_words)
        + (-(-2 * debug_slots // 8) * 8 if check else 0)
        + 16 * 8  # each reserved region starts on a cache line
    )


def kmem_cache_create(
    object_size: int = 256,
    nr_cpus: int = 8,
    nr_nodes: int = 1,
    profile: str | CostProfile = "published",
    check: bool = False,
    max_slabs: int = 256,
    name: str = "slab_bench",
    hwcache_align: bool = True,
    limit: int | None = None,
    batchcount: int | None = None,
    shared: int | None = None,
    machine: Machine | None = None,
) -> SlabCache:
    """kmem_cache_create (SLAB_HWCACHE_ALIGN, no ctor) on a machine of ``nr_cpus`` CPUs
    in ``nr_nodes`` nodes (1 or 2). ``limit``/``batchcount``/``shared`` override
    enable_cpucache like /proc/slabinfo tuning. The page allocator's arena holds
    ``max_slabs`` slabs plus the per-CPU page lists' high + batch pages per CPU.

    With ``machine`` the cache lives in that machine (its header in the low words, its
    regions reserved in the meta area, sized by :func:`slab_meta_words`; its slabs from
    the machine's page allocator, shared with other models; nr_cpus and the kernel-only
    costs are the machine's)."""
    if machine is not None:
        if nr_cpus not in (8, machine.nr_cpus):
            raise ModelParameterError(
                f"cpus {nr_cpus}: the machine has {machine.nr_cpus} simulated CPUs"
            )
        nr_cpus = machine.nr_cpus
    if not isinstance(object_size, int) or object_size < 8:
        raise ModelParameterError(f"object size {object_size}: must be at least 8 bytes")
    if object_size > L.MAX_OBJECT_SIZE:
        raise ModelParameterError(
            f"object size {object_size}: larger than the model's {L.MAX_OBJECT_SIZE} bytes"
        )
    if not isinstance(nr_cpus, int) or not 1 <= nr_cpus <= 4096:
        raise ModelParameterError(f"cpus {nr_cpus}: the model supports 1..4096 simulated CPUs")
    if nr_nodes not in (1, 2):
        raise ModelParameterError(f"nodes {nr_nodes}: the SLAB model supports 1 or 2 nodes")
    if nr_nodes > nr_cpus:
        raise ModelParameterError(
            f"nodes {nr_nodes}: needs at least one CPU per node (cpus {nr_cpus})"
        )
    if max_slabs < 1:
        raise ModelParameterError(f"max_slabs {max_slabs}: must be at least 1")
    prof = get_profile(profile)
    align = L.calculate_alignment(object_size, hwcache_align)
    size = L.cache_size(object_size, align)
    cflags, order, num, colour = L.slab_management(size, object_size)
    d_limit, d_batch, d_shared = L.enable_cpucache_limits(size, nr_cpus)
    lim = d_limit if limit is None else int(limit)
    batch = (
        ((lim + 1) // 2 if limit is not None else d_batch)
        if batchcount is None
        else int(batchcount)
    )
    shr = d_shared if shared is None else int(shared)
    if lim < 1 or not 1 <= batch <= lim or shr < 0:
        raise ModelParameterError(
            f"limit {lim}, batchcount {batch}, shared {shr}: need 1 <= batchcount <= limit, "
            "shared >= 0"
        )
    colour_off = max(L.CACHE_LINE, align)
    freelist_size = num * L.FREELIST_IDX_BYTES
    recip = L.reciprocal_value(size)
    node_cpus = [0] * nr_nodes
    for c in range(nr_cpus):
        node_cpus[L.cpu_to_node(c, nr_cpus, nr_nodes)] += 1
    free_limits = tuple(L.free_limit(node_cpus[k], batch, num) for k in range(nr_nodes))
    alien_limit = L.ALIEN_LIMIT if lim > 1 else lim
    shared_limit = shr * batch

    # Meta-area regions (each on its own cache lines).
    ac_stride = L.ac_words(lim)
    shared_words = L.ac_words(shared_limit) if shared_limit else 0
    alien_rec = -(-(L.ALIEN_AC + L.ac_words(alien_limit)) // 8) * 8
    if machine is None:
        # The arena: max_slabs slabs, plus what the per-CPU page lists may hold (high +
        # batch pages per CPU): the buddy lists' free count, which excludes those lists,
        # gates every allocation (zone_watermark_ok), so pages parked there must not
        # starve the slabs.
        pcp_high, pcp_batch = pageset_high_batch(zone_batchsize(DEFAULT_BATCH_ZONE_PAGES))
        nr_pages = (max_slabs << order) + nr_cpus * (pcp_high + pcp_batch)
        # the machine and its page allocator (every arena page free in the buddy lists)
        machine = new_machine(
            nr_pages=nr_pages,
            nr_cpus=nr_cpus,
            meta_words=slab_meta_words(nr_cpus, nr_nodes, lim, batch, shr, nr_pages, size, check)
            + page_alloc_words(nr_cpus),
            arena_align_order=MAX_ORDER - 1,
            costs=cost_iters(prof),
        )
    shared_machine = machine is not None
    m = machine
    s = m.s
    if int(s[L.K_MAGIC]) != 0:
        raise ModelParameterError("this machine already has a slab allocator (one per machine)")
    if int(s[MH_ZONE]) == 0:
        raise ModelParameterError("the machine has no page allocator (page_alloc_create)")
    debug_slots = (m.arena_pfns * PAGE_SIZE) // size + 1
    s[L.K_MAGIC] = L.SLAB_MAGIC
    s[L.K_NUM] = num
    s[L.K_SIZE] = size
    s[L.K_OBJECT_SIZE] = object_size
    s[L.K_GFPORDER] = order
    s[L.K_LIMIT] = lim
    s[L.K_BATCHCOUNT] = batch
    s[L.K_SHARED] = shr
    s[L.K_COLOUR_OFF] = colour_off
    s[L.K_COLOUR] = colour
    s[L.K_CFLAGS] = cflags
    s[L.K_FREELIST_SIZE] = freelist_size
    s[L.K_RECIP_M], s[L.K_RECIP_SH1], s[L.K_RECIP_SH2] = recip
    s[L.K_CACHE_ID] = CACHE_ID
    s[L.K_NR_NODES] = nr_nodes
    s[L.K_NR_CPUS] = nr_cpus
    s[L.K_ALIEN_LIMIT] = alien_limit
    s[L.K_SHARED_MACHINE] = int(shared_machine)
    s[L.K_ARENA_START] = m.arena_start_pfn << PAGE_SHIFT
    s[L.K_ARENA_END] = m.arena_end_pfn << PAGE_SHIFT

    cpu_base = m.reserve(nr_cpus * ac_stride)
    s[L.K_CPU_BASE] = cpu_base
    s[L.K_AC_STRIDE] = ac_stride
    for c in range(nr_cpus):
        ac = cpu_base + c * ac_stride
        s[ac + L.AC_LIMIT] = lim
        s[ac + L.AC_BATCHCOUNT] = batch
    info_base = m.reserve(nr_cpus * L.INFO_WORDS)
    s[L.K_INFO_BASE] = info_base
    for c in range(nr_cpus):
        info = info_base + c * L.INFO_WORDS
        node = L.cpu_to_node(c, nr_cpus, nr_nodes)
        s[info + L.CI_NODE] = node
        s[info + L.CI_REAP_NODE] = (node + 1) % nr_nodes  # init_reap_node
        s[info + L.CI_LIST] = s[info + L.CI_LIST + 1] = info + L.CI_LIST
    node_base = m.reserve(nr_nodes * L.NODE_WORDS)
    s[L.K_NODE_BASE] = node_base
    for k in range(nr_nodes):
        n = node_base + k * L.NODE_WORDS
        for head in (L.N_SLABS_PARTIAL, L.N_SLABS_FULL, L.N_SLABS_FREE):
            s[n + head] = s[n + head + 1] = n + head
        s[n + L.N_FREE_LIMIT] = free_limits[k]
        if shared_limit:
            sh = m.reserve(shared_words)
            s[sh + L.AC_LIMIT] = shared_limit
            s[sh + L.AC_BATCHCOUNT] = L.BATCH_POISON
            s[n + L.N_SHARED] = sh
        if nr_nodes > 1:  # use_alien_caches: alien[i] for every other node
            alien = m.reserve(8)
            s[n + L.N_ALIEN] = alien
            for i in range(nr_nodes):
                if i == k:
                    continue
                alc = m.reserve(alien_rec)
                s[alc + L.ALIEN_AC + L.AC_LIMIT] = alien_limit
                s[alc + L.ALIEN_AC + L.AC_BATCHCOUNT] = L.BATCH_POISON
                s[alien + i] = alc
    s[L.K_STAT_BASE] = m.reserve(nr_cpus * L.STAT_STRIDE, counters=True)
    # the STATS gauges kept in the cache header are counters too (replay comparison)
    m.counter_regions.append((L.K_NUM_ACTIVE, L.K_MAX_FREEABLE + 1))
    if check:
        s[L.K_DBG_BASE] = m.reserve(2 * debug_slots)
        s[L.K_DBG_SLOTS] = debug_slots
    return SlabCache(
        machine=m,
        name=name,
        object_size=object_size,
        size=size,
        gfporder=order,
        num=num,
        objfreelist=bool(cflags & L.CFLGS_OBJFREELIST_SLAB),
        colour=colour,
        limit=lim,
        batchcount=batch,
        shared=shr,
        nr_cpus=nr_cpus,
        nr_nodes=nr_nodes,
        free_limits=free_limits,
        max_slabs=max_slabs,
        profile=prof,
        check=bool(check),
    )
