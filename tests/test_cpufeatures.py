"""cmpxchg16b on odd Numba CPU targets: detection, the +cx16 fix, the one-line error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skbbench.harness import cpufeatures as cf

ROOT = Path(__file__).resolve().parent.parent
HOST_CX16 = cf.host_has_cx16()
NOTE = "has no cmpxchg16b; this CPU has it: compiling with NUMBA_CPU_FEATURES="


def skbbench(*args, env=None, code=None, timeout=600):
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "skbbench", *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CPU_")}
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env={**clean, **env}
    )


@pytest.mark.parametrize(
    "cpu, features, has",
    [
        ("generic", "", False),
        ("generic", "+cx16", True),
        ("generic", "+sse4.2,-cx16", False),
        ("x86-64", "", False),
        ("x86-64-v2", "", True),
        ("core2", "", True),
        ("x86-64-v2", "-cx16", False),
    ],
)
def test_llvm_probe_knows_which_targets_have_cmpxchg16b(cpu, features, has):
    assert cf.target_has_cx16(cpu, features) is has


feature = st.sampled_from(["+sse4.2", "-avx", "+popcnt", "+cx16", "-cx16", "+avx2", "-sse3"])


@given(st.lists(feature, max_size=6))
def test_with_cx16_enables_it_once_and_keeps_the_rest(parts):
    out = cf.with_cx16(",".join(parts)).split(",")
    assert out.count("+cx16") == 1 and "-cx16" not in out
    assert [p for p in out if p != "+cx16"] == [p for p in parts if p not in ("+cx16", "-cx16")]
    assert cf.target_has_cx16("generic", ",".join(out))


def test_host_flag_is_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 cx8 ssse3\n\n")
    assert cf.host_has_cx16(info) is False
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 cx16 ssse3\n\n")
    assert cf.host_has_cx16(info) is True


@pytest.mark.skipif(not HOST_CX16, reason="host has no cx16 (the error is tested below)")
def test_generic_numba_target_runs_with_cx16_enabled():
    # sample's cmpxchg_double is LLVM's locked i128 cmpxchg
    p = skbbench("sample", "--loops", "20000", "--repeat", "1", env={"NUMBA_CPU_NAME": "generic"})
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stderr.count(NOTE) == 1 and "NUMBA_CPU_FEATURES=+cx16" in p.stderr
    assert "Type:cmpxchg_double" in p.stdout


UNLOCKED_CMPXCHG16B = """
from numba import njit
import numpy as np
from skbbench.harness.intrinsics import cmpxchg128_local  # checks the target first
from skbbench.harness.memory import aligned_words

@njit
def swap(a):
    return cmpxchg128_local(a, 0, np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4))

a = aligned_words(4)
a[0], a[1] = 1, 2
print(bool(swap(a)), int(a[0]), int(a[1]))
"""


@pytest.mark.skipif(not HOST_CX16, reason="host has no cx16")
def test_generic_numba_target_assembles_the_unlocked_cmpxchg16b():
    # SLUB's this_cpu_cmpxchg_double is inline asm, which the assembler refuses for a
    # target without cx16: the same check adds the feature for it
    p = skbbench(env={"NUMBA_CPU_NAME": "generic"}, code=UNLOCKED_CMPXCHG16B)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["True", "3", "4"]


@pytest.mark.skipif(not HOST_CX16, reason="host has no cx16")
def test_explicit_features_without_cx16_get_it_added():
    p = skbbench(
        "sample",
        "--loops",
        "20000",
        "--repeat",
        "1",
        "--tests",
        "cmpxchg_double",
        env={"NUMBA_CPU_NAME": "x86-64", "NUMBA_CPU_FEATURES": "+sse4.2,-cx16"},
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert "NUMBA_CPU_FEATURES=+sse4.2,+cx16" in p.stderr
    assert p.stdout.startswith("Type:cmpxchg_double ")


NO_CX16_HOST = """
import skbbench.harness.cpufeatures as cf
cf.host_has_cx16 = lambda *a: False   # a host without cmpxchg16b
from skbbench.cli import main
main(["sample", "--loops", "20000", "--repeat", "1"])
"""


def test_a_host_without_cx16_is_a_one_line_error_exit_2():
    """On a cx16 host the missing flag is simulated; on a host without it this is real."""
    p = skbbench(env={"NUMBA_CPU_NAME": "generic"}, code=NO_CX16_HOST)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip().splitlines() == [f"skbbench: error: {cf.NO_CX16_HOST}"]


def test_host_target_needs_no_change():
    p = skbbench(
        env={},
        code="import skbbench.harness.intrinsics\nimport os\n"
        "print(os.environ.get('NUMBA_CPU_FEATURES'))",
    )
    assert p.returncode == 0, p.stderr
    if HOST_CX16:
        assert p.stdout.strip() == "None" and p.stderr == ""
