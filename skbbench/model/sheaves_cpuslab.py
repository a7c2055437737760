"""The slab layer under v6.18's opt-in sheaves: the SLUB model's (v4.4) cpu slabs.

In v6.18 a cache created with ``kmem_cache_args.sheaf_capacity`` kept its
``kmem_cache_cpu`` (cpu slab, lockless this_cpu_cmpxchg fast path, cpu partial list) and
put the sheaves in front of it: a sheaf was refilled by ``__kmem_cache_alloc_bulk``
through the cpu slab, flushed by ``do_slab_free`` (the cpu-slab free fast path, else
``__slab_free``), and an allocation the sheaves could not serve took the cpu-slab path
(docs/sheaves.md). The cpu-slab code here is the SLUB model's (skbbench.model.slub, v4.4:
a stand-in for v6.18's, which differs in details such as the cpu partial accounting);
these functions are v6.18's glue around it. The state is the SLUB model's array with the
sheaf layer's words added (sheaves_layout).
"""

from __future__ import annotations

from numba import njit

from skbbench.harness.calls import call_out_of_line
from skbbench.model import slub
from skbbench.model.sheaves_slab import build_detached_freelist
from skbbench.model.slub_layout import (
    _C_FREELIST,
    _C_TID,
    ALLOC_FASTPATH,
    ALLOC_SLOWPATH,
    _0,
    _1,
)


@njit(inline="always", nogil=True)
def __slab_alloc_node(kc, s, cpu):
    # __slab_alloc_node (v6.18): the cpu-slab lockless fast path, else __slab_alloc
    return slub.__slab_alloc_node(kc, s, cpu)


@njit(inline="always", nogil=True)
def do_slab_free(kc, s, cpu, page, head, tail, cnt):
    # do_slab_free (v6.18): this_cpu_cmpxchg_double onto the cpu freelist when the slab
    # is the cpu slab, else __slab_free (the SLUB model's slab_free)
    slub.slab_free(kc, s, cpu, page, head, tail, cnt)


@njit(nogil=True, cache=True, _nrt=False)
def __kmem_cache_free_bulk(kc, s, cpu, size, p, base):
    # __kmem_cache_free_bulk (v6.18): one do_slab_free per detached freelist
    while size != _0:
        size, page, head, tail, cnt = build_detached_freelist(kc, s, size, p, base, False)
        do_slab_free(kc, s, cpu, page, head, tail, cnt)


@njit(inline="always", nogil=True)
def kmem_cache_free_bulk_legacy(kc, s, cpu, size, p, kfree):
    # kmem_cache_free_bulk's loop without sheaves (v6.18; kfree_bulk passes s == NULL)
    while size != _0:
        size, page, head, tail, cnt = build_detached_freelist(kc, s, size, p, _0, kfree)
        do_slab_free(kc, s, cpu, page, head, tail, cnt)


@njit(nogil=True, cache=True, _nrt=False)
def __kmem_cache_alloc_bulk(kc, s, cpu, gfp, size, p, base):
    # __kmem_cache_alloc_bulk (v6.18): under local_lock_irqsave(&s->cpu_slab->lock) pop
    # c->freelist into p[base:]; when it runs dry drop the lock and call ___slab_alloc
    # (which takes it again inside); size objects or 0 (what was taken is freed)
    c = slub._cpu(s, cpu)
    i = _0
    while i < size:
        obj = s[c + _C_FREELIST]
        if obj == _0:
            s[c + _C_TID] = slub.next_tid(s, s[c + _C_TID])
            slub._charge_irqsave(kc, s, cpu)  # local_unlock_irqrestore
            slub.stat(kc, s, cpu, ALLOC_SLOWPATH)  # v6.x counts it in ___slab_alloc
            obj = call_out_of_line(slub.___slab_alloc, kc, s, cpu)
            slub._charge_irqsave(kc, s, cpu)  # ___slab_alloc's own local_lock_irqsave
            if obj == _0:
                if i != _0:
                    call_out_of_line(__kmem_cache_free_bulk, kc, s, cpu, i, p, base)
                return _0
            p[base + i] = obj
            i += _1
            continue  # local_lock_irqsave again
        s[c + _C_FREELIST] = slub.get_freepointer(s, obj)
        p[base + i] = obj
        slub.stat(kc, s, cpu, ALLOC_FASTPATH)
        i += _1
    s[c + _C_TID] = slub.next_tid(s, s[c + _C_TID])
    slub._charge_irqsave(kc, s, cpu)  # local_unlock_irqrestore
    return size
