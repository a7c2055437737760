import os

import pytest

from skbbench.harness.cpus import allowed_cpus


@pytest.fixture
def two_cpus() -> list[int]:
    cpus = allowed_cpus()
    if len(cpus) < 2:
        pytest.skip("needs 2 allowed CPUs")
    return cpus[:2]


@pytest.fixture(autouse=True)
def _restore_affinity():
    before = os.sched_getaffinity(0)
    yield
    os.sched_setaffinity(0, before)
