"""The kernel cache: keyed by the package's sources, shared by every copy of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from skbbench.cachedir import _package_subpath, source_hash

ROOT = Path(__file__).resolve().parent.parent

# compiles one small cached kernel and prints how many functions Numba compiled
PROBE = """
from numba.core import event
compiled = []
class L(event.Listener):
    def on_start(self, ev): pass
    def on_end(self, ev): compiled.append(ev)
event.register("numba:compile", L())
import skbbench.harness.spin as spin
spin._time_calls(10, 1)
print(len(compiled))
"""


def _copy(dst: Path) -> Path:
    shutil.copytree(
        ROOT / "skbbench", dst / "skbbench", ignore=shutil.ignore_patterns("__pycache__")
    )
    return dst


def _compiles(copy: Path, cache: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(cache), PYTHONPATH=str(copy))
    p = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=copy, env=env, capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    return int(p.stdout.split()[-1])


def test_a_second_copy_of_the_same_sources_compiles_nothing(tmp_path):
    cache = tmp_path / "cache"
    a, b = _copy(tmp_path / "a"), _copy(tmp_path / "b")
    assert _compiles(a, cache) > 0  # cold
    assert _compiles(b, cache) == 0  # the same sources elsewhere: all from the cache
    changed = _copy(tmp_path / "c")
    with open(changed / "skbbench" / "harness" / "spin.py", "a") as f:
        f.write("\n# a change\n")
    assert source_hash(changed / "skbbench") != source_hash(a / "skbbench")
    assert _compiles(changed, cache) > 0  # any change: a fresh cache


def test_only_the_package_s_own_modules_are_placed_by_package_path(tmp_path):
    assert _package_subpath(str(ROOT / "skbbench" / "model" / "slub.py")) == "skbbench_model"
    assert _package_subpath(str(ROOT / "skbbench" / "cli.py")) == "skbbench"
    assert _package_subpath(str(tmp_path / "elsewhere.py")) is None
