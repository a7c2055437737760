"""time_bench arithmetic and line formats (docs/benchmarks.md)."""

import pytest

from skbbench.timebench import (
    Record,
    calc_stats,
    cpu_line,
    loop_messages,
    loops_overflow,
    sum_line,
    type_line,
)

# The published line quoted in docs/benchmarks.md (i7-2620M, getting_started.rst).
PUBLISHED = (
    "Type:page_alloc_put Per elem: 425 cycles(tsc) 158.170 ns (step:0) - (measurement period "
    "time:0.158170395 sec time_interval:158170395) - (invoke count:1000000 tsc_interval:425676012)"
)


def rec(invoked: int, tsc: int, ns: int, loops: int | None = None, step: int = 0) -> Record:
    return Record(
        loops=loops if loops is not None else invoked,
        step=step,
        invoked=invoked,
        tsc_start=1000,
        tsc_stop=1000 + tsc,
        wall_start=5_000,
        wall_stop=5_000 + ns,
    )


def test_published_line_reproduced_from_its_intervals():
    # Feed the printed intervals and count back in: the identical line must come out.
    assert type_line("page_alloc_put", rec(1_000_000, 425_676_012, 158_170_395)) == PUBLISHED


def test_cycles_truncate_and_decimal_is_remainder_over_precision():
    st = calc_stats(rec(3000, 8999, 10_001))
    assert st.tsc_cycles == 2  # 8999 // 3000, truncated
    # 10001 = 3*3000 + 1001; precision = 3000 // 1000 = 3; decimal = 1001 // 3
    assert st.ns_per_call_quotient == 3 and st.ns_per_call_decimal == 333


def test_decimal_can_reach_four_digits_like_the_original():
    # N not a multiple of 1000: precision = N // 1000 = 1, remainder 1998 -> "0.1998".
    line = type_line("x", rec(1999, 5000, 1998))
    assert " 0.1998 ns " in line


def test_seconds_field_is_zero_padded_to_nine_digits():
    line = type_line("x", rec(1000, 5000, 2_000_000_007))
    assert "measurement period time:2.000000007 sec" in line


@pytest.mark.parametrize("n", [0, 1, 999])
def test_too_few_elements_is_the_originals_error(n):
    st = calc_stats(rec(n, 5000, 5000))
    assert st.error == f"ERR: need more(>1000) loops({n}) for timing"


def test_too_many_elements_overflows_32bit():
    n = 2**32
    assert calc_stats(rec(n, 5000, 5000)).error == f"ERR: Invoke cnt({n}) too big overflow 32bit"
    assert calc_stats(rec(n - 1, 5000, 5000)).error is None


def test_zero_intervals_abort():
    assert calc_stats(rec(1000, 0, 5)).error == "ABORT: timing took ZERO TSC time"
    assert calc_stats(rec(1000, 5, 0)).error == "ABORT: timing took ZERO wallclock time"


def test_invoke_count_smaller_than_loops_warns():
    msgs = loop_messages("x", rec(1500, 5000, 5000, loops=2000))
    assert msgs == ["WARNING: Invoke count(1500) smaller than loops(2000)"]


def test_loops_overflow_guard():
    assert loops_overflow(10_000_000, 215) and not loops_overflow(10_000_000, 214)


def test_parallel_lines_average_truncated_cycles_and_take_last_step():
    a = rec(1000, 10_999, 4000, step=1)  # 10 cycles
    b = rec(1000, 13_500, 4000, step=0)  # 13 cycles
    assert cpu_line("q", a, 0).startswith("Type:q CPU(0) 10 cycles(tsc) 4.000 ns (step:1) - (")
    assert sum_line("q", [a, b]) == "Sum Type:q Average: 11 cycles(tsc) CPUs:2 step:0"
