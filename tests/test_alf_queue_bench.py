"""alf_queue_bench / alf_queue_parallel01 and `skbbench alfq`: scenario names, counting
units, bad input, no NRT reference counting in the hot kernels."""

import re

import pytest

from skbbench.bench import alf_queue_bench as ab
from skbbench.bench import alf_queue_parallel01 as ap
from skbbench.config import resolve
from skbbench.errors import UsageError
from skbbench.harness.cpus import allowed_cpus
from skbbench.harness.runner import run_parallel_case
from skbbench.specs.alfq import PARALLEL_SCENARIOS, AlfqConfig
from tests.asmcheck import nrt_calls
from tests.clirunner import invoke

LOOPS = 2000


def _cfg(**kw):
    return resolve(AlfqConfig, {"loops": LOOPS, **kw}, "test")


def test_scenarios_and_counting_units():
    cases = ab.build_cases(_cfg())
    names = [c.name for c in cases]
    assert names == [
        "for_loop",
        "ALF-MPMC-simple",
        "ALF-MPMC-multi",
        "MPMC-bulk2",
        "MPMC-bulk3",
        "MPMC-bulk4",
        "MPMC-bulk6",
        "MPMC-bulk8",
        "MPMC-bulk16",
        "ALF-SPSC-simple",
        "baseline-array-push-pop",
        "ALF-SPSC-multi",
        "SPSC-bulk2",
        "SPSC-bulk3",
        "SPSC-bulk4",
        "SPSC-bulk6",
        "SPSC-bulk8",
        "SPSC-bulk16",
    ]
    expected = {  # invoke count: each enqueue and each dequeue is one element
        "for_loop": LOOPS * 10,
        "ALF-MPMC-simple": LOOPS * 2,
        "ALF-MPMC-multi": (LOOPS // 100) * 128 * 2,
        "ALF-SPSC-simple": LOOPS * 10 * 2,
        "baseline-array-push-pop": LOOPS * 10 * 2,
        "ALF-SPSC-multi": (LOOPS // 10) * 128 * 2,
    }
    for c in cases:
        rec = c.run()
        if c.name.startswith(("MPMC-bulk", "SPSC-bulk")):
            assert rec.step == c.step and rec.invoked == LOOPS * c.step * 2
        else:
            assert rec.invoked == expected[c.name], c.name
        assert rec.tsc_stop > rec.tsc_start
    # the shared queues stay consistent across scenarios (indices kept running)
    assert c.run().invoked == LOOPS * 16 * 2


@pytest.mark.parametrize(
    "raw, needle",
    [
        ({"ring_size": 100}, "power of two"),
        ({"ring_size": 64}, "-multi"),
        ({"ring_size": 8, "tests": ["MPMC-bulk"], "bulk": [16]}, "larger than the ring"),
        ({"q_size": 3000}, "power of two"),
        ({"q_size": 16, "parallel_bulk": 32}, "larger than the ring"),
        ({"prefill": 40000, "q_size": 32768}, "prefill"),
    ],
)
def test_bad_config_is_a_usage_error(raw, needle):
    with pytest.raises(UsageError, match=needle):
        _cfg(**raw)


def test_bulk_above_the_cap_is_rejected():
    with pytest.raises(UsageError, match="bulk"):
        _cfg(bulk=[33])


def test_more_parallel_cpus_than_allowed():
    cfg = _cfg(parallel_cpus=len(allowed_cpus()) + 1)
    with pytest.raises(UsageError, match="parallel-cpus"):
        ap.build_cases(cfg)


def test_parallel_scenarios_roles_and_notes(two_cpus):
    cfg = _cfg(parallel_loops=20_000, q_size=65536, prefill=32_000)
    cases = ap.build_cases(cfg)
    assert [c.name for c in cases] == list(PARALLEL_SCENARIOS)
    for case in cases:
        res = run_parallel_case(case, repeat=1, warmup=0)
        assert res.error is None, res.messages
        recs = res.repeats[0].records
        assert [r.cpu for r in recs] == case.cpus
        if case.name.startswith("alf_queue_BULK"):
            assert all(r.step == 8 and r.invoked == 20_000 for r in recs)
        else:
            # even CPU enqueues (step 1), odd dequeues (step 0); prefill avoids running dry
            assert [r.step for r in recs] == [1 - c % 2 for c in case.cpus]
            assert all(r.invoked == 20_000 for r in recs)
        assert res.counters["prefill"] == 32_000
        assert res.counters["queue_count_after"] == 32_000  # as many enqueued as dequeued
    many = cases[2]
    if len(allowed_cpus()) < 4:
        assert any("only" in n and "4 CPUs" in n for n in many.notes)


def test_parallel_dequeuer_running_dry_warns(two_cpus):
    cfg = _cfg(parallel_loops=20_000, prefill=0)
    case = ap.build_cases(cfg)[0]  # MPMC two CPUs: the dequeuer may find the queue empty
    res = run_parallel_case(case, repeat=1, warmup=0)
    assert res.error is None
    deq = res.repeats[0].records[1]
    if deq.invoked < 20_000:
        assert any("WARN: deq emptyq" in w for w in res.counters["warnings"])


def test_hot_kernels_have_no_nrt_calls():
    for c in ab.build_cases(_cfg()):
        if c.name in ("ALF-MPMC-simple", "ALF-SPSC-simple"):
            c.run()
    for k in (ab.time_bench_ALF_MPMC_simple, ab.time_bench_ALF_SPSC_simple):
        assert nrt_calls(k) == []


def test_spsc_kernel_has_no_locked_instruction():
    from tests.asmcheck import fresh_asm, native_bodies

    for c in ab.build_cases(_cfg()):
        if c.name in ("ALF-MPMC-simple", "ALF-SPSC-simple"):
            c.run()
    locked = re.compile(r"\block\b")  # the lock prefix (not clock_gettime)

    def body(kernel):
        return "\n".join(b for a in fresh_asm(kernel) for b in native_bodies(a))

    assert not locked.search(body(ab.time_bench_ALF_SPSC_simple))  # SPSC: no atomics
    assert locked.search(body(ab.time_bench_ALF_MPMC_simple))  # MPMC: the cmpxchg


def test_cli_bad_ring_size_one_line_exit_2():
    p = invoke("alfq", "--ring-size", "100")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr and "100" in lines[0]
