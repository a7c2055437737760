import os

import pytest

from skbbench.harness.cpus import allowed_cpus


@pytest.fixture
def two_cpus() -> list[int]:
    cpus = allowed_cpus()
    if len(cpus) < 2:
        pytest.skip("needs 2 allowed CPUs")
    return cpus[:2]


# the affinity the test session started with: runs pin the main thread, also from
# module-scoped fixtures (set up before any function fixture could note the affinity)
START_AFFINITY = os.sched_getaffinity(0)


@pytest.fixture(autouse=True)
def _restore_affinity():
    os.sched_setaffinity(0, START_AFFINITY)
    yield
    os.sched_setaffinity(0, START_AFFINITY)
