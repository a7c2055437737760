"""Where Numba caches compiled kernels: a directory keyed by the package's sources.

Numba's cache key covers only the source file of the cached function, so a change to an
intrinsic or a callee in another module would run stale machine code (docs/measurement.md).
Keying the cache directory by a hash of every module of the package (and the versions of
numba and llvmlite) makes any change start a fresh cache. Runs before numba is imported;
a user's own NUMBA_CACHE_DIR is respected.

Inside it, Numba would name each module's subdirectory after the absolute path of the
checkout, so a second clone (or a reinstall elsewhere) of the same sources would compile
everything again. Once numba's caching module is imported, a locator is put first that
names the subdirectory after the module's path inside the package: the same sources hit
the same cache wherever they live.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import os
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def source_hash(package: Path = _PACKAGE) -> str:
    """Hash of every module of ``package`` (default: this skbbench) and numba/llvmlite."""
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
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
    _after_import("numba.core.caching", _use_package_locator)
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    path = cache_root() / source_hash()
    os.environ["NUMBA_CACHE_DIR"] = str(path)

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


def _package_subpath(py_file: str) -> str | None:
    """``skbbench_model`` for a module of ``skbbench/model``; None outside the package."""
    try:
        rel = Path(py_file).resolve().parent.relative_to(_PACKAGE.parent)
    except ValueError:
        return None
    return "_".join(rel.parts) if rel.parts and rel.parts[0] == _PACKAGE.name else None


def _use_package_locator(caching: ModuleType) -> None:
    """Put a locator first that places this package's modules by their path inside it."""
    base: Any = caching.UserProvidedCacheLocator

    class PackageCacheLocator(base):  # type: ignore[misc]
        @classmethod
        def get_suitable_cache_subpath(cls, py_file: str) -> str:
            return _package_subpath(py_file) or str(base.get_suitable_cache_subpath(py_file))

        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> Any:
            if _package_subpath(py_file) is None:
                return None
            return super().from_function(py_func, py_file)

    locators = caching.CacheImpl._locator_classes
    if not any(c.__name__ == "PackageCacheLocator" for c in locators):
        locators.insert(0, PackageCacheLocator)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``then(module)`` once ``name`` has been imported (a post-import hook)."""

    def __init__(self, name: str, then: Any) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original, then = loader.exec_module, self.then

        def exec_module(module: ModuleType) -> None:
            original(module)
            then(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _after_import(name: str, then: Any) -> None:
    """``then(module)`` now if ``name`` is imported, else right after it is."""
    if name in sys.modules:
        then(sys.modules[name])
    elif not any(isinstance(f, _AfterImport) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(name, then))
