"""slab_bulk_test01-03 on the model: steady-state counters, the seed post's table
layout, native kernels (no NRT), and `skbbench bulk` end to end."""

import json
import re
from pathlib import Path

import pytest

from skbbench.report.bulk_table import load_published
from skbbench.report.kit import Point, kernel_table
from skbbench.specs.bulk import BulkConfig
from tests.clirunner import invoke

SEED_TABLE = Path(__file__).resolve().parent / "data" / "seed_detached_freelist_table.txt"


def run_cli(*args):
    return invoke(*args)


# --------------------------------------------------------------------------------------
# Steady-state counters of slab_bulk_test01


def _cfg(**kw):
    values = {"test": "01", "compare": ["before", "after"], "loops": 20_000, "profile": "zero"}
    values.update(kw)
    return BulkConfig.create(values)


@pytest.fixture(scope="module")
def test01_counters():
    from skbbench.bench.slab_bulk_test01 import build_cases

    out = {}
    for case in build_cases(_cfg(sizes=[8, 16, 30, 32, 34, 48, 64, 250])):
        if "variant" not in case.params:
            continue
        case.run()  # warm-up: compiles
        rec = case.run()
        assert rec.invoked == (20_000 // case.step) * case.step
        out[(case.params["variant"], case.step)] = case.counters()
    return out


@pytest.mark.parametrize("variant", ["fallback", "before", "after"])
@pytest.mark.parametrize("bulk", [8, 16, 30, 32])
def test_no_slowpath_while_a_bulk_fits_the_cpu_slab(test01_counters, variant, bulk):
    c = test01_counters[(variant, bulk)]
    st = c["slub_stats"]
    assert st["FREE_SLOWPATH"] == 0 and st["ALLOC_REFILL"] == 0
    assert st["ALLOC_SLAB"] == 1  # the first slab of the fresh cache, then pure reuse
    assert c["slab_free_objects_per_call"] == {}


@pytest.mark.parametrize("bulk", [34, 48, 64, 250])
def test_slowpath_frees_once_a_bulk_spans_slab_pages(test01_counters, bulk):
    iterations = 20_000 // bulk
    before = test01_counters[("before", bulk)]
    after = test01_counters[("after", bulk)]
    # before: every object that is not on the cpu slab takes its own __slab_free
    assert before["slub_stats"]["FREE_SLOWPATH"] >= iterations
    assert set(before["slab_free_objects_per_call"]) == {"1"}
    # after: the detached freelist hands each page's objects to one __slab_free
    assert after["slub_stats"]["FREE_SLOWPATH"] >= iterations
    assert after["slub_stats"]["FREE_SLOWPATH"] < before["slub_stats"]["FREE_SLOWPATH"] / 4
    assert after["slab_free_avg_objects"] >= 8
    # the slabs cycle through the cpu partial list, not the page allocator
    assert after["slub_stats"]["CPU_PARTIAL_FREE"] > 0
    assert after["slub_stats"]["CPU_PARTIAL_ALLOC"] > 0


def test_fastpath_reuse_is_all_fastpath():
    from skbbench.bench.slab_bulk_test01 import build_cases

    case = next(c for c in build_cases(_cfg(sizes=[1])) if c.name == "kmem fastpath reuse")
    rec = case.run()
    st = case.counters()["slub_stats"]
    assert rec.invoked == 20_000
    assert st["ALLOC_FASTPATH"] == 20_000 - 1 and st["ALLOC_SLOWPATH"] == 1
    assert st["FREE_FASTPATH"] == 20_000


# --------------------------------------------------------------------------------------
# The table printer against the seed post


def _seed_lines():
    lines = SEED_TABLE.read_text().splitlines()
    return [line for line in lines if not line.startswith("#")]


def test_table_printer_reproduces_the_seed_table_line_by_line():
    seed = _seed_lines()
    assert len(seed) == 15
    rows = [
        (
            r["bulk"],
            Point(r["before"]["cycles"], r["before"]["ns"], float(r["before"]["ns"])),
            Point(r["after"]["cycles"], r["after"]["ns"], float(r["after"]["ns"])),
        )
        for r in load_published()["rows"]
    ]
    ours = kernel_table("bulk", rows, "Bulk-API-before", "Bulk-API with patchset")
    assert ours == seed


def test_published_data_improved_matches_the_formula():
    for r in load_published()["rows"]:
        a, b = r["before"]["cycles"], r["after"]["cycles"]
        assert round((a - b) / a * 100, 1) == pytest.approx(r["improved"])


# --------------------------------------------------------------------------------------
# Native speed: no NRT reference counting in the hot kernels


def _functions(asm):
    """name -> body of every function in an assembly listing."""
    out, name = {}, None
    for line in asm.splitlines():
        if line and not line[0].isspace() and line.endswith(":") and not line.startswith("."):
            name = line[:-1]
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def _callees(body):
    """The functions a body calls (Numba's large code model: movabsq $f, %reg; call)."""
    names = re.findall(r"movabsq\s+\$([\w.]+), %r", body)
    return {n for n in names if n.startswith(("skbbench.", "_ZN")) or n == "clock_gettime"}


def _short(name):
    # skbbench.ool._ZN8skbbench5model4slub22kmem_cache_alloc_exportB...E -> kind.function
    kind = name.split(".")[1] if name.startswith("skbbench.") else "numba"
    rest = name.split("_ZN", 1)[-1]
    last = name
    while rest and rest[0].isdigit():  # <length><component>... : keep the last one
        m = re.match(r"(\d+)", rest)
        n = int(m.group(1))
        last, rest = rest[m.end() : m.end() + n], rest[m.end() + n :]
    return f"{kind}.{last}"


def test_hot_kernels_have_no_nrt_calls_and_the_kernels_call_boundaries():
    import numpy as np

    from skbbench.bench.slab_bulk_kernels import bulk_quick_reuse, fastpath_reuse
    from skbbench.bench.slab_bulk_test03 import bulk_test_loop
    from skbbench.harness.flavor import Flavor
    from skbbench.harness.window import new_window
    from skbbench.model.kconfig_layout import default_flags
    from skbbench.model.slub_create import kmem_cache_create
    from tests.asmcheck import fresh_asm, nrt_calls

    kc = Flavor(default_flags())
    cache = kmem_cache_create(profile="zero", max_slabs=64)
    fastpath_reuse(kc, cache.s, 0, 10, new_window())
    p = np.zeros(64, dtype=np.uint64)
    e = np.zeros(0, dtype=np.uint64)
    for variant in (0, 1, 2):
        bulk_quick_reuse(kc, cache.s, 0, 10, 16, p, variant, new_window(), e, e)
    h = np.zeros(32, dtype=np.uint64)
    bulk_test_loop(kc, cache.s, h, p, 0, 64, 2, 2, new_window())
    for kernel in (fastpath_reuse, bulk_quick_reuse, bulk_test_loop):
        assert nrt_calls(kernel) == [], kernel.py_func.__name__
    # The bench loop calls only the exported functions (and the test module's noinline
    # fallbacks), out of line; inside them slab_alloc_node / slab_free / the bulk loops
    # are inlined and only the slowpaths are calls; no signed-index wraparound (sar $63).
    exported = {
        "ool.kmem_cache_alloc_export",
        "ool.kmem_cache_free_export",
        "ool.kmem_cache_alloc_bulk_export",
        "ool.kmem_cache_free_bulk_export",
        "ool.kmem_cache_free_bulk_v43_export",
        "ool.__kmem_cache_alloc_bulk",
        "ool.__kmem_cache_free_bulk",
    }
    slowpaths = {"ool.__slab_alloc", "ool.___slab_alloc", "ool.__slab_free"}
    spin = {"skbbench_spin"}
    for kernel in (fastpath_reuse, bulk_quick_reuse):
        funcs = _functions(fresh_asm(kernel)[0])
        fn = kernel.py_func.__name__
        bench = [b for n, b in funcs.items() if n.startswith("_ZN8") and fn in n]
        assert len(bench) == 1
        called = {_short(n) for n in _callees(bench[0])} - {"numba.clock_gettime"}
        assert called and called <= exported, called
        assert not re.search(r"sarq\s+\$63", bench[0])
        for name, body in funcs.items():
            short = _short(name)
            if short in exported and "__kmem_cache" not in short:
                inner = {_short(n) for n in _callees(body)}
                assert inner <= slowpaths | spin | exported, (short, inner)
                assert not re.search(r"sarq\s+\$63", body), short
            if short in {"ool.kmem_cache_alloc_export", "ool.kmem_cache_free_export"}:
                assert "cmpxchg16b" in body and "lock" not in body.split("cmpxchg16b")[0][-20:]


def test_slab_kernels_have_no_nrt_calls():
    import numpy as np

    from skbbench.bench.slab_bulk_kernels import bulk_quick_reuse_slab
    from skbbench.harness.flavor import Flavor
    from skbbench.harness.window import new_window
    from skbbench.model.kconfig_layout import default_flags
    from skbbench.model.slab_create import kmem_cache_create
    from tests.asmcheck import nrt_calls

    # the fastpath and test03 kernels share the same inlined SLAB entry points
    cache = kmem_cache_create(profile="zero", max_slabs=64)
    p = np.zeros(64, dtype=np.uint64)
    e = np.zeros(0, dtype=np.uint64)
    kc = Flavor(default_flags())
    bulk_quick_reuse_slab(kc, cache.s, 0, 10, 16, p, 2, new_window(), e, e)
    assert nrt_calls(bulk_quick_reuse_slab) == []


# --------------------------------------------------------------------------------------
# The command


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--sizes", "0"], "--sizes"),
        (["--sizes", "1,40000"], "--sizes"),
        (["--sizes", "1,x"], "--sizes"),
        (["--object-size", "4"], "--object-size"),
        (["--object-size", "40000"], "--object-size"),
        (["--test", "04"], "--test"),
        (["--compare", "before,nope"], "--compare"),
        (["--compare", "before"], "--compare"),
        (["--compare", "after,after"], "compare"),
        (["--profile", "fast"], "--profile"),
        (["--cpus", "0"], "--cpus"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, needle):
    p = run_cli("bulk", *args)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert needle in lines[0]


def test_bulk_kernel_format_with_published_table():
    p = run_cli(
        "bulk",
        "--sizes",
        "1,34",
        "--loops",
        "3400",
        "--repeat",
        "1",
        "--profile",
        "zero",
        "--published",
    )
    assert p.returncode == 0, p.stderr
    out = p.stdout.splitlines()
    assert any(line.startswith("Type:kmem fastpath reuse Per elem:") for line in out)
    assert sum(line.startswith("Type:kmem bulk_quick_reuse ") for line in out) == 4
    assert sum(line.startswith("Type:kmem bulk_fallback ") for line in out) == 2
    # the post's table exactly as the post printed it: nothing appended to its lines
    i = out.index("bulk- Bulk-API-before - Bulk-API with patchset")
    post = re.compile(
        r"(\d+) - (\d+) cycles\(tsc\) \d+\.\d{3,4} ns - (\d+) cycles\(tsc\) "
        r"\d+\.\d{3,4} ns - improved -?\d+\.\d%"
    )
    printed = {}
    for line, size in ((out[i + 1], "1"), (out[i + 2], "34")):
        m = post.fullmatch(line)
        assert m and m.group(1) == size, line
        printed[size] = (int(m.group(2)), int(m.group(3)))
    # then, apart, the model beside the post with the core-cycle estimate
    k = next(k for k, line in enumerate(out) if line.startswith("model vs published"))
    assert out[k + 1].endswith("| est. core | published: Bulk-API-before - Bulk-API with patchset")
    ratio = float(re.search(r"cycles\(tsc\) x (\d+\.\d+),", out[k]).group(1))
    beside = re.compile(
        r"(\d+) - (\d+) - (\d+) cycles\(tsc\) - improved -?\d+\.\d% \| ~(\d+) - ~(\d+)"
        r"(?: \| (\d+) - (\d+) cycles\(tsc\) - improved -?\d+\.\d%)?"
    )
    for line, size in ((out[k + 2], "1"), (out[k + 3], "34")):
        m = beside.fullmatch(line)
        assert m and m.group(1) == size, line
        assert (int(m.group(2)), int(m.group(3))) == printed[size]
        assert int(m.group(4)) == round(int(m.group(2)) * ratio)  # the estimate's arithmetic
        assert int(m.group(5)) == round(int(m.group(3)) * ratio)
    assert out[k + 3].endswith("| 80 - 28 cycles(tsc) - improved 65.0%")
    # --published runs the seed's setup (merged) and says so for both sides
    assert "(model setup: merged, alias of kmalloc-256 shared with other users)" in out
    assert any(line.startswith("(published setup: merged") for line in out)
    j = out.index("fidelity (improved %, model setup merged vs published):")
    assert out[j + 2].split()[0] == "1" and out[j + 3].split()[0] == "34"
    assert re.match(r"  sign agrees at \d of 2 sizes; distance <= 10 points at", out[j + 4])


def test_bulk_json_has_counters_and_compare_labels_follow():
    p = run_cli(
        "--format",
        "json",
        "bulk",
        "--sizes",
        "48",
        "--loops",
        "4800",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--compare",
        "fallback,after",
        "--profile",
        "zero",
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    cases = [c for c in doc["cases"] if c["params"].get("variant") == "after"]
    assert len(cases) == 1
    counters = cases[0]["counters"]
    assert counters["slub_stats"]["FREE_SLOWPATH"] > 0
    assert counters["slab_free_objects_per_call"]
    from skbbench.document import read_document
    from skbbench.report.bulk_table import kernel_lines

    lines = kernel_lines(read_document(doc))
    # the post's format exactly: no estimate appended to the header or the rows
    assert lines[0] == "bulk- Fallback-loop - Bulk-API with patchset"
    assert re.fullmatch(
        r"48 - \d+ cycles\(tsc\) \d+\.\d{3,4} ns - \d+ cycles\(tsc\) \d+\.\d{3,4} ns - "
        r"improved -?\d+\.\d%",
        lines[1],
    ), lines[1]


def test_check_mode_runs_the_default_sizes_subset_clean():
    p = run_cli(
        "bulk",
        "--sizes",
        "8,34,158",
        "--check",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--compare",
        "before,kfree_bulk",
    )
    assert p.returncode == 0, p.stderr
    assert "check:on" in p.stdout
    assert "Type:kfree_bulk Per elem:" in p.stdout


def test_test02_and_its_32bit_guard():
    p = run_cli(
        "bulk",
        "--test",
        "02",
        "--loops",
        "2000",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--profile",
        "zero",
    )
    assert p.returncode == 0, p.stderr
    assert "slab_bulk_test02: Bench bulk size:16" in p.stdout
    assert p.stdout.count("Type:kmem_cache_(free+alloc)_bulk Per elem:") == 2
    assert "(invoke count:32000 " in p.stdout  # loops not divided: 2000 x 16
    p = run_cli(
        "bulk",
        "--test",
        "02",
        "--sizes",
        "300",
        "--loops",
        "10000000",
        "--repeat",
        "1",
        "--warmup",
        "0",
    )
    assert p.returncode == 4, p.stderr  # the run completed, a case aborted
    assert "Loop cnt too big will overflow 32-bit" in p.stdout


def test_test03_worst_case_bulks_less_than_page_match():
    p = run_cli(
        "--format",
        "json",
        "bulk",
        "--test",
        "03",
        "--loops",
        "6400",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--profile",
        "zero",
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    after = {
        c["params"]["scenario"]: c
        for c in doc["cases"]
        if c["name"].endswith("-bulk") and c["params"]["variant"] == "after"
    }
    assert set(after) == {"worse-case", "N=1", "N=2", "N=3", "N=4", "N=5", "N=6", "N=10", "N=65"}
    for c in after.values():
        assert c["runs"][0][0]["invoked"] == 100 * 64
    worst = after["worse-case"]["counters"]["slab_free_avg_objects"]
    best = after["N=1"]["counters"]["slab_free_avg_objects"]
    assert worst < 2 < best
    before = [
        c
        for c in doc["cases"]
        if c["name"] == "worse-case-bulk" and c["params"]["variant"] == "before"
    ][0]
    assert set(before["counters"]["slab_free_objects_per_call"]) == {"1"}


def test_test03_check_mode_prefill_is_tracked():
    p = run_cli(
        "bulk",
        "--test",
        "03",
        "--check",
        "--loops",
        "1280",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--profile",
        "zero",
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("Type:worse-case-bulk Per elem:") == 2


# --------------------------------------------------------------------------------------
# --allocator slab|slub


def test_slab_runs_every_test_and_the_allocator_table():
    p = run_cli(
        "bulk",
        "--allocator",
        "slab,slub",
        "--sizes",
        "8,64",
        "--loops",
        "20000",
        "--profile",
        "zero",
        "--repeat",
        "1",
        "--format",
        "json",
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    allocators = {c["params"].get("allocator") for c in doc["cases"] if c["name"] != "for_loop"}
    assert allocators == {"slab", "slub"}
    slab = [c for c in doc["cases"] if c["params"].get("allocator") == "slab"]
    stats = slab[-1]["counters"]["slab_stats"]
    assert stats["allochit"] > 0 and "slub_stats" not in slab[-1]["counters"]
    text = run_cli(
        "bulk",
        "--allocator",
        "slab,slub",
        "--sizes",
        "8",
        "--loops",
        "20000",
        "--profile",
        "zero",
        "--repeat",
        "1",
    ).stdout
    assert "bulk- SLAB - SLUB" in text and "difference" in text
    assert "SLAB model:" in text and "SLUB model:" in text
    for test in ("02", "03"):
        p = run_cli(
            "bulk",
            "--allocator",
            "slab",
            "--test",
            test,
            "--loops",
            "6400",
            "--profile",
            "zero",
            "--repeat",
            "1",
            "--warmup",
            "0",
        )
        assert p.returncode == 0, p.stderr


def test_allocator_option_errors():
    p = run_cli("bulk", "--allocator", "slob")
    assert p.returncode == 2 and "--allocator" in p.stderr
    p = run_cli("bulk", "--nodes", "2")
    assert p.returncode == 2 and "only the SLAB model" in p.stderr


def test_fidelity_rows_count_signs_and_distances():
    from skbbench.document import read_document
    from skbbench.report.bulk_table import fidelity_lines, fidelity_rows

    def p(cycles: int) -> Point:
        return Point(cycles, "x", 0.0)

    published = {r["bulk"]: r for r in load_published()["rows"]}
    rows = [
        (1, p(40), p(64)),  # -60.0 vs -11.9: same sign, 48.1 points
        (16, p(18), p(19)),  # -5.6 vs +71.0: sign differs, 76.6 points
        (34, p(64), p(21)),  # +67.2 vs +65.0: same sign, 2.2 points
        (7, p(10), p(5)),  # no published row: left out
    ]
    fid = fidelity_rows(rows, published, "before", "after")
    assert [(k, m, p, ok, d) for k, m, p, ok, d in fid] == [
        (1, -60.0, -11.9, True, 48.1),
        (16, -5.6, 71.0, False, 76.6),
        (34, 67.2, 65.0, True, 2.2),
    ]
    # with the variants swapped (--compare after,before) the model's improved % is the same
    swapped = [(k, b, a) for k, a, b in rows]
    assert fidelity_rows(swapped, published, "after", "before") == fid
    last = fidelity_lines(rows, published, "merged", "before", "after")[-1]
    assert last == (
        "  sign agrees at 2 of 3 sizes; distance <= 10 points at 1, <= 25 at 1, > 25 at 2; "
        "median distance 48.1 points"
    )
    doc = {
        "schema": 2,
        "cases": [],
        "machine": {
            "processes": [
                {"process": 0, "clock_before": {"core_per_tsc": 1.2}},
                {"process": 1, "clock_after": {"core_per_tsc": 1.4}},
            ]
        },
    }
    assert read_document(doc).core_per_tsc() == pytest.approx(1.3)
    assert read_document({"schema": 2, "cases": []}).core_per_tsc() is None
