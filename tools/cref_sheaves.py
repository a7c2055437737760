"""The sheaves model's exported alloc+free fast path against a plain C rendering.

Compiles tools/cref/sheaves_fastpath.c with ``gcc -O2`` at run time (word offsets passed
with -D from skbbench.model.sheaves_layout), then times ``loops`` x (kmem_cache_alloc +
barrier + kmem_cache_free) on the SAME machine array with the model (v7.0 form, the
timed flavor: default Kconfig, counters compiled out, exported functions out of line)
and with the C functions, alternating, and prints cycles(tsc) per alloc+free of each
(median and minimum of the repeats) and the ratio model / C. The cache uses the zero
cost profile: the per-CPU lock's preempt_disable/enable charge is 0 in both.

    python tools/cref_sheaves.py [--loops 10000000] [--repeat 7] [--cpu 0]
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from numba import njit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skbbench.harness.flavor import Flavor  # noqa: E402
from skbbench.harness.intrinsics import barrier  # noqa: E402
from skbbench.harness.window import (  # noqa: E402
    W_TSC_START,
    W_TSC_STOP,
    new_window,
    time_bench_start,
    time_bench_stop,
)
from skbbench.model import sheaves_layout as L  # noqa: E402
from skbbench.model.kconfig_layout import default_flags  # noqa: E402
from skbbench.model.machine import MH_COST_PREEMPT, MH_VMEMMAP  # noqa: E402
from skbbench.model.mm_types import (  # noqa: E402
    GFP_DIRECT_RECLAIM,
    GFP_ZERO,
    PAGE_RECORD_WORDS,
    PAGE_SHIFT,
    PG_COMPOUND_HEAD,
    PG_PFMEMALLOC,
)
from skbbench.model.sheaves import kmem_cache_alloc_kc, kmem_cache_free_kc  # noqa: E402
from skbbench.model.sheaves_create import SheavesCache, kmem_cache_create  # noqa: E402

SOURCE = Path(__file__).resolve().parent / "cref" / "sheaves_fastpath.c"


def defines() -> list[str]:
    names = {
        "H_GFP_ALLOWED": L.H_GFP_ALLOWED,
        "H_OBJECT_SIZE": L.H_OBJECT_SIZE,
        "SH_PCS_BASE": L.SH_PCS_BASE,
        "SH_CAPACITY": L.SH_CAPACITY,
        "SH_INFO_BASE": L.SH_INFO_BASE,
        "PCS_WORDS": L.PCS_WORDS,
        "PCS_LOCK": L.PCS_LOCK,
        "PCS_MAIN": L.PCS_MAIN,
        "SHEAF_SIZE": L.SHEAF_SIZE,
        "SHEAF_OBJECTS": L.SHEAF_OBJECTS,
        "INFO_WORDS": L.INFO_WORDS,
        "INFO_NODE": L.INFO_NODE,
        "NODE_SHIFT": L.PG_NODE_SHIFT,
        "PG_FLAGS": L.PG_FLAGS,
        "PG_PFMEMALLOC": PG_PFMEMALLOC,
        "GFP_DIRECT_RECLAIM": GFP_DIRECT_RECLAIM,
        "GFP_ZERO": GFP_ZERO,
        "MH_VMEMMAP": MH_VMEMMAP,
        "MH_COST_PREEMPT": MH_COST_PREEMPT,
        "PAGE_SHIFT": PAGE_SHIFT,
        "RECW": PAGE_RECORD_WORDS,
        "PG_CH": PG_COMPOUND_HEAD,
    }
    return [f"-D{k}={v}ULL" for k, v in names.items()]


def build(tmp: Path) -> ctypes.CDLL:
    """Compile the C rendering (gcc -O2) and load it."""
    lib = tmp / "sheaves_fastpath.so"
    cmd = ["gcc", "-O2", "-shared", "-fPIC", *defines(), "-o", str(lib), str(SOURCE)]
    subprocess.run(cmd, check=True)
    dll = ctypes.CDLL(str(lib))
    fn = dll.sheaves_fastpath_reuse
    fn.restype = ctypes.c_uint64
    fn.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p]
    dll.kmem_cache_alloc.restype = ctypes.c_uint64
    dll.kmem_cache_alloc.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
    dll.kmem_cache_free.restype = None
    dll.kmem_cache_free.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
    dll.sheaves_reached_slow.restype = ctypes.c_int
    return dll


def fresh_cache(cpu: int = 0) -> SheavesCache:
    """A zero-cost-profile v7.0 cache whose main sheaf serves the fast path (after one
    alloc+free it is full: the loop's alloc leaves room for its free)."""
    cache = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", max_slabs=8)
    cache.free(cpu, cache.alloc(cpu))
    return cache


@njit(nogil=True, cache=True, _nrt=False)
def fastpath_reuse(kc, s, cpu, loops, window):  # type: ignore[no-untyped-def]
    # kmem fastpath reuse: alloc + barrier + free of the same object
    cnt = 0
    time_bench_start(window)
    for _ in range(loops):
        obj = kmem_cache_alloc_kc(kc, s, cpu, 0)
        if obj == np.uint64(0):
            break
        barrier()
        kmem_cache_free_kc(kc, s, cpu, obj)
        cnt += 1
    time_bench_stop(window, cnt)
    return cnt


def model_loop(flavor: Flavor, s: np.ndarray, cpu: int, loops: int) -> tuple[int, float]:
    window = new_window()
    n = int(fastpath_reuse(flavor, s, cpu, loops, window))
    return n, (int(window[W_TSC_STOP]) - int(window[W_TSC_START])) / max(n, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--loops", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cpu", type=int, default=0, help="simulated CPU (the cache has 2)")
    args = ap.parse_args()
    cache = fresh_cache(args.cpu)
    s = cache.s
    flavor = Flavor(default_flags())
    model_loop(flavor, s, args.cpu, 1000)  # compile / load
    ticks = np.zeros(1, dtype=np.uint64)
    results: dict[str, list[float]] = {"model (Numba)": [], "C (gcc -O2)": []}
    with tempfile.TemporaryDirectory() as tmp:
        dll = build(Path(tmp))
        c_fn = dll.sheaves_fastpath_reuse
        c_fn(s.ctypes.data, args.cpu, 1000, ticks.ctypes.data)
        for _ in range(args.repeat):
            n, per = model_loop(flavor, s, args.cpu, args.loops)
            if n != args.loops:
                raise SystemExit(f"model loop stopped after {n} of {args.loops}")
            results["model (Numba)"].append(per)
            n = c_fn(s.ctypes.data, args.cpu, args.loops, ticks.ctypes.data)
            if n != args.loops or dll.sheaves_reached_slow():
                raise SystemExit(f"C loop left the fast path after {n} of {args.loops}")
            results["C (gcc -O2)"].append(int(ticks[0]) / n)
    print(
        f"sheaves (v7.0) kmem fastpath reuse (exported calls), {args.loops} loops x {args.repeat}"
    )
    c_vals = results["C (gcc -O2)"]
    m_vals = results["model (Numba)"]
    for name, vals in results.items():
        med, lo = statistics.median(vals), min(vals)
        print(f"  {name:24s} median {med:7.3f}  min {lo:7.3f} cycles(tsc)")
    print(
        f"  ratio model / C: median {statistics.median(m_vals) / statistics.median(c_vals):6.3f}"
        f"  min {min(m_vals) / min(c_vals):6.3f}"
    )


if __name__ == "__main__":
    main()
