"""Creating a sheaves cache (kmem_cache_create, init_percpu_sheaves, barns) and its Python
view (SheavesCache): operations that raise ModelError on a violation, counters, state.

Two forms (docs/sheaves.md): ``form="7.0"`` (the default: sheaves on the v7.0 slab layer,
capacity by calculate_sheaf_capacity) and ``form="6.18"`` (opt-in sheaves of an explicit
capacity in front of the SLUB model's v4.4 cpu slabs; the cache is then a SLUB cache,
skbbench.model.slub_create, with the sheaf layer added).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from skbbench.errors import ModelError, ModelParameterError
from skbbench.model import sheaves as sh
from skbbench.model import sheaves_debug as dbg
from skbbench.model import sheaves_layout as L
from skbbench.model import slub_create
from skbbench.model.costs import CostProfile, get_profile
from skbbench.model.costs import cost_iters as iters_of
from skbbench.model.machine import MH_ZONE, Machine
from skbbench.model.mm_types import GFP_COMP, PAGE_RECORD_WORDS, PAGE_SIZE
from skbbench.model.page_alloc_create import new_machine, page_alloc_words
from skbbench.model.page_alloc_view import PageAllocator, check_page_allocator
from skbbench.model.slub_layout import (
    CMPXCHG_DOUBLE_FLAG,
    GFP_ALLOWED_MASK,
    MAX_OBJECT_SIZE,
    MAX_OBJS_PER_PAGE,
    PG_COMPOUND_HEAD,
    PG_FLAG_SLAB,
    SLAB_HWCACHE_ALIGN,
    SLUB_MAX_ORDER,
)

CACHE_ID = 0x5EA  # page->slab_cache of a v7.0 sheaves cache's slabs
V618_DEFAULT_CAPACITY = 32  # vm_area_struct and maple_node, the in-tree users of v6.18


def _round8(n: int) -> int:
    return (n + 7) // 8 * 8


def pool_blocks(capacity: int, arena_pfns: int, size: int, nr_cpus: int, nr_nodes: int) -> int:
    """Sheaf blocks for a cache: a sheaf is allocated only when its node's barn has no
    empty one, so the sheaves of a node never exceed its full sheaves (at most every
    object of the arena in full sheaves) plus two per CPU plus one; 0 without sheaves."""
    if capacity == 0:
        return 0
    max_objects = arena_pfns * PAGE_SIZE // size
    return -(-max_objects // capacity) + 2 * nr_cpus + nr_nodes + 2


def sheaf_layer_words(nr_cpus: int, nr_nodes: int, blocks: int, sheaf_words: int) -> int:
    """Meta-area words of the sheaf layer (pcs, per-CPU info, barns, counters, the sheaf
    pool and the bootstrap sheaf), with alignment slack."""
    words = nr_cpus * (L.PCS_WORDS + L.INFO_WORDS + L.STAT_STRIDE) + nr_nodes * L.BARN_WORDS
    words += L.POOL_WORDS + _round8(max(blocks, 1)) + blocks * sheaf_words + 8
    return words + 8 * 8


def slab_layer_words(
    nr_cpus: int, nr_nodes: int, objects: int, arena_pfns: int, size: int, check: bool
) -> int:
    """Meta-area words of the v7.0 slab layer (nodes, the __slab_free histogram, the debug
    region), with alignment slack."""
    words = nr_nodes * L.NODE_WORDS + nr_cpus * _round8(objects + 1)
    if check:
        words += _round8((arena_pfns * PAGE_SIZE // size + 1) * 2) + _round8(arena_pfns)
    return words + 4 * 8


def sheaves_meta_words(
    nr_cpus: int,
    nr_nodes: int,
    objects: int,
    arena_pfns: int,
    size: int,
    capacity: int,
    check: bool,
    form: str = "7.0",
) -> int:
    """Meta-area words kmem_cache_create reserves in a machine of ``arena_pfns`` pages for
    a cache of stride ``size``, ``objects`` per slab and sheaves of ``capacity`` (for a
    caller that sizes the machine itself)."""
    sheaf_words = _round8(L.kmalloc_size_roundup(L.sheaf_bytes(capacity)) // 8) if capacity else 8
    blocks = pool_blocks(capacity, arena_pfns, size, nr_cpus, nr_nodes)
    words = sheaf_layer_words(nr_cpus, nr_nodes, blocks, sheaf_words)
    if form == "6.18":
        return words + slub_create.slub_meta_words(nr_cpus, objects, arena_pfns, size, check)
    return words + slab_layer_words(nr_cpus, nr_nodes, objects, arena_pfns, size, check)


@dataclass
class SheavesCache:
    """One kmem_cache with sheaves: the numpy state ``s`` and its parameters."""

    s: np.ndarray
    machine: Machine
    name: str
    form: str
    object_size: int
    size: int
    order: int
    objects: int
    min_partial: int
    capacity: int
    nr_cpus: int
    nr_nodes: int
    max_slabs: int
    profile: CostProfile
    check: bool
    blocks: int
    slub: slub_create.SlubCache | None = None  # the v6.18 form's cpu-slab layer

    # ---- parameters -------------------------------------------------------------------

    @property
    def be(self) -> Any:
        return sh.BE_V618 if self.form == "6.18" else sh.BE_V70

    @property
    def kc(self) -> Any:
        return sh.KC_DEFAULT_SHEAVES

    def params(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "form": self.form,
            "object_size": self.object_size,
            "size": self.size,
            "order": self.order,
            "objects_per_slab": self.objects,
            "min_partial": self.min_partial,
            "sheaf_capacity": self.capacity,
            "nr_cpus": self.nr_cpus,
            "nr_nodes": self.nr_nodes,
            "max_slabs": self.max_slabs,
            "sheaf_blocks": self.blocks,
            "profile": self.profile.name,
            "check": self.check,
        }

    def _cpu(self, cpu: int) -> np.uint64:
        if not 0 <= cpu < self.nr_cpus:
            raise ModelParameterError(
                f"cpu {cpu}: the cache has simulated CPUs 0..{self.nr_cpus - 1}"
            )
        return np.uint64(cpu)

    def node_of_cpu(self, cpu: int) -> int:
        return L.cpu_to_node(cpu, self.nr_cpus, self.nr_nodes)

    # ---- operations (Python conveniences over the @njit entry points) ------------------

    def alloc(self, cpu: int = 0, gfp: int = 0) -> int:
        """kmem_cache_alloc on ``cpu`` (GFP_ATOMIC); 0 (NULL) when out of memory."""
        c = self._cpu(cpu)
        if self.check:
            if gfp:
                raise ModelParameterError("checked allocations use GFP_ATOMIC only")
            fn = (
                dbg.kmem_cache_alloc_checked_618
                if self.form == "6.18"
                else dbg.kmem_cache_alloc_checked
            )
            obj = int(fn(self.s, c))
        else:
            obj = int(sh.kmem_cache_alloc_export(self.kc, self.be, self.s, c, np.uint64(gfp)))
        self.raise_if_error()
        return obj

    def alloc_node(self, cpu: int, node: int, gfp: int = 0) -> int:
        """kmem_cache_alloc_node on ``cpu`` for ``node``."""
        c = self._cpu(cpu)
        if self.check:
            if gfp or self.form == "6.18":
                raise ModelParameterError("checked node allocations: v7.0, GFP_ATOMIC only")
            obj = int(dbg.kmem_cache_alloc_node_checked(self.s, c, np.uint64(node)))
        else:
            obj = int(
                sh.kmem_cache_alloc_node_export(
                    self.kc, self.be, self.s, c, np.uint64(gfp), np.uint64(node)
                )
            )
        self.raise_if_error()
        return obj

    def free(self, cpu: int, obj: int) -> None:
        """kmem_cache_free on ``cpu``."""
        c = self._cpu(cpu)
        if self.check:
            fn = (
                dbg.kmem_cache_free_checked_618
                if self.form == "6.18"
                else dbg.kmem_cache_free_checked
            )
            fn(self.s, c, np.uint64(obj))
        else:
            sh.kmem_cache_free_export(self.kc, self.be, self.s, c, np.uint64(obj))
        self.raise_if_error()

    def alloc_bulk(self, cpu: int, n: int, variant: str = "after") -> np.ndarray:
        """kmem_cache_alloc_bulk: an array of ``n`` objects (empty if it failed)."""
        c = self._cpu(cpu)
        v = variant_id(variant)
        p = np.zeros(max(n, 1), dtype=np.uint64)
        if self.check:
            fn = (
                dbg.kmem_cache_alloc_bulk_checked_618
                if self.form == "6.18"
                else dbg.kmem_cache_alloc_bulk_checked
            )
            got = int(fn(self.s, c, np.uint64(n), p, v))
        elif v == L.BULK_FALLBACK:
            got = int(
                sh.my__kmem_cache_alloc_bulk(
                    self.kc, self.be, self.s, c, np.uint64(0), np.uint64(n), p
                )
            )
        else:
            got = int(
                sh.kmem_cache_alloc_bulk_export(
                    self.kc, self.be, self.s, c, np.uint64(0), np.uint64(n), p
                )
            )
        self.raise_if_error()
        return p[:got].copy()

    def free_bulk(self, cpu: int, objs: Any, variant: str = "after") -> None:
        """kmem_cache_free_bulk of ``objs`` (a copy is passed: the caller's stays intact);
        ``kfree_bulk`` frees with s == NULL, ``fallback`` one kmem_cache_free each."""
        c = self._cpu(cpu)
        v = variant_id(variant)
        p = np.array(objs, dtype=np.uint64)
        if len(p):
            n = np.uint64(len(p))
            if self.check:
                fn = (
                    dbg.kmem_cache_free_bulk_checked_618
                    if self.form == "6.18"
                    else dbg.kmem_cache_free_bulk_checked
                )
                fn(self.s, c, n, p, v)
            elif v == L.BULK_FALLBACK:
                sh.my__kmem_cache_free_bulk(self.kc, self.be, self.s, c, n, p)
            else:
                kfree = np.bool_(v == L.BULK_KFREE)
                sh.kmem_cache_free_bulk_export(self.kc, self.be, self.s, c, n, p, kfree)
        self.raise_if_error()

    def flush_all(self) -> None:
        """flush_all: every CPU's pcs_flush_all (v6.18: and its cpu slab)."""
        sh.flush_all_kc(self.kc, self.be, self.s)
        if self.check:
            self.validate()

    def shrink(self) -> int:
        """kmem_cache_shrink: flush_all, barn_shrink, free the empty partial slabs."""
        freed = int(sh.kmem_cache_shrink_kc(self.kc, self.be, self.s))
        if self.check:
            self.validate()
        return freed

    def validate(self) -> None:
        """Run the full invariant check now (needs a cache created with check=True)."""
        if not self.check:
            raise ModelParameterError("validate() needs a cache created with check=True")
        dbg.validate_cache(self.s, np.uint64(6))
        self.raise_if_error()
        check_page_allocator(self.machine)

    def destroy(self) -> None:
        """kmem_cache_destroy: flush the sheaves and barns, free the empty slabs; every
        slab must be empty ("objects remaining") and every sheaf back in the pool."""
        self.shrink()
        left = self.nr_slabs()
        if left:
            raise ModelError(
                f"SHEAVES {self.name}: kmem_cache_destroy: objects remaining in {left} slab(s)"
            )
        sh.pcs_destroy(self.kc, self.s)
        free = self.pool_free()
        if free != self.blocks:
            raise ModelError(
                f"SHEAVES {self.name}: kmem_cache_destroy: {self.blocks - free} sheaves not freed"
            )

    # ---- errors ----------------------------------------------------------------------------

    def error(self) -> str | None:
        """The first recorded violation as one line, or None."""
        s = self.s
        code = int(s[L.H_ERR])
        if code == L.ERR_NONE:
            return None
        obj, cpu, aux, op = (
            int(s[L.H_ERR_OBJ]),
            int(s[L.H_ERR_CPU]),
            int(s[L.H_ERR_AUX]),
            int(s[L.H_ERR_OP]),
        )
        where = f"SHEAVES {self.name}: {L.OP_NAMES.get(op, 'operation')} on cpu {cpu}"
        if code == L.ERR_DOUBLE_FREE:
            return f"{where}: double free of object 0x{obj:x} (object already free)"
        if code == L.ERR_FOREIGN:
            return f"{where}: invalid object pointer 0x{obj:x} (not an object of this cache)"
        if code == L.ERR_HANDED_TWICE:
            return f"{where}: object 0x{obj:x} handed out twice"
        return f"{where}: {L.INVARIANTS.get(aux, 'invariant violated')} (at 0x{obj:x})"

    def raise_if_error(self) -> None:
        msg = self.error()
        if msg is not None:
            raise ModelError(msg)
        PageAllocator(self.machine).raise_if_error()

    # ---- counters ----------------------------------------------------------------------

    def _block(self, base_word: int, stride: int) -> np.ndarray:
        base = int(self.s[base_word])
        return self.s[base : base + stride * self.nr_cpus].reshape(self.nr_cpus, stride)

    def _row(self, base_word: int, stride: int, cpu: int | None) -> np.ndarray:
        block = self._block(base_word, stride)
        return block.sum(axis=0) if cpu is None else block[int(self._cpu(cpu))]

    def stats(self, cpu: int | None = None) -> dict[str, int]:
        """Stat items by kernel name, summed over CPUs (or of one CPU). v7.0: its 26
        items. v6.18: the cpu slabs' (the SLUB model's) and the sheaf layer's, the sheaf
        fast paths named ALLOC_PCS / FREE_PCS as v6.18 named them."""
        row = self._row(L.SH_STAT_BASE, L.STAT_STRIDE, cpu)
        sheaf = {name: int(row[i]) for i, name in enumerate(L.STAT_ITEMS)}
        if self.form != "6.18":
            return sheaf
        assert self.slub is not None
        out = self.slub.stats(cpu)
        for name in L.V618_SHEAF_ITEMS:
            out[L.V618_NAMES.get(name, name)] = sheaf[name]
        return out

    def events(self, cpu: int | None = None) -> dict[str, int]:
        """Model events: primitives executed (cmpxchg, locks) or charged (irq, preempt)."""
        row = self._row(L.SH_STAT_BASE, L.STAT_STRIDE, cpu)
        n = len(L.STAT_ITEMS)
        out = {name: int(row[n + i]) for i, name in enumerate(L.MODEL_EVENTS)}
        if self.form == "6.18":
            assert self.slub is not None
            for name, v in self.slub.events(cpu).items():
                out[name] = out.get(name, 0) + v
        return out

    def slab_free_histogram(self) -> dict[int, int]:
        """Objects per __slab_free call -> calls (all CPUs)."""
        if self.slub is not None:
            return self.slub.slab_free_histogram()
        row = self._row(L.H_HIST_BASE, int(self.s[L.H_HIST_STRIDE]), None)
        return {i: int(v) for i, v in enumerate(row) if v}

    def reset_counters(self) -> None:
        """Zero stats, events and the histogram (e.g. after a warm-up)."""
        self._block(L.SH_STAT_BASE, L.STAT_STRIDE)[:] = 0
        if self.slub is not None:
            self.slub.reset_counters()
        else:
            self._block(L.H_HIST_BASE, int(self.s[L.H_HIST_STRIDE]))[:] = 0

    def counters(self) -> dict[str, Any]:
        """Everything reported with a result."""
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
            "barns": [self.barn(k) for k in range(self.nr_nodes)],
            "cache": {k: v for k, v in self.params().items() if k != "name"},
        }

    # ---- state ---------------------------------------------------------------------------

    def _pcs(self, cpu: int) -> int:
        return int(self.s[L.SH_PCS_BASE]) + int(self._cpu(cpu)) * L.PCS_WORDS

    def sheaf_size(self, sheaf: int) -> int:
        return int(self.s[sheaf + L.SHEAF_SIZE])

    def sheaf_objects(self, sheaf: int) -> list[int]:
        """The objects of a sheaf, bottom of the stack first."""
        n = self.sheaf_size(sheaf)
        return [int(x) for x in self.s[sheaf + L.SHEAF_OBJECTS : sheaf + L.SHEAF_OBJECTS + n]]

    def pcs(self, cpu: int) -> dict[str, Any]:
        """The CPU's sheaves: main, spare and rcu_free (word index; 0 = NULL) and sizes."""
        p = self._pcs(cpu)
        main, spare, rcu = (int(self.s[p + k]) for k in (L.PCS_MAIN, L.PCS_SPARE, L.PCS_RCU_FREE))
        return {
            "main": main,
            "main_size": self.sheaf_size(main) if main else None,
            "spare": spare,
            "spare_size": self.sheaf_size(spare) if spare else None,
            "rcu_free": rcu,
            "locked": int(self.s[p + L.PCS_LOCK]),
        }

    def _barn(self, node: int) -> int:
        return int(self.s[int(self.s[L.H_NODE_BASE]) + node * L.NODE_WORDS + L.N_BARN])

    def _barn_list(self, head: int) -> list[int]:
        out, e = [], int(self.s[head])
        while e != head:
            out.append(e)
            e = int(self.s[e])
        return out

    def barn(self, node: int = 0) -> dict[str, Any]:
        """The node's barn: counts and the sheaves of both lists (head first)."""
        b = self._barn(node)
        full = self._barn_list(b + L.BARN_FULL)
        empty = self._barn_list(b + L.BARN_EMPTY)
        return {
            "nr_full": int(self.s[b + L.BARN_NR_FULL]),
            "nr_empty": int(self.s[b + L.BARN_NR_EMPTY]),
            "full": full,
            "empty": empty,
            "full_sizes": [self.sheaf_size(x) for x in full],
            "empty_sizes": [self.sheaf_size(x) for x in empty],
        }

    def pool_free(self) -> int:
        """Sheaf blocks in the free pool (not allocated by alloc_empty_sheaf)."""
        return int(self.s[int(self.s[L.SH_POOL]) + L.POOL_NR_FREE])

    def sheaves_in_use(self) -> int:
        return self.blocks - self.pool_free()

    def _node(self, node: int) -> int:
        return int(self.s[L.H_NODE_BASE]) + node * L.NODE_WORDS

    def partial_slabs(self, node: int = 0) -> list[tuple[int, int, int]]:
        """(pfn, inuse, objects) of the node's partial list, head first."""
        if self.slub is not None:
            node = 0
        out = []
        page = int(self.s[self._node(node) + L.N_PARTIAL_HEAD])
        while page:
            r = self.machine.record(page)
            c = int(self.s[r + L.PG_COUNTERS])
            out.append((page, c & 0xFFFF, (c >> 16) & 0x7FFF))
            page = int(self.s[r + L.PG_NEXT])
        return out

    def slab_of(self, obj: int) -> int:
        """Head pfn of the slab holding ``obj``."""
        pfn = obj >> 12
        ch = int(self.s[self.machine.record(pfn) + PG_COMPOUND_HEAD])
        return ch >> 1 if ch & 1 else pfn

    def node_of(self, obj: int) -> int:
        """The node of an object's slab (slab_nid)."""
        flags = int(self.s[self.machine.record(self.slab_of(obj)) + L.PG_FLAGS])
        return flags >> L.PG_NODE_SHIFT

    def slab_inuse(self, pfn: int) -> int:
        return int(self.s[self.machine.record(pfn) + L.PG_COUNTERS]) & 0xFFFF

    def slab_pages(self) -> list[int]:
        """Head pfns of this cache's slabs, found by scanning the arena's struct pages."""
        m = self.machine
        recs = m.s[m.record(m.arena_start_pfn) :][: m.arena_pfns * PAGE_RECORD_WORDS]
        recs = recs.reshape(-1, PAGE_RECORD_WORDS)
        flags = recs[:, L.PG_FLAGS]
        mine = (flags & np.uint64(PG_FLAG_SLAB)) != 0
        mine &= (flags >> np.uint64(8)) & np.uint64(0xFFFFFF) == np.uint64(
            int(self.s[L.H_CACHE_ID])
        )
        mine &= (recs[:, PG_COMPOUND_HEAD] & np.uint64(1)) == 0
        return [m.arena_start_pfn + int(i) for i in np.flatnonzero(mine)]

    def nr_slabs(self) -> int:
        return sum(int(self.s[self._node(k) + L.N_NR_SLABS]) for k in range(self.nr_nodes))

    def nr_partial(self) -> int:
        return sum(int(self.s[self._node(k) + L.N_NR_PARTIAL]) for k in range(self.nr_nodes))

    def objects_in_sheaves(self) -> int:
        """Objects in every CPU's sheaves and every barn."""
        total = 0
        for cpu in range(self.nr_cpus):
            p = self.pcs(cpu)
            for k in ("main", "spare", "rcu_free"):
                if p[k]:
                    total += self.sheaf_size(p[k])
        for node in range(self.nr_nodes):
            total += sum(self.barn(node)["full_sizes"])
        return total

    def live_objects(self) -> int:
        """Objects handed out, from the model's own state: the inuse of every slab minus
        the objects in sheaves (v6.18: and on cpu freelists, which inuse counts)."""
        if self.slub is not None:
            return self.slub.live_objects() - self.objects_in_sheaves()
        inuse = sum(self.slab_inuse(pfn) for pfn in self.slab_pages())
        return inuse - self.objects_in_sheaves()


def variant_id(name: str | int) -> int:
    """Bulk variant number from its name (fallback, after/bulk, kfree_bulk; before = after)."""
    if isinstance(name, int) and name in L.VARIANTS.values():
        return name
    try:
        return L.VARIANTS[str(name)]
    except KeyError:
        raise ModelParameterError(
            f"unknown bulk variant '{name}' (choose from {', '.join(L.VARIANTS)})"
        ) from None


def _setup_sheaf_layer(
    machine: Machine,
    form: int,
    capacity: int,
    blocks: int,
    nr_nodes: int,
    node_base: int,
    stat_base: int | None = None,
) -> None:
    """init_percpu_sheaves + the barns: every CPU's main is a new empty sheaf (the shared
    bootstrap sheaf when the capacity is 0), no spare, empty barns on every node."""
    s = machine.s
    nr_cpus = machine.nr_cpus
    sheaf_words = _round8(L.kmalloc_size_roundup(L.sheaf_bytes(capacity)) // 8) if capacity else 8
    pcs_base = machine.reserve(nr_cpus * L.PCS_WORDS)
    info_base = machine.reserve(nr_cpus * L.INFO_WORDS)
    barn_base = machine.reserve(nr_nodes * L.BARN_WORDS)
    if stat_base is None:
        stat_base = machine.reserve(nr_cpus * L.STAT_STRIDE, counters=True)
    pool = machine.reserve(L.POOL_WORDS)
    marks = machine.reserve(max(blocks, 1))
    first_block = machine.reserve(max(blocks, 1) * sheaf_words)
    bootstrap = machine.reserve(8)
    s[L.SH_FORM] = form
    s[L.SH_PCS_BASE] = pcs_base
    s[L.SH_CAPACITY] = capacity
    s[L.SH_STAT_BASE] = stat_base
    s[L.SH_POOL] = pool
    s[L.SH_SHEAF_WORDS] = sheaf_words
    s[L.SH_INFO_BASE] = info_base
    s[L.SH_NR_NODES] = nr_nodes
    s[L.SH_BOOTSTRAP] = bootstrap
    s[L.SH_MAGIC] = L.SH_MAGIC_VALUE
    for k in range(nr_nodes):
        barn = barn_base + k * L.BARN_WORDS
        for head in (barn + L.BARN_FULL, barn + L.BARN_EMPTY):
            s[head] = s[head + 1] = head  # INIT_LIST_HEAD
        s[node_base + k * L.NODE_WORDS + L.N_BARN] = barn
    s[pool + L.POOL_NR] = blocks
    s[pool + L.POOL_BLOCKS] = first_block
    s[pool + L.POOL_MARKS] = marks
    free = 0
    for i in reversed(range(blocks)):  # block 0 at the head of the free list
        b = first_block + i * sheaf_words
        s[b] = free
        free = b
    s[pool + L.POOL_FREE] = free
    s[pool + L.POOL_NR_FREE] = blocks
    for cpu in range(nr_cpus):
        s[info_base + cpu * L.INFO_WORDS + L.INFO_NODE] = L.cpu_to_node(cpu, nr_cpus, nr_nodes)
        if capacity:
            main = int(sh.alloc_empty_sheaf(sh.KC_DEFAULT_SHEAVES, s, np.uint64(cpu), np.uint64(0)))
            if main == 0:
                raise ModelParameterError("sheaf pool too small for the CPUs' main sheaves")
        else:
            main = bootstrap  # the static bootstrap_sheaf: size 0, cache NULL
        s[pcs_base + cpu * L.PCS_WORDS + L.PCS_MAIN] = main
    s[stat_base : stat_base + nr_cpus * L.STAT_STRIDE] = 0  # creation is not counted


def kmem_cache_create(
    object_size: int = 256,
    nr_cpus: int | None = None,
    profile: str | CostProfile = "published",
    check: bool = False,
    max_slabs: int = 256,
    name: str = "slab_bench",
    hwcache_align: bool = True,
    min_partial: int | None = None,
    machine: Machine | None = None,
    order: int | None = None,
    min_objects: int | None = None,
    nr_nodes: int = 1,
    sheaf_capacity: int | None = None,
    sheaves: bool = True,
    form: str = "7.0",
    cpu_partial: int | None = None,
) -> SheavesCache:
    """kmem_cache_create of a cache with sheaves for ``nr_cpus`` simulated CPUs in
    ``nr_nodes`` nodes (CPUs in contiguous blocks per node).

    ``form="7.0"``: the capacity is calculate_sheaf_capacity(size), at least
    ``sheaf_capacity`` (an explicit request is a minimum); ``sheaves=False`` gives the
    capacity 0 of a debug or boot cache (main is the bootstrap sheaf, everything goes to
    the slabs). ``form="6.18"``: ``sheaf_capacity`` exactly (default 32, the in-tree
    users'), in front of a SLUB (v4.4 model) cache; one node; ``cpu_partial`` as for SLUB.
    The other parameters are the SLUB model's (slub_create.kmem_cache_create). Without a
    ``machine`` one is created for ``max_slabs`` slabs.
    """
    if form not in L.FORMS:
        raise ModelParameterError(f"form '{form}': choose from {', '.join(L.FORMS)}")
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
    if not isinstance(nr_nodes, int) or not 1 <= nr_nodes <= min(nr_cpus, 64):
        raise ModelParameterError(
            f"nodes {nr_nodes}: 1..{min(nr_cpus, 64)} (at least one CPU per node)"
        )
    if max_slabs < 1:
        raise ModelParameterError(f"max_slabs {max_slabs}: must be at least 1")
    if sheaf_capacity is not None and not 0 <= sheaf_capacity <= 4096:
        raise ModelParameterError(f"sheaf capacity {sheaf_capacity}: must be 0..4096")
    prof = get_profile(profile)
    size = slub_create.calculate_size(object_size, hwcache_align)
    if min_objects is not None and min_objects < 1:
        raise ModelParameterError(f"min_objects {min_objects}: must be at least 1")
    if order is None:
        order = slub_create.calculate_order(size, nr_cpus, slub_min_objects=min_objects or 0)
    elif not 0 <= order <= SLUB_MAX_ORDER or (PAGE_SIZE << order) < size:
        raise ModelParameterError(
            f"order {order}: must be 0..{SLUB_MAX_ORDER} (slub_max_order) and hold an object"
        )
    objects = slub_create.order_objects(order, size)
    if objects > MAX_OBJS_PER_PAGE or objects < 1:
        raise ModelParameterError(f"object size {object_size}: {objects} objects per slab")
    if min_partial is not None and min_partial < 0:
        raise ModelParameterError("min_partial must be >= 0 (kstrtoul)")
    minp = slub_create.set_min_partial(size, min_partial)

    if form == "6.18":
        if nr_nodes != 1:
            raise ModelParameterError("nodes: the v6.18 form sits on the one-node SLUB model")
        if not sheaves:
            raise ModelParameterError("the v6.18 form without sheaves is the SLUB model")
        capacity = V618_DEFAULT_CAPACITY if sheaf_capacity is None else sheaf_capacity
        if capacity < 1:
            raise ModelParameterError("sheaf capacity 0: the v6.18 form needs one (opt-in)")
    else:
        if cpu_partial is not None:
            raise ModelParameterError("cpu_partial: v7.0 has no cpu partial slabs")
        capacity = L.calculate_sheaf_capacity(size, sheaf_capacity or 0, debug=not sheaves)
    if machine is None:
        nr_pages = (max_slabs << order) + (0 if order else slub_create.pcp_batch_default())
        blocks = pool_blocks(capacity, nr_pages, size, nr_cpus, nr_nodes)
        meta = sheaves_meta_words(
            nr_cpus, nr_nodes, objects, nr_pages, size, capacity, check, form
        ) + page_alloc_words(nr_cpus)
        machine = new_machine(
            nr_pages,
            nr_cpus,
            costs=iters_of(prof),
            meta_words=meta,
            arena_align_order=SLUB_MAX_ORDER,
        )
    else:
        blocks = pool_blocks(capacity, machine.arena_pfns, size, nr_cpus, nr_nodes)
    s = machine.s
    if int(s[L.H_MAGIC]) != 0:
        raise ModelParameterError("this machine already has a slab allocator (one per machine)")
    if int(s[MH_ZONE]) == 0:
        raise ModelParameterError("the machine has no page allocator (page_alloc_create)")

    if form == "6.18":
        slub = slub_create.kmem_cache_create(
            object_size=object_size,
            profile=prof,
            check=check,
            max_slabs=max_slabs,
            name=name,
            hwcache_align=hwcache_align,
            cpu_partial=cpu_partial,
            min_partial=min_partial,
            machine=machine,
            order=order,
        )
        _setup_sheaf_layer(machine, L.FORM_V618, capacity, blocks, 1, int(s[L.H_NODE_BASE]))
        return SheavesCache(
            s=s,
            machine=machine,
            name=name,
            form=form,
            object_size=object_size,
            size=size,
            order=order,
            objects=objects,
            min_partial=slub.min_partial,
            capacity=capacity,
            nr_cpus=nr_cpus,
            nr_nodes=1,
            max_slabs=max_slabs,
            profile=prof,
            check=bool(check),
            blocks=blocks,
            slub=slub,
        )

    node_base = machine.reserve(nr_nodes * L.NODE_WORDS)
    stat_base = machine.reserve(nr_cpus * L.STAT_STRIDE, counters=True)
    hist_stride = _round8(objects + 1)
    hist_base = machine.reserve(nr_cpus * hist_stride, counters=True)
    red_base = mark_base = 0
    if check:
        red_base = machine.reserve((machine.arena_pfns * PAGE_SIZE // size + 1) * 2)
        mark_base = machine.reserve(machine.arena_pfns)
    min_order = slub_create.get_order(size)
    s[L.H_MAGIC] = L.MAGIC
    s[L.H_CPU_BASE] = 0  # no kmem_cache_cpu in v7.0
    s[L.H_STAT_BASE] = stat_base
    s[L.H_OFFSET] = L.freeptr_offset(object_size)
    s[L.H_SIZE] = size
    s[L.H_OBJECTS] = objects
    s[L.H_CHECK] = 1 if check else 0
    s[L.H_MIN_ORDER] = min_order
    s[L.H_MIN_OBJECTS] = slub_create.order_objects(min_order, size)
    s[L.H_ALLOCFLAGS] = GFP_COMP if order else 0
    s[L.H_FLAGS] = (SLAB_HWCACHE_ALIGN if hwcache_align else 0) | CMPXCHG_DOUBLE_FLAG
    s[L.H_MIN_PARTIAL] = minp
    s[L.H_GFP_ALLOWED] = GFP_ALLOWED_MASK
    s[L.H_ORDER] = order
    s[L.H_OBJECT_SIZE] = object_size
    s[L.H_NODE_BASE] = node_base
    s[L.H_HIST_BASE] = hist_base
    s[L.H_HIST_STRIDE] = hist_stride
    s[L.H_RED_BASE] = red_base
    s[L.H_MARK_BASE] = mark_base
    s[L.H_CACHE_ID] = CACHE_ID
    _setup_sheaf_layer(machine, L.FORM_V70, capacity, blocks, nr_nodes, node_base, stat_base)
    return SheavesCache(
        s=s,
        machine=machine,
        name=name,
        form=form,
        object_size=object_size,
        size=size,
        order=order,
        objects=objects,
        min_partial=minp,
        capacity=capacity,
        nr_cpus=nr_cpus,
        nr_nodes=nr_nodes,
        max_slabs=max_slabs,
        profile=prof,
        check=bool(check),
        blocks=blocks,
    )
