"""Kernel-only costs are charged by one out-of-line spin loop, calibrated per charge."""

from numba import njit

from skbbench.harness import spin
from skbbench.harness.spin import busy_wait
from tests.asmcheck import fresh_asm, native_bodies


@njit(nogil=True)
def _two_sites(k, n):
    acc = 0
    for i in range(n):
        busy_wait(k)
        acc += i
        busy_wait(k + 1)
    return acc


def test_charges_call_the_out_of_line_spin_and_are_not_inlined():
    _two_sites(1, 1)
    (asm,) = fresh_asm(_two_sites)
    kernel = native_bodies(asm)[0]  # the nopython function (the spin is not a _ZN symbol)
    assert kernel.count("skbbench_spin") >= 2  # both sites call the one function
    spin_body = asm.split("skbbench_spin:")[1].split(".Lfunc_end")[0]
    loop = spin_body.split("jle")[1].split("jg")[0]
    assert loop.count("#APP") == 1  # one laundering asm per iteration: not unrolled
    assert spin_body.count("#APP") == 2  # plus the one laundering the returned counter


def test_zero_cost_charges_nothing_and_positive_cost_at_least_one_iteration():
    assert spin.cost_iters(0) == 0 and spin.charged_cycles(0) == 0.0
    assert spin.cost_iters(0.5) >= 1


def test_chosen_iterations_grow_with_the_charge():
    small, large = spin.cost_iters(7), spin.cost_iters(60)
    assert large > small >= 1
    assert spin.charged_cycles(large) > spin.charged_cycles(small)


def test_calibration_is_reported():
    spin.cost_iters(7)
    report = spin.calibration_report()
    assert "7" in report["charges"] and report["charges"]["7"]["iters"] >= 1
