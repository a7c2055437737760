"""CLI behaviour: bad input is one line + exit 2; --help and info import no numba."""

import json
import subprocess
import sys

import pytest

from skbbench.harness.cpus import allowed_cpus
from tests.clirunner import invoke


def run_cli(*args):
    return invoke(*args)


def real_process(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "skbbench", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize(
    "args, needle",
    [
        (["sample", "--loops", "0"], "--loops"),
        (["sample", "--loops", "-5"], "--loops"),
        (["sample", "--loops", "abc"], "--loops"),
        (["sample", "--repeat", "0"], "--repeat"),
        (["sample", "--cpu", "4096"], "--cpu"),
        (["sample", "--loops", "1500"], "too few loops"),
        (["sample", "--tests", "nope"], "--tests"),
        (["--format", "xml", "sample"], "--format"),
        (["parallel", "--parallel-cpus", "4096"], "--parallel-cpus"),
        (["nosuchcommand"], "nosuchcommand"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, needle):
    p = run_cli(*args)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert needle in lines[0]
    assert p.stdout == ""


@pytest.mark.parametrize(
    "args, status, needle",
    [
        (["sample", "--loops", "abc"], 2, "--loops"),
        (["nosuchcommand"], 2, "nosuchcommand"),
        (["bulk", "--sizes", "1,,x"], 2, "--sizes"),
    ],
)
def test_a_real_process_exits_with_the_status_and_one_line(args, status, needle):
    p = real_process(*args)
    assert p.returncode == status, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr and needle in lines[0]
    assert p.stdout == ""


def _imports_numba(code: str) -> bool:
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport sys\nprint('NUMBA' if 'numba' in sys.modules else 'CLEAN')",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode in (0, None), p.stderr
    return "NUMBA" in p.stdout


def test_help_does_not_import_numpy():
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            "from skbbench.cli import cli\n"
            "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "import sys\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'numpy')[:3])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]"  # numpy alone costs ~0.1 s


def test_help_does_not_import_numba():
    assert not _imports_numba(
        "from skbbench.cli import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass"
    )


def test_info_does_not_import_numba_when_the_kernel_knows_the_tsc_rate():
    from skbbench.tscfreq import tsc_frequency

    if tsc_frequency(allow_calibration=False).source == "unknown":
        pytest.skip("this machine needs a TSC calibration (which imports numba)")
    assert not _imports_numba(
        "from skbbench.cli import cli\ncli.main(['info'], standalone_mode=False)"
    )


def test_info_json_has_tsc_source_and_cpus():
    p = run_cli("--format", "json", "info")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["machine"]["tsc_source"] in ("kernel", "calibrated", "cached-calibration")
    assert doc["machine"]["tsc_mhz"] > 0


def test_sample_prints_type_lines_and_writes_result(tmp_path):
    out = tmp_path / "r.json"
    p = run_cli(
        "sample", "--loops", "20000", "--repeat", "3", "--tests", "for_loop,cmpxchg", "-o", str(out)
    )
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("Type:for_loop Per elem: ") and "(invoke count:200000 " in lines[0]
    assert lines[1].startswith("Type:cmpxchg Per elem: ") and "(invoke count:10000 " in lines[1]
    doc = json.loads(out.read_text())
    assert [c["name"] for c in doc["cases"]] == ["for_loop", "cmpxchg"]
    assert all(len(c["runs"]) == 3 for c in doc["cases"])  # every repeat kept
    assert doc["machine"]["pinned_cpu"] == allowed_cpus()[-1]


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "yaml"])
def test_other_formats_render(fmt):
    p = run_cli(
        "--format", fmt, "sample", "--loops", "20000", "--repeat", "1", "--tests", "for_loop"
    )
    assert p.returncode == 0, p.stderr
    assert "for_loop" in p.stdout


def test_parallel_prints_per_cpu_and_sum_lines(two_cpus):
    p = run_cli("parallel", "--loops", "20000", "--repeat", "1")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith(f"Type:time_lock_unlock_local CPU({two_cpus[0]}) ")
    assert lines[1].startswith(f"Type:time_lock_unlock_local CPU({two_cpus[1]}) ")
    assert lines[2].startswith("Sum Type:time_lock_unlock_local Average: ")
    assert lines[2].endswith(" CPUs:2 step:0")
