"""The rough edges a new user hit on a first walk through the CLI: each one a test."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skbbench import config, shipped
from skbbench.cli.bench import where_it_ran
from skbbench.document.stats import scatter_warnings
from skbbench.errors import EXIT_USAGE, UsageError
from skbbench.report.plot import INSTALL_HINT
from skbbench.specs.napi import NapiConfig
from tests.clirunner import invoke
from tests.resultdocs import case, document, typed

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _one_line_usage_error(p, needle: str) -> None:
    assert p.returncode == EXIT_USAGE, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert needle in lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["napi", "--variants", "v4.6,v5.12", "--compare", "v4.4,v4.6"],
        ["napi", "--variants", "v4.4", "--compare", "v4.4,v4.6"],
    ],
)
def test_compare_names_a_variant_that_is_not_run(args):
    _one_line_usage_error(invoke(*args), "compare: v4.")


def test_compare_defaults_to_the_first_two_variants_run():
    two = config.resolve(NapiConfig, {"variants": ("v4.6", "v5.12")}, "test")
    assert two.compare == ("v4.6", "v5.12")
    one = config.resolve(NapiConfig, {"variants": ("v4.4",)}, "test")
    assert one.compare == ()  # one variant: no before/after table, no "missing" rows
    every = config.resolve(NapiConfig, {}, "test")
    assert every.compare == ("v4.4", "v4.6")
    with pytest.raises(UsageError, match="compare"):
        config.resolve(NapiConfig, {"variants": ("v4.6",), "compare": ("v4.4", "v4.6")}, "t")


@pytest.mark.parametrize("where", ["before", "after"])
def test_an_empty_output_name_is_a_usage_error(where):
    args = ["-o", "", "--loops", "100000"]
    p = (
        invoke("sample", *args)
        if where == "after"
        else invoke("run", "-o", "", "time_bench_sample")
    )
    _one_line_usage_error(p, "empty file name")


def test_quiet_and_verbose_work_after_the_command():
    quiet = invoke("sample", "--tests", "for_loop", "--loops", "100000", "-q")
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    verbose = invoke("sample", "--tests", "for_loop", "--loops", "100000", "-v")
    assert verbose.returncode == 0 and "core/TSC" in verbose.stderr, verbose.stderr


def test_output_to_stdout_prints_one_document():
    p = subprocess.run(
        [sys.executable, "-m", "skbbench", "--format", "json", "sample", "--tests", "for_loop"]
        + ["--loops", "100000", "-q", "-o", "/dev/stdout"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)  # two documents back to back would not parse
    assert doc["cases"][0]["name"] == "for_loop"


def _cases(parallel: bool, single: bool) -> list[dict]:
    out = []
    if single:
        out.append(case("fastpath", [10.0, 11.0]))
    if parallel:
        c = case("lock_global", [20.0, 21.0], params={"cpus": [0, 1]})
        c["kind"] = "parallel"
        out.append(c)
    return out


def test_stderr_names_the_cpus_a_parallel_run_used():
    doc = typed(document(_cases(parallel=True, single=False)))
    line = where_it_ran(doc)
    assert "CPUs 0,1" in line and "pinned" not in line, line
    mixed = where_it_ran(typed(document(_cases(parallel=True, single=True))))
    assert "pinned" in mixed and "parallel cases on CPUs 0,1" in mixed, mixed
    single = where_it_ran(typed(document(_cases(parallel=False, single=True))))
    assert "pinned" in single and "CPUs" not in single, single


def test_the_unstable_warning_gives_the_spread_on_both_sides():
    doc = typed(document([case("c", [100.0, 100.0, 100.0, 100.0, 30.0])]))
    (line,) = scatter_warnings("c", 1, doc.cases[0].stats)
    spread = re.search(r"from ([\d.]+)x to ([\d.]+)x the median", line)
    assert spread, line
    assert float(spread.group(1)) == pytest.approx(0.30) and float(spread.group(2)) == 1.0


def test_one_install_hint_for_the_plot_extra():
    command = INSTALL_HINT.split(" in ")[0]
    assert f"`{command}`" in README, command


def test_user_facing_text_names_no_issue_or_ci_internals():
    internal = re.compile(r"issue ?#?\d|\.ci/|bench-compare")
    for name, path in shipped.shipped_configs().items():
        assert not internal.search(path.read_text()), name
    listing = invoke("run", "--list")
    assert listing.returncode == 0 and not internal.search(listing.stdout), listing.stdout
    helps = [invoke(*cmd, "--help").stdout for cmd in (["bulk"], ["napi"], ["qmempool"], [])]
    for text in helps:
        assert not internal.search(text), text


def test_readme_and_gitignore_cover_what_a_user_meets():
    for needle in ("XDG_CACHE_HOME", "`-q`", "`-v`", "4 a case failed", "130 interrupted"):
        assert needle in README, needle
    assert ".venv/" in (ROOT / ".gitignore").read_text().split()


def test_one_summary_line_per_kind_and_scatter_only_with_verbose():
    from skbbench.session.local import summarize
    from skbbench.session.progress import shown

    lines = [
        "unstable: 'a' (step:1): the median is in doubt by +-9% (...)",
        "unstable: 'b' (step:2): the median is in doubt by +-5% (...)",
        "unstable: 'c' (step:3): the median is in doubt by +-4% (...)",
        "unstable: 'd' (step:4): the median is in doubt by +-4% (...)",
    ]
    line = summarize(lines, 44)
    assert line.startswith("unstable: 4 of 44 case(s) with a median in doubt")
    assert "'a' (step:1), 'b' (step:2), 'c' (step:3) and 1 more" in line
    scatter = "scatter: 3 of 44 case(s) with outlying repeats that did not move the median"
    assert not shown(scatter, 0) and shown(scatter, 1) and not shown(line, -1)
    assert shown(line, 0)
