"""SLUB's exported alloc+free fast path: the Numba model against a plain C rendering.

Compiles tools/cref/slub_fastpath.c with ``gcc -O2`` at run time (word offsets passed
with -D from skbbench.model.slub_layout), then times ``loops`` x (kmem_cache_alloc +
barrier + kmem_cache_free) on the SAME machine array with the model's bench kernel (the
timed flavor: default Kconfig, counters compiled out, exported functions out of line)
and with the C function, alternating, and prints cycles(tsc) per alloc+free of each
(median and minimum of the repeats) and the ratio model / C. Both use the unlocked
cmpxchg16b; ``--what-if locked-cmpxchg`` times the model's locked form beside them.

    python tools/cref_slub.py [--loops 10000000] [--repeat 7] [--cpu 0] [--what-if]
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

from skbbench.bench.slab_bulk_kernels import fastpath_reuse  # noqa: E402
from skbbench.harness.flavor import Flavor  # noqa: E402
from skbbench.harness.window import W_TSC_START, W_TSC_STOP, new_window  # noqa: E402
from skbbench.model import slub_layout as L  # noqa: E402
from skbbench.model.kconfig_layout import LOCKED_CPU_CMPXCHG, default_flags  # noqa: E402
from skbbench.model.machine import MH_VMEMMAP  # noqa: E402
from skbbench.model.mm_types import (  # noqa: E402
    GFP_DIRECT_RECLAIM,
    GFP_ZERO,
    PAGE_RECORD_WORDS,
    PAGE_SHIFT,
    PG_COMPOUND_HEAD,
)
from skbbench.model.slub_create import kmem_cache_create  # noqa: E402

SOURCE = Path(__file__).resolve().parent / "cref" / "slub_fastpath.c"


def defines() -> list[str]:
    names = {
        "H_CPU_BASE": L.H_CPU_BASE,
        "H_OFFSET": L.H_OFFSET,
        "H_TID_STEP": L.H_TID_STEP,
        "H_GFP_ALLOWED": L.H_GFP_ALLOWED,
        "H_FLAGS": L.H_FLAGS,
        "H_OBJECT_SIZE": L.H_OBJECT_SIZE,
        "CPU_WORDS": L.CPU_WORDS,
        "C_FREELIST": L.C_FREELIST,
        "C_TID": L.C_TID,
        "C_PAGE": L.C_PAGE,
        "SLAB_DEBUG_FREE": L.SLAB_DEBUG_FREE,
        "GFP_DIRECT_RECLAIM": GFP_DIRECT_RECLAIM,
        "GFP_ZERO": GFP_ZERO,
        "MH_VMEMMAP": MH_VMEMMAP,
        "PAGE_SHIFT": PAGE_SHIFT,
        "RECW": PAGE_RECORD_WORDS,
        "PG_CH": PG_COMPOUND_HEAD,
    }
    return [f"-D{k}={v}ULL" for k, v in names.items()]


def build(tmp: Path) -> ctypes.CDLL:
    """Compile the C rendering (gcc -O2) and load it."""
    lib = tmp / "slub_fastpath.so"
    cmd = ["gcc", "-O2", "-shared", "-fPIC", *defines(), "-o", str(lib), str(SOURCE)]
    subprocess.run(cmd, check=True)
    dll = ctypes.CDLL(str(lib))
    fn = dll.slub_fastpath_reuse
    fn.restype = ctypes.c_uint64
    fn.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p]
    for name in ("kmem_cache_alloc",):
        f = getattr(dll, name)
        f.restype = ctypes.c_uint64
        f.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
    dll.kmem_cache_free.restype = ctypes.c_int
    dll.kmem_cache_free.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
    return dll


def fresh_cache(cpu: int = 0):  # type: ignore[no-untyped-def]
    """A zero-cost-profile cache whose cpu slab serves the fast path (one alloc+free)."""
    cache = kmem_cache_create(object_size=256, nr_cpus=2, profile="zero", max_slabs=8)
    cache.free(cpu, cache.alloc(cpu))
    return cache


def model_loop(flavor: Flavor, s: np.ndarray, cpu: int, loops: int) -> tuple[int, float]:
    window = new_window()
    n = int(fastpath_reuse(flavor, s, cpu, loops, window))
    return n, (int(window[W_TSC_STOP]) - int(window[W_TSC_START])) / max(n, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loops", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cpu", type=int, default=0, help="simulated CPU (the cache has 2)")
    ap.add_argument("--what-if", action="store_true", help="also time the locked form")
    args = ap.parse_args()
    cache = fresh_cache(args.cpu)
    s = cache.s
    flavors = {"model (Numba)": Flavor(default_flags())}
    if args.what_if:
        flavors["model, lock cmpxchg16b"] = Flavor(default_flags() | LOCKED_CPU_CMPXCHG)
    for fl in flavors.values():
        model_loop(fl, s, args.cpu, 1000)  # compile / load
    ticks = np.zeros(1, dtype=np.uint64)
    results: dict[str, list[float]] = {k: [] for k in [*flavors, "C (gcc -O2)"]}
    with tempfile.TemporaryDirectory() as tmp:
        dll = build(Path(tmp))
        c_fn = dll.slub_fastpath_reuse
        c_fn(s.ctypes.data, args.cpu, 1000, ticks.ctypes.data)
        for _ in range(args.repeat):
            for name, fl in flavors.items():
                n, per = model_loop(fl, s, args.cpu, args.loops)
                if n != args.loops:
                    raise SystemExit(f"model loop stopped after {n} of {args.loops}")
                results[name].append(per)
            n = c_fn(s.ctypes.data, args.cpu, args.loops, ticks.ctypes.data)
            if n != args.loops:
                raise SystemExit(f"C loop left the fast path after {n} of {args.loops}")
            results["C (gcc -O2)"].append(int(ticks[0]) / n)
    print(f"SLUB kmem fastpath reuse (exported calls), {args.loops} loops x {args.repeat}")
    c_med, c_min = statistics.median(results["C (gcc -O2)"]), min(results["C (gcc -O2)"])
    for name, vals in results.items():
        med, lo = statistics.median(vals), min(vals)
        print(f"  {name:24s} median {med:7.3f}  min {lo:7.3f} cycles(tsc)")
    for name in flavors:
        vals = results[name]
        print(
            f"  ratio {name} / C: median {statistics.median(vals) / c_med:6.3f}"
            f"  min {min(vals) / c_min:6.3f}"
        )


if __name__ == "__main__":
    main()
