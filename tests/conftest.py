"""Test session plumbing: CPU affinity, and running on two cores at once.

With ``-n 2`` (pytest-xdist, the default in pyproject.toml) each worker process is pinned
to a CPU of its own, so the benchmark runs of two workers never share a CPU (a run pins
its thread to the last allowed CPU). A test that needs several CPUs asks for
``all_cpus`` (or ``two_cpus``), which widens its affinity for the test's duration; a
test that measures time is marked ``exclusive``: it runs while the other worker waits
between tests (a cross-process readers-writer lock, writer first)."""

import fcntl
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from skbbench.harness import cpus as cpus_module
from tests.asmcheck import keep_cached_objects

keep_cached_objects()  # before any kernel loads from the cache (the NRT check reads it)

# the affinity the test session started with (all CPUs a test may use)
ALL_CPUS = sorted(os.sched_getaffinity(0))
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1 ... under xdist
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")


def _worker_cpus() -> set[int]:
    """This worker's own CPU (every CPU without xdist, or with one CPU)."""
    if not WORKER or len(ALL_CPUS) < 2:
        return set(ALL_CPUS)
    index = int(WORKER.removeprefix("gw") or 0)
    return {ALL_CPUS[-1 - index % len(ALL_CPUS)]}


START_AFFINITY = _worker_cpus()


def pytest_configure(config):
    os.sched_setaffinity(0, START_AFFINITY)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # --dist loadgroup: the tests that run alone form one group (run back to back on one
    # worker); the others stay with their module (its module fixtures run once) unless a
    # test names a group of its own (the README sections)
    for item in items:
        if _alone(item):
            item.add_marker(pytest.mark.xdist_group("alone"))
        elif item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _set_affinity(cpus) -> None:
    os.sched_setaffinity(0, cpus)
    cpus_module._ALLOWED = None  # allowed_cpus() notes the affinity at its first call


@pytest.fixture(autouse=True)
def _restore_affinity():
    # runs pin the main thread, also from module-scoped fixtures (set up before any
    # function fixture could note the affinity)
    _set_affinity(START_AFFINITY)
    yield
    _set_affinity(START_AFFINITY)


@contextmanager
def on_all_cpus():
    """Every CPU of the session, with no other test running (for module fixtures and
    commands that turn out to need more CPUs): for runs that use several CPUs and the
    processes they start."""
    with _locked(True):
        _set_affinity(ALL_CPUS)
        try:
            yield list(ALL_CPUS)
        finally:
            _set_affinity(START_AFFINITY)


@pytest.fixture
def all_cpus():
    """Every CPU of the session for this test (it runs alone: see _exclusive)."""
    _set_affinity(ALL_CPUS)
    yield list(ALL_CPUS)
    _set_affinity(START_AFFINITY)


@pytest.fixture
def two_cpus(all_cpus) -> list[int]:
    if len(all_cpus) < 2:
        pytest.skip("needs 2 allowed CPUs")
    return all_cpus[:2]


# --------------------------------------------------------------------------------------
# exclusive tests under xdist


def _lock_paths() -> tuple[Path, Path]:
    base = Path(tempfile.gettempdir()) / f"skbbench-pytest-{RUN_ID}"
    return base.with_suffix(".turnstile"), base.with_suffix(".lock")


class _TestLock:
    """This worker's hold on the cross-process lock: shared while a test runs, exclusive
    while a test must run alone. Taking it exclusive while holding it shared (a README
    command that needs every CPU) lets the shared hold go first: flock does not upgrade
    a lock held through another file."""

    def __init__(self) -> None:
        self.mode = 0  # 0 none, fcntl.LOCK_SH or fcntl.LOCK_EX
        self.files: tuple | None = None

    def _open(self):  # type: ignore[no-untyped-def]
        if self.files is None:
            self.files = tuple(open(p, "a+") for p in _lock_paths())  # noqa: SIM115
        return self.files

    def take(self, mode: int) -> int:
        turnstile, lock = self._open()
        before = self.mode
        if before == mode or before == fcntl.LOCK_EX:
            return before
        if before:
            fcntl.flock(lock, fcntl.LOCK_UN)
        # writer first: an exclusive taker holds the turnstile while it waits, so the
        # other worker cannot start a new test in the meantime
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        if mode == fcntl.LOCK_EX:
            fcntl.flock(lock, fcntl.LOCK_EX)
        else:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
            fcntl.flock(lock, fcntl.LOCK_SH)
        self.mode = mode
        return before

    def back_to(self, mode: int) -> None:
        """Return to ``mode`` (what ``take`` returned)."""
        if mode == self.mode:
            return
        turnstile, lock = self._open()
        if self.mode == fcntl.LOCK_EX:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        fcntl.flock(lock, fcntl.LOCK_UN)
        self.mode = 0
        if mode:
            self.take(mode)


_LOCK = _TestLock()


@contextmanager
def _locked(exclusive: bool):
    if not RUN_ID:
        yield
        return
    before = _LOCK.take(fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        _LOCK.back_to(before)


def _alone(item) -> bool:
    """A test that measures time, or runs on several CPUs (whose threads would share a
    CPU with the other worker's run, spinning at a barrier or on a queue while
    descheduled), runs alone."""
    return item.get_closest_marker("exclusive") is not None or "all_cpus" in item.fixturenames


@pytest.fixture(autouse=True)
def _exclusive(request):
    # an exclusive hold is kept into the next test when that one runs alone too (they
    # form one xdist group, run back to back): the other worker drains once, not per test
    if not RUN_ID:
        yield
        return
    alone = _alone(request.node)
    if alone:
        _LOCK.take(fcntl.LOCK_EX)
    else:
        _LOCK.back_to(0)
        _LOCK.take(fcntl.LOCK_SH)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    yield
    # keep an exclusive hold only into a next test that runs alone too
    if RUN_ID and (nextitem is None or not _alone(nextitem)):
        _LOCK.back_to(0)
