"""Facts about this machine read from /proc and /sys (no numba, nothing slow)."""

from __future__ import annotations

import functools
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def _cpuinfo_first() -> dict[str, str]:
    text = _read("/proc/cpuinfo") or ""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if out:
                break
            continue
        key, _, value = line.partition(":")
        out[key.strip()] = value.strip()
    return out


def cpu_model() -> str:
    return _cpuinfo_first().get("model name", platform.processor() or "unknown")


def cpu_flags() -> set[str]:
    return set(_cpuinfo_first().get("flags", "").split())


def cpuinfo_mhz() -> float | None:
    try:
        return float(_cpuinfo_first()["cpu MHz"])
    except (KeyError, ValueError):
        return None


def has_cpufreq() -> bool:
    return Path("/sys/devices/system/cpu/cpu0/cpufreq").exists()


def boot_id() -> str:
    return _read("/proc/sys/kernel/random/boot_id") or "unknown"


def governor() -> str | None:
    return _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")


def boost() -> bool | None:
    """True when turbo/boost is on, None when the machine does not say."""
    v = _read("/sys/devices/system/cpu/cpufreq/boost")
    if v is not None:
        return v == "1"
    v = _read("/sys/devices/system/cpu/intel_pstate/no_turbo")
    if v is not None:
        return v == "0"
    return None


def virtualization() -> str | None:
    """Hypervisor name (or 'yes') when running in a VM, else None."""
    if "hypervisor" not in cpu_flags():
        return None
    vendor = _read("/sys/class/dmi/id/sys_vendor") or _read("/sys/hypervisor/type")
    return vendor or "yes"


def loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def cpu_count() -> int:
    return os.cpu_count() or 1


def kernel() -> str:
    return platform.release()


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git(root: Path, *args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit(path: Path | None = None) -> str | None:
    """The commit of the checkout at ``path`` (default: the one skbbench runs from), with
    '-dirty' if tracked files are modified; None when it is not a checkout."""
    root = path or Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    rev = _git(root, "rev-parse", "HEAD")
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
    if not rev or dirty is None:
        return None
    return rev + ("-dirty" if dirty else "")


_VERSION_RE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def _source_version(tree: Path) -> str | None:
    try:
        m = _VERSION_RE.search((tree / "skbbench" / "__init__.py").read_text())
    except OSError:
        return None
    return m.group(1) if m else None


def git_commit_info(
    package_dir: Path | None = None, cwd: Path | None = None
) -> tuple[str | None, str | None]:
    """(commit, where it was found) for result metadata.

    ``package``: skbbench runs from a checkout (source tree, editable install).
    ``working-directory``: skbbench is installed (site-packages), and the current
    directory is inside a checkout of a skbbench source tree of the same version whose
    modules are identical to the installed ones; ``working-directory-differs`` when they
    are not (installed from another commit, or edited since). (None, None) otherwise."""
    from skbbench import __version__
    from skbbench.cachedir import source_hash

    package = package_dir or Path(__file__).resolve().parent
    commit = git_commit(package.parent)
    if commit:
        return commit, "package"
    top = _git(cwd or Path.cwd(), "rev-parse", "--show-toplevel")
    if not top or _source_version(Path(top)) != __version__:
        return None, None
    commit = git_commit(Path(top))
    if not commit:
        return None, None
    same = source_hash(Path(top) / "skbbench") == source_hash(package)
    return commit, "working-directory" if same else "working-directory-differs"
