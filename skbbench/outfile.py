"""Output files that never lose what was there: check the path before a run, write after.

Regular files (also behind symlinks: the target is replaced, the link kept) are replaced
atomically; character devices, FIFOs and /dev/stdout (/dev/fd/N) are written through;
anything else is refused with a one-line UsageError. See docs/output-files.md.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skbbench.errors import UsageError

# /dev/stdout & co. name a file descriptor of this process: written through that fd
_FD_PATH = re.compile(r"^/(?:dev/fd|proc/(?:self|thread-self|\d+)/fd)/(\d+)$")
_STD_PATH = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_MAX_LINKS = 40  # the kernel's limit on symlinks followed in one lookup


def _note(text: str) -> None:
    sys.stderr.write(f"skbbench: note: {text}\n")
    sys.stderr.flush()


@dataclass
class OutputTarget:
    """A checked output path: what will be written and how.

    ``kind``: ``file`` (an existing regular file, replaced atomically), ``new`` (no file
    yet: created atomically), ``chardev`` / ``fifo`` (written through ``fd``, opened by the
    check and held until the write; a FIFO without a reader has ``fd`` None) or
    ``stream`` (a descriptor of this process: /dev/stdout, /dev/fd/N)."""

    path: str  # as given
    kind: str
    real: str  # the file written: symlinks resolved (a device or FIFO path; "" for streams)
    fd: int | None = None

    def is_stdout(self) -> bool:
        """Whether writing here writes to this process's standard output (``-o
        /dev/stdout``, ``-o /dev/fd/1``): then the document is the output, printed once."""
        if self.kind != "stream" or self.fd is None:
            return False
        try:
            mine, out = os.fstat(self.fd), os.fstat(sys.stdout.fileno())
        except (OSError, ValueError):
            return False
        return (mine.st_dev, mine.st_ino) == (out.st_dev, out.st_ino)

    def close(self) -> None:
        if self.fd is not None and self.kind in ("chardev", "fifo"):
            try:
                os.close(self.fd)
            except OSError:
                pass
        self.fd = None


def _fd_of_path(path: str) -> int | None:
    if path in _STD_PATH:
        return _STD_PATH[path]
    m = _FD_PATH.match(path)
    if m is None:
        return None
    owner = path.split("/")[2]  # /proc/<owner>/fd/N: only this process's descriptors
    if path.startswith("/proc/") and owner not in ("self", "thread-self", str(os.getpid())):
        return None
    return int(m.group(1))


def resolve_output(path: str | Path) -> tuple[str, int | None]:
    """(the path a write reaches after following symlinks, or the descriptor number when
    it names one of this process's descriptors such as /dev/stdout)."""
    text = os.fspath(path)
    if not text:
        raise UsageError("output path is empty")
    current = os.path.abspath(text)
    for _ in range(_MAX_LINKS):
        fd = _fd_of_path(current)
        if fd is not None:
            return "", fd
        if not os.path.islink(current):
            return os.path.realpath(current), None
        current = os.path.abspath(os.path.join(os.path.dirname(current), os.readlink(current)))
    raise UsageError(f"{text}: too many levels of symbolic links")


def _fail(path: str, real: str, problem: str) -> UsageError:
    where = f"{path} (-> {real})" if real and os.path.abspath(path) != real else path
    return UsageError(f"{where}: {problem}")


def _probe_directory(path: str, real: str) -> None:
    """Prove that a file can be created beside ``real`` (and removed again)."""
    directory = os.path.dirname(real) or "."
    if not os.path.isdir(directory):
        what = "does not exist" if not os.path.exists(directory) else "is not a directory"
        raise _fail(path, real, f"directory {directory} {what}")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", dir=directory)
    except OSError as exc:
        raise _fail(
            path, real, f"cannot create a file in {directory}: {exc.strerror or exc}"
        ) from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError as exc:
        raise _fail(path, real, f"cannot remove a file in {directory}: {exc.strerror}") from None


def _read_only(st: os.stat_result, real: str) -> bool:
    # root may write any file: the mode bits still say what the owner meant
    return not st.st_mode & 0o222 or not os.access(real, os.W_OK)


def _open_special(path: str, real: str, kind: str, note: Callable[[str], None]) -> int | None:
    """Open a character device or FIFO for writing without truncating it or blocking."""
    flags = os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        if kind == "fifo" and exc.errno == errno.ENXIO:
            note(
                f"FIFO {path} has no reader yet: the result document is written when one "
                "opens it (the write waits; Ctrl-C gives up)"
            )
            return None
        raise _fail(path, real, f"cannot open for writing: {exc.strerror or exc}") from None
    # writes block as usual from here (a full pipe waits for its reader)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd


def _check_stream(path: str, fd: int) -> OutputTarget:
    try:
        mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    except OSError:
        raise UsageError(f"{path}: file descriptor {fd} is not open") from None
    if mode not in (os.O_WRONLY, os.O_RDWR):
        raise UsageError(f"{path}: file descriptor {fd} is not open for writing")
    return OutputTarget(path, "stream", "", fd)


def check_output_path(path: str | Path, note: Callable[[str], None] | None = None) -> OutputTarget:
    """Check, before a run, that ``path`` can take a result document or image.

    Refuses (UsageError naming the path and the problem) a directory, a missing parent
    directory, a read-only regular file, a directory where no file can be created, and
    anything that is not a regular file, character device or FIFO (sockets, block
    devices). A character device or FIFO is opened for writing here and held open."""
    text = os.fspath(path)
    if not text.strip():
        raise UsageError("-o/--output: an empty file name (name the file to write)")
    note = note or _note
    real, fd = resolve_output(text)
    if fd is not None:
        return _check_stream(text, fd)
    try:
        st = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        _probe_directory(text, real)
        return OutputTarget(text, "new", real)
    except OSError as exc:
        raise _fail(text, real, f"cannot access: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail(text, real, "is a directory")
    if stat.S_ISREG(st.st_mode):
        if _read_only(st, real):
            raise _fail(
                text,
                real,
                f"is read-only (mode {stat.S_IMODE(st.st_mode):04o}): refusing to replace it",
            )
        _probe_directory(text, real)
        return OutputTarget(text, "file", real)
    if stat.S_ISCHR(st.st_mode):
        return OutputTarget(text, "chardev", real, _open_special(text, real, "chardev", note))
    if stat.S_ISFIFO(st.st_mode):
        return OutputTarget(text, "fifo", real, _open_special(text, real, "fifo", note))
    what = (
        "a socket"
        if stat.S_ISSOCK(st.st_mode)
        else "a block device"
        if stat.S_ISBLK(st.st_mode)
        else "not a regular file"
    )
    raise _fail(text, real, f"is {what}: write to a regular file, a character device or a FIFO")


# --------------------------------------------------------------------------------------
# Writing


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Replace the regular file ``path`` (or create it) via a temporary file in the same
    directory, fsync and a rename: a crash or Ctrl-C leaves either the old file or the new
    one, never a truncated one. An existing file keeps its mode (and owner and group when
    we may set them); a new one gets 0666 less the umask."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        try:
            old = target.stat()
        except OSError:
            old = None
        try:
            os.fchmod(fd, stat.S_IMODE(old.st_mode) if old else 0o666 & ~_umask())
            if old is not None and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                os.fchown(fd, old.st_uid, old.st_gid)
        except OSError:
            pass
        with os.fdopen(fd, "wb" if isinstance(text, bytes) else "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _write_through(target: OutputTarget, data: bytes, note: Callable[[str], None]) -> None:
    if target.kind == "stream":
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        _write_all(target.fd, data)  # type: ignore[arg-type]
        return
    if target.fd is None:  # a FIFO that had no reader at the check
        try:
            target.fd = _open_special(target.path, target.real, target.kind, lambda _m: None)
        except UsageError:
            target.fd = None
        if target.fd is None:
            note(f"waiting for a reader on FIFO {target.path} (Ctrl-C gives up)")
            target.fd = os.open(target.real, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        _write_all(target.fd, data)
    finally:
        target.close()


def _rescue(data: bytes, suffix: str) -> str | None:
    """Keep a document whose write failed after the run in the temp directory."""
    try:
        fd, path = tempfile.mkstemp(prefix="skbbench-rescued-", suffix=suffix)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return path
    except OSError:
        return None


def write_output(
    target: OutputTarget | str | Path,
    text: str | bytes,
    note: Callable[[str], None] | None = None,
    rescue: bool = True,
) -> OutputTarget:
    """Write ``text`` to a checked target (or a path, checked now): atomic replace for
    regular files (a symlink's target is replaced, the link kept), write-through for
    character devices, FIFOs and this process's descriptors. A regular file is checked
    again first (it may have changed during the run). On failure nothing already there
    is touched, and with ``rescue`` the document is kept in the temp directory and the
    one-line UsageError says where."""
    note = note or _note
    if not isinstance(target, OutputTarget):
        target = check_output_path(target, note)
    data = text.encode() if isinstance(text, str) else text
    try:
        if target.kind in ("file", "new"):
            target.close()
            target = check_output_path(target.path, note)
        if target.kind in ("file", "new"):
            write_atomic(target.real, data)
        else:
            _write_through(target, data, note)
        return target
    except (OSError, UsageError) as exc:
        target.close()
        if isinstance(exc, UsageError):
            problem = str(exc)
        elif isinstance(exc, BrokenPipeError):
            problem = f"{target.path}: the reader closed it before the whole document was written"
        else:
            problem = str(_fail(target.path, target.real, f"cannot write: {exc.strerror or exc}"))
        kept = _rescue(data, Path(target.real or target.path).suffix) if rescue else None
        if kept:
            problem += f" (the document was saved to {kept})"
        raise UsageError(problem) from None
