"""The plain C rendering of the sheaves fast path (tools/cref/sheaves_fastpath.c) builds
and leaves exactly the machine array the model's timed kernel leaves (same operations,
same layout, no counters in either). No timing here: tools/cref_sheaves.py prints it."""

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "cref_sheaves.py"


@pytest.fixture(scope="module")
def cref():
    if shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    spec = importlib.util.spec_from_file_location("cref_sheaves", TOOL)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    with tempfile.TemporaryDirectory() as tmp:
        yield mod, mod.build(Path(tmp))


def test_c_and_model_fast_paths_leave_the_same_state(cref):
    from skbbench.harness.flavor import Flavor
    from skbbench.model.kconfig_layout import default_flags

    mod, dll = cref
    a, b = mod.fresh_cache(0), mod.fresh_cache(0)
    assert np.array_equal(a.s, b.s)
    n, _ = mod.model_loop(Flavor(default_flags()), a.s, 0, 5000)
    ticks = np.zeros(1, np.uint64)
    assert n == 5000 == dll.sheaves_fastpath_reuse(b.s.ctypes.data, 0, 5000, ticks.ctypes.data)
    assert not dll.sheaves_reached_slow()
    diff = np.flatnonzero(a.s != b.s)
    assert diff.size == 0, f"first differing words {diff[:5]}"
    # several objects out, then all freed: the same objects, in the same order, and
    # the same final state (the model's convenience entry points count: mask counters)
    objs_a = [int(dll.kmem_cache_alloc(a.s.ctypes.data, 0, 0)) for _ in range(5)]
    objs_b = [b.alloc(0) for _ in range(5)]
    assert objs_a == objs_b and all(objs_a)
    for x in reversed(objs_a):
        dll.kmem_cache_free(a.s.ctypes.data, 0, x)
    for x in reversed(objs_b):
        b.free(0, x)
    assert not dll.sheaves_reached_slow()
    mask = b.machine.counter_mask()
    assert np.array_equal(a.s[~mask], b.s[~mask])


def test_c_reports_the_slow_path(cref):
    mod, dll = cref
    c = mod.fresh_cache(0)
    ticks = np.zeros(1, np.uint64)
    # on CPU 1 the main sheaf is empty: the first allocation needs a refill
    assert dll.sheaves_fastpath_reuse(c.s.ctypes.data, 1, 10, ticks.ctypes.data) == 0
    assert dll.sheaves_reached_slow()
