"""Where Numba caches compiled kernels: a directory keyed by the package's sources.

Numba's cache key covers only the source file of the cached function, so a change to an
intrinsic or a callee in another module would run stale machine code (docs/measurement.md).
Keying the cache directory by a hash of every module of the package (and the versions of
numba and llvmlite) makes any change start a fresh cache. Runs before numba is imported;
a user's own NUMBA_CACHE_DIR is respected.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def source_hash() -> str:
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    for dist in ("numba", "llvmlite"):
        try:
            h.update(metadata.version(dist).encode())
        except metadata.PackageNotFoundError:
            pass
    return h.hexdigest()[:16]


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "skbbench" / "numba"


def configure_numba_cache() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    path = cache_root() / source_hash()
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    import sys

    numba_config = sys.modules.get("numba.core.config")
    if numba_config is not None:  # imported before us: numba reads the setting lazily
        setattr(numba_config, "CACHE_DIR", str(path))  # noqa: B010


def prune_old_caches(keep: int = 3) -> None:
    """Remove all but the ``keep`` most recently used source-keyed cache directories."""
    import shutil

    root = cache_root()
    current = os.environ.get("NUMBA_CACHE_DIR", "")
    try:
        dirs = [d for d in root.iterdir() if d.is_dir() and str(d) != current]
    except OSError:
        return
    dirs.sort(key=lambda d: d.stat().st_mtime, reverse=True)
    for old in dirs[max(0, keep - 1) :]:
        shutil.rmtree(old, ignore_errors=True)
