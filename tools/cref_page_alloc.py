"""The page allocator model's order-0 alloc+free hot path against a plain C rendering of
the same operations on the same memory layout (tools/cref/page_alloc_order0.c, compiled
here with gcc -O2; layout constants passed from the model as -D flags).

Both run page_bench01's single_page_alloc_free loop (alloc_page + __free_page on one
CPU: a pcp hit every time after the first refill) on machines with a zero cost profile,
so the IRQ save/restore charge is omitted in both. Prints cycles(tsc) per alloc+free of
each and the ratio model / C (the issue's goal: within 1.3x). Measure on a quiet machine.

    python tools/cref_page_alloc.py [--loops 1000000] [--repeat 7] [--cpu N]
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from numba import njit  # noqa: E402

from skbbench.harness.intrinsics import barrier, tsc_start, tsc_stop  # noqa: E402
from skbbench.model import machine as mh  # noqa: E402
from skbbench.model import mm_types as mt  # noqa: E402
from skbbench.model import page_alloc as pa  # noqa: E402
from skbbench.model import page_alloc_layout as pal  # noqa: E402
from skbbench.model.page_alloc_create import new_machine  # noqa: E402

SOURCE = Path(__file__).resolve().parent / "cref" / "page_alloc_order0.c"


def layout_defines() -> dict[str, int]:
    """Every constant the C file uses, from the Python model."""
    names_pa = [
        "Z_LOCK",
        "Z_FREE_AREA",
        "FA_WORDS",
        "FA_NR_FREE",
        "Z_NR_FREE_PAGES",
        "Z_START_PFN",
        "Z_SPANNED",
        "Z_WMARK_LOW",
        "Z_PCP_BASE",
        "Z_STAT_BASE",
        "Z_ERR",
        "PCP_WORDS",
        "PCP_COUNT",
        "PCP_HIGH",
        "PCP_BATCH",
        "PCP_LIST",
        "PA_STAT_STRIDE",
        "ERR_REF_UNDERFLOW",
        "ERR_BAD_FREE",
        "ERR_BAD_ALLOC",
        "ERR_ORDER",
        "ERR_RANGE",
        "BAD_MAPCOUNT",
        "BAD_COUNT",
        "BAD_FLAGS",
        "CHECK_AT_FREE",
    ]
    d = {n: int(getattr(pal, n)) for n in names_pa}
    for n in ("ST_PGALLOC", "ST_PGFREE", "ST_PCP_ALLOC", "ST_PCP_HIT", "ST_PCP_FREE"):
        d[n] = int(getattr(pal, n))
    for n in ("ST_RMQUEUE_BULK", "ST_RMQUEUE_BULK_PAGES", "ST_FREE_PCPPAGES_BULK"):
        d[n] = int(getattr(pal, n))
    for n in ("ST_FREE_PCPPAGES_BULK_PAGES", "ST_ZONE_LOCK", "ST_IRQSAVE", "ST_SPLIT"):
        d[n] = int(getattr(pal, n))
    d["ST_MERGE"] = int(pal.ST_MERGE)
    d.update(MH_ZONE=mh.MH_ZONE, MH_VMEMMAP=mh.MH_VMEMMAP, MH_COST_IRQSAVE=mh.MH_COST_IRQSAVE)
    d.update(
        RECW=mt.PAGE_RECORD_WORDS,
        PG_COUNTERS=mt.PG_COUNTERS,
        PG_LRU_NEXT=mt.PG_LRU_NEXT,
        PG_PRIVATE=mt.PG_PRIVATE,
        PG_FLAGS=mt.PG_FLAGS,
        PG_COMPOUND_HEAD=mt.PG_COMPOUND_HEAD,
        PG_BUDDY=mt.PG_BUDDY,
        PG_PCP=mt.PG_PCP,
        PG_HEAD=mt.PG_HEAD,
        GFP_COLD=mt.GFP_COLD,
        MAX_ORDER=mt.MAX_ORDER,
        REF_ONE=mt.REF_ONE,
    )
    return d


def compiler() -> str | None:
    return shutil.which(os.environ.get("CC", "gcc"))


def build(cc: str | None = None) -> ctypes.CDLL | None:
    """Compile (cached by source and layout) and load the C reference; None without gcc."""
    cc = cc or compiler()
    if cc is None:
        return None
    defines = [f"-D{k}={v}ULL" for k, v in sorted(layout_defines().items())]
    src = SOURCE.read_bytes()
    key = hashlib.sha256(src + " ".join(defines).encode() + cc.encode()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"skbbench_cref_page_alloc_{key}.so"
    if not out.exists():
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        cmd = [cc, "-O2", "-std=gnu11", "-shared", "-fPIC", *defines, str(SOURCE), "-o", str(tmp)]
        subprocess.run(cmd, check=True, capture_output=True)
        os.replace(tmp, out)
    lib = ctypes.CDLL(str(out))
    u64, p64 = ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint64)
    lib.cref_alloc_free_loop.argtypes = [p64, u64, u64]
    lib.cref_alloc_free_loop.restype = u64
    lib.cref_outstanding.argtypes = [p64, u64, u64, u64, p64]
    lib.cref_outstanding.restype = u64
    return lib


def _ptr(a: np.ndarray) -> ctypes._Pointer:  # type: ignore[type-arg]
    assert a.dtype == np.uint64 and a.flags.c_contiguous
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_uint64))


def c_alloc_free_loop(lib: ctypes.CDLL, s: np.ndarray, cpu: int, loops: int) -> int:
    return int(lib.cref_alloc_free_loop(_ptr(s), cpu, loops))


def c_outstanding(lib: ctypes.CDLL, s: np.ndarray, cpu: int, n: int, rounds: int) -> bool:
    pages = np.zeros(max(n, 1), dtype=np.uint64)
    return bool(lib.cref_outstanding(_ptr(s), cpu, n, rounds, _ptr(pages)))


@njit(nogil=True, cache=True, _nrt=False)
def model_alloc_free_loop(s, cpu, loops):  # type: ignore[no-untyped-def]
    # page_bench01 single_page_alloc_free on the model: ticks, 0 if an allocation failed
    t0 = tsc_start()
    for _ in range(loops):
        pfn = pa.alloc_pages(s, cpu, 0, 0)
        if pfn == 0:
            return np.uint64(0)
        barrier()
        pa.__free_pages(s, cpu, pfn, 0)
    return tsc_stop() - t0


@njit(nogil=True, cache=True, _nrt=False)
def model_outstanding(s, cpu, n, rounds, pages):  # type: ignore[no-untyped-def]
    # n pages outstanding, rounds times, on the model (what cref_outstanding does)
    for _ in range(rounds):
        for i in range(n):
            pages[i] = pa.alloc_pages(s, cpu, 0, 0)
            if pages[i] == 0:
                return False
        for i in range(n):
            pa.__free_pages(s, cpu, pages[i], 0)
    return True


def fresh_machine(nr_pages: int = 4096) -> mh.Machine:
    """A zero-cost machine (the IRQ charge omitted) with a page allocator."""
    return new_machine(nr_pages, 1, profile="zero")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loops", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cpu", type=int, default=None, help="pin to this CPU (default: last)")
    args = ap.parse_args()
    lib = build()
    if lib is None:
        print("no C compiler (gcc) found: nothing to compare", file=sys.stderr)
        return 2
    from skbbench.harness.cpus import choose_cpu, pin_current_thread

    pin_current_thread(choose_cpu(args.cpu))
    runs: dict[str, list[float]] = {"model (numba)": [], "C (gcc -O2)": []}
    for _ in range(args.repeat):
        for name in runs:
            m = fresh_machine()
            if name.startswith("model"):
                model_alloc_free_loop(m.s, 0, 1000)  # warm: compile, first refill
                ticks = int(model_alloc_free_loop(m.s, 0, args.loops))
            else:
                c_alloc_free_loop(lib, m.s, 0, 1000)
                ticks = c_alloc_free_loop(lib, m.s, 0, args.loops)
            if ticks == 0:
                print(f"{name}: an allocation failed", file=sys.stderr)
                return 1
            runs[name].append(ticks / args.loops)
    for name, per in runs.items():
        print(
            f"{name:14s} alloc_page+__free_page: median {statistics.median(per):7.2f} "
            f"min {min(per):7.2f} max {max(per):7.2f} cycles(tsc) ({args.repeat} runs)"
        )
    ratio = statistics.median(runs["model (numba)"]) / statistics.median(runs["C (gcc -O2)"])
    print(f"ratio model / C: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
