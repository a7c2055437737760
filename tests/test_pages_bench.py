"""`skbbench pages`: every page_bench module builds and runs at small loops (in-process),
counts the originals' elements, prints the module lines, and leaves every page back in
the buddy lists; bad input is one line and exit 2."""

import json

import pytest

from skbbench.config import resolve
from skbbench.specs.pages import PagesConfig, order_loops, outstanding_invoked
from tests.clirunner import invoke
from tests.conftest import on_all_cpus

SMALL = [
    "--loops", "1000",
    "--orders", "0,1,4",
    "--put-orders", "0,2",
    "--outstanding", "1,3,200",
    "--outstanding-loops", "1000",
    "--bulk-loops", "1200",
    "--bulks", "1,16,128",
    "--cross-loops", "2000",
    "--q-size", "4096",
    "--prefill", "2048",
    "--repeat", "1",
    "--warmup", "0",
]  # fmt: skip


@pytest.fixture(scope="module")
def doc():
    with on_all_cpus():  # page_bench05 runs on two CPUs
        r = invoke("--format", "json", "pages", *SMALL)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _cases(doc, name):
    return [c for c in doc["cases"] if c["name"] == name]


def _invoked(case):
    return [rec["invoked"] for rec in case["runs"][0]]


def test_every_scenario_runs_in_the_originals_order(doc):
    names = [c["name"] for c in doc["cases"]]
    assert names == (
        ["single_page_alloc_free"]
        + ["alloc_pages_order_step"] * 3
        + ["put_order_step"] * 2
        + ["step_outstanding_pages"] * 3
        + ["single_page_alloc_put"]
        + ["time_bulk_page_alloc_free_list"] * 3
        + ["time_bulk_page_alloc_free_array"] * 3
        + ["cross_cpu_page_alloc_put"]
    )
    assert not [c["error"] for c in doc["cases"] if c.get("error")]


def test_counting_units_are_the_originals(doc):
    assert _invoked(_cases(doc, "single_page_alloc_free")[0]) == [1000 * 10]
    for case in _cases(doc, "alloc_pages_order_step") + _cases(doc, "put_order_step"):
        order = case["step"]
        assert _invoked(case) == [order_loops(1000, order)]
        pa = case["counters"]["page_alloc"]
        assert pa["pgalloc"] == pa["pgfree"] == order_loops(1000, order) << order
    for case in _cases(doc, "step_outstanding_pages"):
        n = case["step"]
        assert _invoked(case) == [outstanding_invoked(1000, n)]  # 1002 for N=3
    for name in ("time_bulk_page_alloc_free_list", "time_bulk_page_alloc_free_array"):
        for case in _cases(doc, name):
            b = case["step"]
            assert _invoked(case) == [1200 // b * b]
            assert case["counters"]["got_less_pages_calls"] == 0
            pa = case["counters"]["page_alloc"]
            if b > 1:  # the pcp batch path of __alloc_pages_bulk, one call per bulk
                assert pa["alloc_bulk"] == 1200 // b and pa["alloc_bulk_fallback"] == 0
            else:  # one page: the single-page allocator inside the bulk API
                assert pa["alloc_bulk_fallback"] == 1200
    (cross,) = _cases(doc, "cross_cpu_page_alloc_put")
    assert _invoked(cross) == [2000, 2000]
    assert [r["step"] for r in cross["runs"][0]] == [1, 0]
    assert cross["counters"]["prefill"] == 2048
    assert cross["counters"]["left_on_queue"] == 2048  # prefill + produced - consumed


def test_every_page_goes_back_to_the_buddy_lists(doc):
    for case in doc["cases"]:
        assert case["counters"]["pages_returned"] > 0, case["name"]


def test_outstanding_beyond_pcp_high_takes_the_zone_lock(doc):
    by_n = {c["step"]: c["counters"]["page_alloc"] for c in _cases(doc, "step_outstanding_pages")}
    assert by_n[1]["zone_lock"] <= 2  # the first refill only
    assert by_n[200]["rmqueue_bulk"] > 10 and by_n[200]["free_pcppages_bulk"] > 5


def test_kernel_format_prints_the_module_lines():
    r = invoke("pages", *SMALL[:-4], "--groups", "page_bench01,page_bench02", "--repeat", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("page_bench01: alloc_pages order:4"))
    assert lines[i].startswith("page_bench01: alloc_pages order:4(65536B/x16) ")
    assert lines[i + 1].startswith("Type:alloc_pages_order_step Per elem: ")
    assert "(step:4)" in lines[i + 1]
    cycles = int(lines[i + 1].split("Per elem: ")[1].split()[0])
    assert lines[i].endswith(f" {cycles} cycles per-4096B {cycles >> 4} cycles")
    assert any(
        ln.startswith("page_bench02: N=3 outstanding pages order:0(4096B/x1) ") for ln in lines
    )


def test_tables():
    r = invoke("--format", "markdown", "pages", *SMALL[:-4], "--groups", "page_bench02")
    assert r.returncode == 0, r.stderr
    assert "page_bench02 step_outstanding_pages" in r.stdout


@pytest.mark.parametrize(
    "args, key",
    [
        (["--orders", "0,11"], "orders"),
        (["--put-orders", "12"], "put_orders"),
        (["--page-order", "11"], "page_order"),
        (["--bulks", "129"], "--bulks"),
        (["--prefill", "5000", "--q-size", "4096"], "prefill"),
        (["--groups", "page_bench03"], "--groups"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, key):
    r = invoke("pages", *args)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and key in r.stderr


def test_max_order_message_names_it():
    with pytest.raises(Exception, match="MAX_ORDER"):
        resolve(PagesConfig, {"orders": [11]}, "t")
