"""The plain C rendering of the order-0 alloc+free path (tools/cref) builds and leaves
exactly the machine array the model leaves (same operations, same layout, same counters).
No timing here: tools/cref_page_alloc.py prints the comparison."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "cref_page_alloc.py"


@pytest.fixture(scope="module")
def cref():
    spec = importlib.util.spec_from_file_location("cref_page_alloc", TOOL)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # Numba's cache finds the kernels' module by name
    spec.loader.exec_module(mod)
    if mod.compiler() is None:
        pytest.skip("no C compiler")
    lib = mod.build()
    assert lib is not None
    return mod, lib


def test_c_and_model_leave_the_same_state(cref):
    mod, lib = cref
    a, b = mod.fresh_machine(1024), mod.fresh_machine(1024)
    assert np.array_equal(a.s, b.s)
    assert mod.model_alloc_free_loop(a.s, 0, 5000) > 0
    assert mod.c_alloc_free_loop(lib, b.s, 0, 5000) > 0
    assert np.array_equal(a.s, b.s)
    pages = np.zeros(300, dtype=np.uint64)
    assert mod.model_outstanding(a.s, 0, 300, 3, pages)  # refills and drains
    assert mod.c_outstanding(lib, b.s, 0, 300, 3)
    diff = np.flatnonzero(a.s != b.s)
    assert diff.size == 0, f"first differing word {diff[:5]}"


def test_c_reports_a_failed_allocation(cref):
    mod, lib = cref
    m = mod.fresh_machine(64)
    assert not mod.c_outstanding(lib, m.s, 0, 100, 1)
    assert not mod.model_outstanding(mod.fresh_machine(64).s, 0, 100, 1, np.zeros(100, np.uint64))
