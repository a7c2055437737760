"""Safe output files (skbbench.outfile): what is checked before a run, how each kind of
path is written, and that nothing already there is lost on an error."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbbench import baselines
from skbbench.document import SCHEMA_VERSION
from skbbench.errors import UsageError
from skbbench.outfile import check_output_path, resolve_output, write_output
from tests.resultdocs import case, document, typed
from tests.slowwrite import PRELUDE, start_child

ROOT = Path(__file__).resolve().parent.parent
TINY = "benchmark: sample\nloops: 20000\nrepeat: 1\ntests: [for_loop]\n"


def cli(*args, timeout=300, **kw):
    return subprocess.run(
        [sys.executable, "-m", "skbbench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        **kw,
    )


def no_run(monkeypatch):
    """Make any benchmark run fail the test: the path check must come first."""
    import skbbench.session

    def execute(*_a, **_k):
        raise AssertionError("the benchmark ran before the output path was refused")

    monkeypatch.setattr(skbbench.session, "execute", execute)


def cli_in_process(*args):
    from skbbench.cli import cli as group

    return group.main(list(args), prog_name="skbbench", standalone_mode=False)


# --------------------------------------------------------------------------------------
# regular files and symlinks


def test_symlink_target_is_replaced_and_the_link_kept(tmp_path):
    target = tmp_path / "data" / "result.json"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(os.path.relpath(target, tmp_path))
    checked = check_output_path(link)
    assert checked.kind == "file" and checked.real == str(target)
    write_output(checked, "new")
    assert link.is_symlink() and os.readlink(link) == "data/result.json"
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # mode kept
    assert sorted(p.name for p in target.parent.iterdir()) == ["result.json"]  # no temp left


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "new.json")
    write_output(check_output_path(link), "doc")
    assert link.is_symlink() and (tmp_path / "new.json").read_text() == "doc"


@settings(max_examples=25, deadline=None)
@given(
    hops=st.lists(st.tuples(st.booleans(), st.booleans()), max_size=5),
    exists=st.booleans(),
)
def test_any_chain_of_symlinks_replaces_the_final_target(tmp_path_factory, hops, exists):
    """Random chains of relative/absolute links, each in the same or a sub directory."""
    root = tmp_path_factory.mktemp("chain")
    final = root / "final.json"
    if exists:
        final.write_text("old")
    current, links = final, []
    for i, (absolute, subdir) in enumerate(hops):
        directory = root / f"d{i}" if subdir else root
        directory.mkdir(exist_ok=True)
        link = directory / f"link{i}.json"
        link.symlink_to(current if absolute else os.path.relpath(current, directory))
        links.append((link, os.readlink(link)))
        current = link
    assert resolve_output(current) == (str(final), None)
    write_output(current, "new")
    assert final.read_text() == "new" and not final.is_symlink()
    assert all(p.is_symlink() and os.readlink(p) == t for p, t in links)


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000])
def test_read_only_file_is_refused_and_left_intact(tmp_path, mode):
    f = tmp_path / "keep.json"
    f.write_text("precious")
    f.chmod(mode)
    with pytest.raises(UsageError, match="read-only"):
        check_output_path(f)
    with pytest.raises(UsageError, match="read-only"):
        write_output(f, "new", rescue=False)
    f.chmod(0o600)
    assert f.read_text() == "precious"


def test_directory_missing_parent_socket_and_proc_are_refused(tmp_path):
    with pytest.raises(UsageError, match="is a directory"):
        check_output_path(tmp_path)
    with pytest.raises(UsageError, match="directory .*nodir does not exist"):
        check_output_path(tmp_path / "nodir" / "r.json")
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="is not a directory"):
        check_output_path(tmp_path / "file" / "r.json")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(UsageError, match="is a socket"):
            check_output_path(tmp_path / "sock")
    finally:
        sock.close()
    with pytest.raises(UsageError, match=r"/proc/x.json: cannot create a file in /proc"):
        check_output_path("/proc/x.json")
    with pytest.raises(UsageError, match="not open for writing"):
        check_output_path(f"/proc/self/fd/{os.open(os.devnull, os.O_RDONLY)}")


def test_block_device_is_refused(tmp_path):
    dev = tmp_path / "blk"
    try:
        os.mknod(dev, stat.S_IFBLK | 0o600, os.makedev(7, 0))
    except (PermissionError, OSError):
        pytest.skip("cannot create a block device node here (not root)")
    with pytest.raises(UsageError, match="is a block device"):
        check_output_path(dev)


@pytest.fixture
def rescue_dir(tmp_path, monkeypatch):
    """Where a failed write keeps the document (the temp directory, here a private one)."""
    import tempfile

    d = tmp_path / "rescue"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def test_a_failed_write_keeps_the_old_file_and_rescues_the_document(
    tmp_path, monkeypatch, rescue_dir
):
    f = tmp_path / "r.json"
    f.write_text("old")
    checked = check_output_path(f)

    def fsync(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(UsageError) as err:
        write_output(checked, "the new document")
    monkeypatch.undo()
    msg = str(err.value)
    assert "No space left on device" in msg and "\n" not in msg
    assert f.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "rescue"]
    kept = Path(msg.rsplit("saved to ", 1)[1].rstrip(")"))
    assert kept.parent == rescue_dir and kept.read_text() == "the new document"


def test_a_file_made_read_only_during_the_run_is_not_replaced(tmp_path, rescue_dir):
    f = tmp_path / "r.json"
    f.write_text("old")
    checked = check_output_path(f)
    f.chmod(0o444)
    with pytest.raises(UsageError, match="read-only.*saved to"):
        write_output(checked, "new")
    assert f.read_text() == "old"
    assert [p.read_text() for p in rescue_dir.iterdir()] == ["new"]


# A child that writes through a symlink with a slow file object and says when it is half
# way; the parent kills it there (SIGKILL): the link and the old target must survive.
CHILD = PRELUDE + textwrap.dedent("""
    from skbbench.outfile import check_output_path, write_output
    target = check_output_path(sys.argv[1])
    os.fdopen = slow_fdopen
    write_output(target, "x" * 4_000_000)
    print("DONE", flush=True)
""")


def test_a_crash_during_the_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "t.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to("t.json")
    child = start_child(CHILD, str(link), cwd=ROOT)
    try:
        assert child.stdout.readline().strip() == "HALF"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert target.read_text() == "old" and link.is_symlink() and link.read_text() == "old"


# --------------------------------------------------------------------------------------
# write-through: character devices, FIFOs, /dev/stdout


def test_dev_null_is_written_through_and_stays_a_device():
    checked = check_output_path("/dev/null")
    assert checked.kind == "chardev" and checked.fd is not None
    write_output(checked, "x" * 100_000)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert checked.fd is None  # closed after the write


def test_dev_stdout_appends_to_what_stdout_already_holds(tmp_path):
    out = tmp_path / "stdout.txt"
    code = (
        "import sys\nfrom skbbench.outfile import check_output_path, write_output\n"
        "t = check_output_path('/dev/stdout')\nprint('before')\nwrite_output(t, 'DOC\\n')\n"
        "print('after')\n"
    )
    with out.open("w") as fh:
        p = subprocess.run([sys.executable, "-c", code], stdout=fh, text=True, cwd=ROOT)
    assert p.returncode == 0
    assert out.read_text() == "before\nDOC\nafter\n"  # written through, nothing truncated


def _reader(fifo: Path, got: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t


def test_fifo_without_a_reader_waits_for_one(tmp_path):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    notes: list[str] = []
    checked = check_output_path(fifo, note=notes.append)
    assert checked.kind == "fifo" and checked.fd is None
    assert len(notes) == 1 and "no reader yet" in notes[0]
    got: list[bytes] = []
    reader = _reader(fifo, got)
    write_output(checked, "doc" * 50_000, note=notes.append)  # more than a pipe buffer
    reader.join(timeout=30)
    assert got == [b"doc" * 50_000]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


# --------------------------------------------------------------------------------------
# the CLI: checked before the run, written after


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda d: "/proc/x.json", "cannot create a file in /proc"),
        (lambda d: str(d), "is a directory"),
        (lambda d: str(d / "no" / "r.json"), "does not exist"),
        (lambda d: _read_only(d / "ro.json"), "read-only"),
    ],
)
def test_bad_output_is_refused_before_the_run(tmp_path, monkeypatch, make, needle):
    no_run(monkeypatch)
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    out = make(tmp_path)
    for args in (["run", str(config), "-o", out], ["sample", "--loops", "20000", "-o", out]):
        with pytest.raises(UsageError, match=needle):
            cli_in_process(*args)
    if needle == "read-only":
        Path(out).chmod(0o600)
        assert Path(out).read_text() == "precious"


def _read_only(path: Path) -> str:
    path.write_text("precious")
    path.chmod(0o444)
    return str(path)


def test_proc_output_is_one_line_exit_2_and_nothing_runs(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY.replace("loops: 20000", "loops: 4000000000"))  # would take minutes
    p = cli("run", str(config), "-o", "/proc/x.json", timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip().splitlines() == [
        "skbbench: error: /proc/x.json: cannot create a file in /proc: No such file or directory"
    ]


def test_save_baseline_and_plot_are_checked_before_the_work(tmp_path, monkeypatch):
    no_run(monkeypatch)
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    with pytest.raises(UsageError, match="cannot create a file in /proc"):
        cli_in_process("run", str(config), "--save-baseline", "x", "--baselines-dir", "/proc/b")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.json").write_text("{}")
    with pytest.raises(UsageError, match="already exists"):
        baselines.check_save("x", tmp_path / "b")
    assert baselines.check_save("y", tmp_path / "b" / "new" / "dir") == (
        tmp_path / "b" / "new" / "dir" / "y.json"
    )
    doc = tmp_path / "r.json"
    doc.write_text(json.dumps(document([case("a", [1.0, 1.1], params={"variant": "v"})])))
    with pytest.raises(UsageError, match="cannot create a file in /proc"):
        cli_in_process("plot", str(doc), "-o", "/proc/x.png")


def test_baseline_update_through_a_symlink_replaces_the_target(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    real = store / "ci.json"
    doc = document([case("a", [1.0, 1.1])])
    real.write_text(json.dumps(doc))
    bdir = tmp_path / "baselines"
    bdir.mkdir()
    (bdir / "ci.json").symlink_to(real)
    new = {**doc, "created": "2030-01-01T00:00:00+00:00"}
    baselines.update("ci", typed(new), bdir)
    assert (bdir / "ci.json").is_symlink()
    assert json.loads(real.read_text())["created"] == "2030-01-01T00:00:00+00:00"


def test_cli_writes_through_to_dev_null_and_a_fifo(tmp_path):
    p = cli("sample", "--loops", "20000", "--repeat", "1", "--tests", "for_loop", "-o", "/dev/null")
    assert p.returncode == 0, p.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _reader(fifo, got)
    p = cli("sample", "--loops", "20000", "--repeat", "1", "--tests", "for_loop", "-o", str(fifo))
    reader.join(timeout=60)
    assert p.returncode == 0, p.stderr
    doc = json.loads(got[0])
    assert doc["schema"] == SCHEMA_VERSION
    assert [c["name"] for c in doc["cases"]] == ["for_loop"]
