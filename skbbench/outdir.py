"""Output directories (``skbbench report -o DIR``): checked before any work, written whole
into a temporary directory beside the target and then renamed into place, so a reader
sees the old site or the new one, never half of one.

A target that exists must be a directory that is empty or holds an earlier skbbench
report (it has the marker file): a symlink, a file, a device or a directory of other
files is refused, so ``-o ~`` cannot replace a home directory. An earlier report is
swapped with the new one in one step (renameat2 RENAME_EXCHANGE where the C library has
it, two renames otherwise) and then removed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from pathlib import Path

from skbbench.errors import UsageError

MARKER = ".skbbench-report"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def check_output_dir(path: str | Path) -> Path:
    """The directory ``path`` may be written: refuse a symlink, an existing
    non-directory, a directory of other files and a parent that is missing or read-only."""
    p = Path(path)
    if p.is_symlink():
        raise UsageError(f"{path}: is a symbolic link: give the directory itself")
    if p.exists():
        if not p.is_dir():
            raise UsageError(f"{path}: exists and is not a directory")
        try:
            entries = [e.name for e in os.scandir(p)]
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if entries and MARKER not in entries:
            raise UsageError(
                f"{path}: a directory that holds other files (not an skbbench report): "
                "give a new or empty directory"
            )
    parent = p.absolute().parent
    if not parent.is_dir():
        raise UsageError(f"{path}: cannot create: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{path}: cannot create: {parent} is not writable")
    return p


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where it is not available."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(rc == 0)


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


def write_directory(path: str | Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` (relative name -> content) as the directory ``path``, replacing an
    earlier report there in one step. Problems are one-line UsageErrors; on failure what
    was there is untouched."""
    target = check_output_dir(path)
    parent = target.absolute().parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        for name, data in {**files, MARKER: b"written by skbbench report\n"}.items():
            dest = tmp / name
            if dest.parent != tmp:
                dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        if target.is_dir() and any(os.scandir(target)):
            check_output_dir(target)  # still an earlier report
            if not _exchange(tmp, target.absolute()):
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
                os.rename(target, old / "site")
                os.rename(tmp, target)
                tmp = old
        else:
            os.replace(tmp, target)  # a new name, or an empty directory
            return target
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)  # the earlier report
    return target
