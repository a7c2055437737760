"""qmempool model: creation checks, the original's quirks (FIFO localq, 33-object slab
refill that leaves localq empty, free-to-slab draining 2x16), BH charging of the API
variants, exported calls really out of line, and the N-pattern steady state derived in
docs/benchmarks.md"""

import numpy as np
import pytest

from skbbench.bench import qmempool_common as qb
from skbbench.errors import ModelParameterError
from skbbench.model.qmempool import QMEMPOOL_BULK, qmempool_create
from skbbench.model.slub_create import kmem_cache_create
from skbbench.specs import qmempool as qspec
from tests.asmcheck import NRT_SYMBOLS, fresh_asm, native_bodies


def cache(check=True, cpus=2, profile="published"):
    return kmem_cache_create(object_size=256, nr_cpus=cpus, check=check, profile=profile)


@pytest.mark.parametrize(
    "args, needle",
    [
        ((32, 142, 0), "power-of-2"),  # test_detect_not_power_of_two
        ((32, 256, 512), "prealloc"),  # test_detect_prealloc_too_large
        ((8, 128, 0), "too small for bulking"),
        ((32, 16, 0), "too small for bulk refill"),
        ((24, 128, 0), "power-of-2"),
        ((32, 131072, 0), "65536"),
    ],
)
def test_create_checks(args, needle):
    with pytest.raises(ModelParameterError, match=needle):
        qmempool_create(*args, cache(check=False))


def test_create_needs_a_cache():
    with pytest.raises(ModelParameterError, match="NULL"):
        qmempool_create(32, 128, 0, None)


def test_prealloc_not_multiple_of_bulk_only_warns():
    c = cache()
    mp = qmempool_create(32, 512, 511, c)  # test_basic_create_and_destroy
    assert mp.warnings and "div by 16" in mp.warnings[0]
    assert mp.qstats(0) == (0, 511)
    assert mp.destroy() == 511
    c.destroy()


def test_basic_req_elem_leaves_bulk_minus_one_in_localq():
    c = cache()
    mp = qmempool_create(32, 512, 200, c)
    assert mp.alloc(0) != 0
    assert mp.qstats(0) == (QMEMPOOL_BULK - 1, 200 - QMEMPOOL_BULK)


def test_slab_refill_pulls_33_and_does_not_refill_localq():
    c = cache()
    mp = qmempool_create(32, 128, 0, c)
    obj = mp.alloc(0)
    assert obj != 0
    st = mp.stats(0)
    assert st["slab_refill"] == 1 and st["kmem_cache_alloc"] == 33
    assert st["sharedq_mp_enqueue"] == 2
    assert mp.qstats(0) == (0, 32)
    mp.alloc(0)  # next alloc takes path 2: 16 from sharedq, 15 into localq
    assert mp.qstats(0) == (15, 16)


def test_localq_is_fifo_unlike_slub():
    c = cache()
    mp = qmempool_create(32, 128, 16, c)
    qb.warm_up(mp, 0)
    assert mp.qstats(0) == (16, 0)
    seq = []
    for _ in range(48):
        o = mp.alloc(0)
        seq.append(o)
        mp.free(0, o)
    assert len(set(seq)) == 16 and seq[:16] == seq[16:32] == seq[32:]
    # SLUB's per-CPU freelist is LIFO: alloc+free hands back the same object
    o = c.alloc(1)
    c.free(1, o)
    assert c.alloc(1) == o


def test_free_to_slab_drains_two_bulks_from_sharedq():
    c = cache()
    mp = qmempool_create(32, 128, 0, c)
    objs = [mp.alloc(0) for _ in range(300)]
    assert len(set(objs)) == 300 and 0 not in objs
    events = 0
    for o in objs:
        before = mp.stats(0)
        _, shared_before = mp.qstats(0)
        mp.free(0, o)
        after = mp.stats(0)
        if after["free_to_slab"] > before["free_to_slab"]:
            events += 1
            assert shared_before == 128  # sharedq full: the 16 did not fit
            assert after["kmem_cache_free"] - before["kmem_cache_free"] == 16 + 32
            assert mp.qstats(0)[1] == 128 - 32
    assert events > 0
    held = mp.contents()
    assert len(held) == len(set(held))
    mp.destroy()
    c.destroy()  # every object came back: no object remaining


@pytest.mark.parametrize("nr", [128, 129, 132, 133])
def test_alloc_and_free_nr(nr):
    c = cache()
    mp = qmempool_create(32, 128, 0, c)
    objs = [mp.alloc(0) for _ in range(nr)]
    assert len(set(objs)) == nr
    for o in objs:
        mp.free(0, o)
    mp.destroy()
    c.destroy()


def test_remote_free_on_another_cpu_conserves():
    c = cache()
    mp = qmempool_create(32, 128, 0, c)
    objs = [mp.alloc(0) for _ in range(200)]
    for o in objs:
        mp.free(1, o)  # freed on CPU 1: its localq, then sharedq, then CPU 1's slab path
    assert sum(mp.qstats(1)) > 0
    mp.destroy()
    c.destroy()


def test_bh_charged_unless_in_softirq():
    c = cache()
    mp = qmempool_create(32, 128, 16, c)
    o = mp.alloc(0)
    mp.free(0, o)
    assert mp.stats(0)["bh_disable_enable"] == 2
    o = mp.alloc(0, softirq=True)
    mp.free(0, o, softirq=True)
    assert mp.stats(0)["bh_disable_enable"] == 2
    mp.set_in_softirq(0, True)  # in_serving_softirq(): no local_bh_disable
    o = mp.alloc(0)
    mp.free(0, o)
    assert mp.stats(0)["bh_disable_enable"] == 2


@pytest.mark.parametrize(
    "variant, bh_per_iter",
    [(qspec.NORMAL, 2), (qspec.NORMAL_INLINE, 2), (qspec.SOFTIRQ, 1), (qspec.SOFTIRQ_INLINE, 0)],
)
def test_variants_bh_protection_including_the_softirq_free_quirk(variant, bh_per_iter):
    c = cache(check=False)
    mp = qmempool_create(32, 128, 16, c)
    qb.warm_up(mp, 0)
    mp.reset_stats()
    window = np.zeros(8, dtype=np.uint64)
    assert qb.run_fastpath(mp, variant, 0, 5000, window) == 5000
    # exported qmempool_free_softirq calls the BH-protected __qmempool_free
    assert mp.stats(0)["bh_disable_enable"] == 5000 * bh_per_iter
    assert mp.qstats(0) == (16, 0)


@pytest.fixture(scope="module")
def kernel_asm():
    """Fresh (uncached) native code of one exported and one inline kernel, compiled once."""
    c = cache(check=False)
    mp = qmempool_create(32, 256, 16, c)
    w = np.zeros(8, dtype=np.uint64)
    qb.warm_up(mp, 0)
    qb.run_fastpath(mp, qspec.NORMAL, 0, 100, w)
    qb.run_pattern(mp, qspec.NORMAL_INLINE, 0, 2, np.zeros(256, dtype=np.uint64), w)
    out = {}
    for k in (qb.qmempool_fastpath_exported, qb.qmempool_pattern_bh_inline):
        out[k.__name__] = "\n".join(b for a in fresh_asm(k) for b in native_bodies(a))
    return out


def test_exported_calls_are_out_of_line(kernel_asm):
    exported = kernel_asm["qmempool_fastpath_exported"]
    inline = kernel_asm["qmempool_pattern_bh_inline"]
    # the queue code (lock cmpxchg of the sharedq path) is in the inline kernel only;
    # the exported one reaches it through a call
    assert "lock" in inline and "cmpxchg" in inline
    assert "cmpxchg" not in exported
    assert "call" in exported


def test_hot_kernels_have_no_nrt_calls(kernel_asm):
    for name, asm in kernel_asm.items():
        assert not [sym for sym in NRT_SYMBOLS if sym in asm], name


def test_n_pattern_steady_state_matches_the_derivation():
    # docs/benchmarks.md: pool(32, 256, 0), 256 allocs then 256 frees per iteration
    iters = 50
    c = cache(check=False)
    mp = qmempool_create(32, 256, 0, c)
    objs = np.zeros(256, dtype=np.uint64)
    w = np.zeros(8, dtype=np.uint64)
    assert qb.run_pattern(mp, qspec.SOFTIRQ_INLINE, 0, iters, objs, w) == iters * 256
    st = mp.stats(0)
    assert st["slab_refill"] == 8 and st["kmem_cache_alloc"] == 264  # iteration 0 only
    assert st["sharedq_mc_dequeue"] == 24 + 15 * (iters - 1)
    assert st["alloc_from_sharedq"] == 16 + 15 * (iters - 1)
    assert st["sharedq_mp_enqueue"] == 31 + 15 * (iters - 1)
    assert st["free_to_slab"] == 0 and st["kmem_cache_free"] == 0
    assert mp.qstats(0) == (24, 240)
    mp.destroy()
    c.destroy()
