"""The skb code's slab allocator layer compiles only the allocator it is given.

``skbuff.head_cache_*`` take the allocator as a Flavor (a compile-time type). A kernel
compiled for SLAB must not make Numba compile any SLUB or SLUB_DEBUG-like code (a branch
on a run-time allocator id would: Numba types, and so compiles, every branch's callees).
Checked in a fresh process with an empty compile cache, where every callee that gets
typed is compiled and shows up in its dispatcher's signatures."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import json, sys
    from numba import njit, typeof, types
    from skbbench.harness.flavor import Flavor
    from skbbench.model import bulk, skbuff, slab, slab_debug, slub, slub_debug
    from skbbench.model.napi_layout import ALLOCATORS

    allocator = Flavor(ALLOCATORS[(sys.argv[1], sys.argv[2] == "checked")])

    @njit(nogil=True)
    def use(s, cpu, p, allocator):
        x = skbuff.head_cache_alloc(s, cpu, allocator)
        skbuff.head_cache_free(s, cpu, x, allocator)
        n = skbuff.head_cache_alloc_bulk(s, cpu, types.uint64(4), p, allocator)
        skbuff.head_cache_free_bulk(s, cpu, n, p, allocator)
        return n

    arr = types.Array(types.uint64, 1, "C")
    use.compile((arr, types.uint64, arr, typeof(allocator)))

    def compiled(mod):
        return sorted(
            name
            for name, d in vars(mod).items()
            if getattr(d, "signatures", None) and d.py_func.__module__ == mod.__name__
        )

    mods = (slab, slab_debug, slub, slub_debug, bulk)
    print(json.dumps({m.__name__.rsplit(".", 1)[1]: compiled(m) for m in mods}))
    """
)


def _compiled(tmp_path, allocator, checked):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), PYTHONPATH=str(ROOT))
    p = subprocess.run(
        [sys.executable, "-c", PROBE, allocator, "checked" if checked else "plain"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_a_slab_kernel_compiles_no_slub_code(tmp_path):
    got = _compiled(tmp_path, "slab", False)
    assert got["slab"], "the SLAB chain itself was compiled"
    assert got["slub"] == [] and got["bulk"] == [] and got["slub_debug"] == []
    assert got["slab_debug"] == []
