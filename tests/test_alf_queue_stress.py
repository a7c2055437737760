"""Concurrency: pinned threads push unique tagged elements through one ALF queue; nothing
may be lost, duplicated or reordered per producer (checksums + a seen-count per element).

The always-on version moves 20,000 elements per bulk size; the ``slow`` one moves
10,000,000 per bulk size and API (run with ``python -m pytest -m slow``). The counters
start just below 2**32 so the free-running u32 indices wrap during every run.
"""

import pytest

from skbbench.bench.alf_queue_parallel01 import stress
from skbbench.errors import UsageError

APIS = ("mpmc", "mpmc-split", "spsc")
WRAP = 2**32 - 3000


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("bulk", range(1, 17))
def test_stress_small(two_cpus, api, bulk):
    res = stress(api, 20_000, bulk, ring=64, cpus=two_cpus, start=WRAP, timeout_s=60)
    assert res.ok, res.problems
    assert res.consumed == res.total == 20_000
    assert res.sum_ok and res.xor_ok and res.lost == 0 and res.duplicated == 0


@pytest.mark.slow
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("bulk", range(1, 17))
def test_stress_ten_million(two_cpus, api, bulk):
    res = stress(api, 10_000_000, bulk, ring=64, cpus=two_cpus, start=WRAP, timeout_s=300)
    assert res.ok, res.problems
    assert res.consumed == res.total >= 10_000_000


def test_stress_ring_equal_to_bulk(two_cpus):
    res = stress("mpmc", 50_000, 16, ring=16, cpus=two_cpus, start=WRAP, timeout_s=60)
    assert res.ok, res.problems


def test_stress_rejects_bad_setups(two_cpus):
    with pytest.raises(UsageError):
        stress("spsc", 1000, 1, cpus=[two_cpus[0]])
    with pytest.raises(UsageError):
        stress("mpmc", 1000, 32, ring=16, cpus=two_cpus)
    with pytest.raises(UsageError):
        stress("nope", 1000, 1, cpus=two_cpus)
