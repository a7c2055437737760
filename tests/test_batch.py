"""`skbbench batch`, the slub_kunit batch benchmark (issue 20 item 3): where each batch's
allocations and frees go on each allocator model (counters), the gain tables, the YAML
config, bad input, and native kernels."""

import json

import pytest

from skbbench.config import resolve
from skbbench.errors import UsageError
from skbbench.specs.batch import BatchConfig
from tests.clirunner import invoke

ZERO = ("--profile", "zero", "--repeat", "1", "--warmup", "0")


@pytest.fixture(scope="module")
def doc():
    p = invoke("batch", "--batch", "1,10,100", "--loops", "3000", *ZERO, "--format", "json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def _case(doc, allocator, order, batch):
    for c in doc["cases"]:
        p = c["params"]
        if (p["allocator"], p["order"], c["step"]) == (allocator, order, batch):
            return c
    raise AssertionError((allocator, order, batch))


def test_every_allocator_order_and_batch_is_a_case(doc):
    got = {(c["params"]["allocator"], c["params"]["order"], c["step"]) for c in doc["cases"]}
    want = {
        (a, o, b)
        for a in ("slub", "sheaves-6.18", "sheaves")
        for o in ("fifo", "shuffled")
        for b in (1, 10, 100)
    }
    assert got == want
    for c in doc["cases"]:
        assert c["loops"] * c["step"] == 3000 // c["step"] * c["step"]


@pytest.mark.parametrize("order", ["fifo", "shuffled"])
def test_v70_batches_within_a_sheaf_never_leave_it(doc, order):
    # capacity 60 (calculate_sheaf_capacity for 64 bytes; 32 asked is a minimum): after
    # the first refill (GFP_KERNEL may block) a batch of 10 is served and taken back by
    # main, whatever the free order
    case = _case(doc, "sheaves", order, 10)
    st = case["counters"]["slub_stats"]
    assert case["counters"]["cache"]["sheaf_capacity"] == 60
    assert st["ALLOC_FASTPATH"] == 3000 and st["FREE_FASTPATH"] == 3000
    assert st["ALLOC_SLOWPATH"] == 0 and st["FREE_SLOWPATH"] == 0
    assert st["SHEAF_REFILL"] == 60 and st["SHEAF_FLUSH"] == 0


def test_v70_batch_over_two_sheaves_goes_through_the_barn(doc):
    # 100 objects: more than main's 60 but fewer than main + spare's 120, so the frees
    # swap main and spare and the allocations swap back: no slab path at all
    st = _case(doc, "sheaves", "fifo", 100)["counters"]["slub_stats"]
    assert st["ALLOC_FASTPATH"] == 3000 // 100 * 100
    assert st["FREE_FASTPATH"] == 3000 // 100 * 100
    assert st["ALLOC_SLOWPATH"] == 0 and st["FREE_SLOWPATH"] == 0


def test_v618_serves_from_sheaves_and_refills_from_the_cpu_slab(doc):
    st = _case(doc, "sheaves-6.18", "fifo", 10)["counters"]["slub_stats"]
    assert st["ALLOC_PCS"] == 3000 and st["FREE_PCS"] == 3000
    assert st["SHEAF_REFILL"] == 32  # capacity exactly 32 in v6.18


def test_slub_base_uses_its_cpu_slab(doc):
    st = _case(doc, "slub", "fifo", 10)["counters"]["slub_stats"]
    assert st["ALLOC_FASTPATH"] + st["ALLOC_SLOWPATH"] == 3000
    assert "ALLOC_PCS" not in st and "SHEAF_REFILL" not in st


def test_gain_tables_per_order():
    p = invoke("batch", "--batch", "1,10", "--loops", "2000", *ZERO)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    for order in ("fifo", "shuffled"):
        for other in ("SLUB v6.18 sheaves", "SLUB v7.0 sheaves"):
            assert f"batch- SLUB v4.4 -> {other} (order {order};" in out
    rows = [ln for ln in out.splitlines() if " -> " in ln and "gain" in ln and "cycles" in ln]
    assert len(rows) == 2 * 2 * 2
    assert "slub_kunit_batch: sheaves: TestSlub_batch (object_size:64" in out
    md = invoke("batch", "--batch", "10", "--loops", "2000", *ZERO, "--format", "markdown")
    assert md.returncode == 0 and "gain %" in md.stdout


def test_memcg_runs_the_slub_charging_paths():
    base = invoke("batch", "--allocator", "slub", "--batch", "10", "--loops", "2000", *ZERO)
    memcg = invoke(
        "batch", "--allocator", "slub", "--memcg", "--batch", "10", "--loops", "2000", *ZERO
    )
    assert base.returncode == 0 and memcg.returncode == 0, memcg.stderr
    assert "memcg:SLAB_ACCOUNT" in memcg.stdout and "memcg" not in base.stdout


def test_the_shipped_config_runs_through_run(tmp_path):
    cfg = tmp_path / "b.yaml"
    cfg.write_text(
        "benchmark: batch\nbatch: [10]\norder: [fifo]\nallocator: [slub, sheaves]\n"
        "loops: 2000\nprofile: zero\nrepeat: 1\nwarmup: 0\n"
    )
    p = invoke("run", str(cfg))
    assert p.returncode == 0, p.stderr
    assert "batch- SLUB v4.4 -> SLUB v7.0 sheaves (order fifo" in p.stdout
    listed = invoke("run", "--list")
    assert "slub_kunit_batch" in listed.stdout


@pytest.mark.parametrize(
    "values, needle",
    [
        ({"batch": [10, 10]}, "listed twice"),
        ({"batch": [5000], "loops": 2000}, "no full round"),
        ({"memcg": True}, "memcg"),
        ({"allocator": ["slab"]}, "allocator"),
        ({"order": ["lifo"]}, "order"),
    ],
)
def test_bad_configs_are_refused(values, needle):
    with pytest.raises(UsageError, match=needle):
        resolve(BatchConfig, dict(values), "test")


def test_bad_input_is_one_line_exit_2():
    p = invoke("batch", "--batch", "0")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1


def test_cases_compile_ahead_without_timing_or_counting():
    from skbbench.bench.slub_kunit_batch import batch_sheaves, build_cases

    cfg = resolve(BatchConfig, {"batch": [10], "order": ["fifo"], "loops": 2000}, "test")
    cases = build_cases(cfg)
    assert all(c.compile is not None and c.independent_runs for c in cases)
    for case in cases:
        case.compile(False)
        case.compile(True)
    assert len({sig[0] for sig in batch_sheaves.signatures}) == 2  # timed and replay
    for case in cases:  # and they still run and count after it
        assert case.run().invoked == case.expected_invoked
        assert case.counters is not None and case.counters()["slub_stats"]


def test_batch_kernels_have_no_nrt_calls():
    import numpy as np

    from skbbench.bench.slub_kunit_batch import KERNELS, flavors, make_cache
    from skbbench.harness.window import new_window
    from tests.asmcheck import nrt_calls

    cfg = resolve(BatchConfig, {"loops": 1000, "profile": "zero"}, "test")
    kc = flavors(cfg)[0]
    objs = np.zeros(4, dtype=np.uint64)
    order = np.arange(4, dtype=np.uint64)
    for allocator, kernel in KERNELS.items():
        cache = make_cache(cfg, allocator, 4)
        kernel(kc, cache.s, 0, 10, 4, objs, order, new_window())
        assert nrt_calls(kernel) == [], allocator
