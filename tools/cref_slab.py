"""SLAB's alloc+free fast path: the Numba model against a plain C rendering of it.

Compiles tools/cref/slab_fastpath.c with ``gcc -O2`` at run time (word offsets passed
with -D from skbbench.model.slab_layout), then times ``loops`` x (kmem_cache_alloc +
barrier + kmem_cache_free) on the SAME machine array with the model's jitted kernel
and with the C function, alternating, and prints cycles(tsc) per alloc+free of each
(median and minimum of the repeats) and the ratio model / C. ``--profile zero``
(default) excludes the IRQ-save charge from both, ``published`` includes it in both.

    python tools/cref_slab.py [--loops 10000000] [--repeat 7] [--profile zero] [--cpu 0]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from numba import njit  # noqa: E402

from skbbench.harness.intrinsics import barrier  # noqa: E402
from skbbench.harness.window import (  # noqa: E402
    W_TSC_START,
    W_TSC_STOP,
    new_window,
    time_bench_start,
    time_bench_stop,
)
from skbbench.model import slab  # noqa: E402
from skbbench.model import slab_layout as L  # noqa: E402
from skbbench.model.machine import MH_COST_IRQSAVE  # noqa: E402
from skbbench.model.slab_create import kmem_cache_create  # noqa: E402

SOURCE = Path(__file__).resolve().parent / "cref" / "slab_fastpath.c"


@njit(nogil=True, cache=True, _nrt=False)
def model_fastpath_reuse(s, cpu, loops, window):  # type: ignore[no-untyped-def]
    """kmem fastpath reuse on the SLAB model (as slab_bulk_test01's kernel)."""
    cnt = 0
    time_bench_start(window)
    for _ in range(loops):
        obj = slab.kmem_cache_alloc(s, cpu)
        if obj == 0:
            break
        barrier()
        slab.kmem_cache_free(s, cpu, obj)
        cnt += 1
    time_bench_stop(window, cnt)
    return cnt


def defines() -> list[str]:
    names = {
        "K_STAT_BASE": L.K_STAT_BASE,
        "K_CPU_BASE": L.K_CPU_BASE,
        "K_AC_STRIDE": L.K_AC_STRIDE,
        "K_NR_NODES": L.K_NR_NODES,
        "STAT_STRIDE": L.STAT_STRIDE,
        "AC_AVAIL": L.AC_AVAIL,
        "AC_LIMIT": L.AC_LIMIT,
        "AC_TOUCHED": L.AC_TOUCHED,
        "AC_ENTRY": L.AC_ENTRY,
        "ALLOCHIT": L.STAT_ITEMS.index("allochit"),
        "ALLOCMISS": L.STAT_ITEMS.index("allocmiss"),
        "FREEHIT": L.STAT_ITEMS.index("freehit"),
        "FREEMISS": L.STAT_ITEMS.index("freemiss"),
        "EV_IRQSAVE": len(L.STAT_ITEMS) + L.MODEL_EVENTS.index("irq_save_restore"),
        "MH_COST_IRQSAVE": MH_COST_IRQSAVE,
    }
    return [f"-D{k}={v}ULL" for k, v in names.items()]


def build(tmp: Path) -> ctypes.CDLL:
    lib = tmp / "slab_fastpath.so"
    cmd = ["gcc", "-O2", "-shared", "-fPIC", *defines(), "-o", str(lib), str(SOURCE)]
    subprocess.run(cmd, check=True)
    dll = ctypes.CDLL(str(lib))
    fn = dll.slab_fastpath_reuse
    fn.restype = ctypes.c_uint64
    fn.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p]
    return dll


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loops", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--profile", default="zero", choices=["zero", "published"])
    ap.add_argument("--cpu", type=int, default=0, help="simulated CPU (the cache has 2)")
    args = ap.parse_args()
    cache = kmem_cache_create(object_size=256, nr_cpus=2, profile=args.profile, max_slabs=8)
    s = cache.s
    cache.free(args.cpu, cache.alloc(args.cpu))  # warm: the array cache holds objects
    window = new_window()
    ticks = np.zeros(1, dtype=np.uint64)
    model_fastpath_reuse(s, args.cpu, 1000, window)  # compile / load
    with tempfile.TemporaryDirectory() as tmp:
        dll = build(Path(tmp))
        c_fn = dll.slab_fastpath_reuse
        c_fn(s.ctypes.data, args.cpu, 1000, ticks.ctypes.data)
        model, cref = [], []
        for _ in range(args.repeat):
            n = model_fastpath_reuse(s, args.cpu, args.loops, window)
            if n != args.loops:
                raise SystemExit(f"model loop stopped after {n} of {args.loops}")
            model.append((int(window[W_TSC_STOP]) - int(window[W_TSC_START])) / n)
            n = c_fn(s.ctypes.data, args.cpu, args.loops, ticks.ctypes.data)
            if n != args.loops:
                raise SystemExit(f"C loop left the fast path after {n} of {args.loops}")
            cref.append(int(ticks[0]) / n)
    med_m, med_c = statistics.median(model), statistics.median(cref)
    print(f"SLAB kmem fastpath reuse, profile {args.profile}, {args.loops} loops x {args.repeat}")
    print(f"  model (Numba)  median {med_m:7.3f}  min {min(model):7.3f} cycles(tsc)")
    print(f"  C (gcc -O2)    median {med_c:7.3f}  min {min(cref):7.3f} cycles(tsc)")
    print(f"  ratio model/C  median {med_m / med_c:7.3f}  min {min(model) / min(cref):7.3f}")


if __name__ == "__main__":
    main()
