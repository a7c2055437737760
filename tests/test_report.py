"""`skbbench report`: the static site of a real result file (baselines/ci.json) and of
synthetic histories -- its runs index, tables, plots, comparison and history -- nothing
fetched from the network, and the output directory written whole or refused."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from skbbench.document import load_document
from skbbench.outdir import MARKER
from skbbench.report.site import build_site
from tests.clirunner import invoke
from tests.resultdocs import write_json
from tests.test_history import _series

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "baselines" / "ci.json"

try:
    import matplotlib  # noqa: F401

    HAVE_PLOT = True
except ImportError:
    HAVE_PLOT = False


class _Tags(HTMLParser):
    """Counts start tags and the ids, checks tables and figures are closed."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: dict[str, int] = {}
        self.ends: dict[str, int] = {}
        self.ids: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.starts[tag] = self.starts.get(tag, 0) + 1
        for k, v in attrs:
            if k == "id" and tag in ("h2", "h3", "figure"):
                self.ids.append(v)
            if k in ("src", "href") and v:
                self.refs.append(v)

    def handle_endtag(self, tag):
        self.ends[tag] = self.ends.get(tag, 0) + 1


def _parse(page: str) -> _Tags:
    tags = _Tags()
    tags.feed(page)
    for tag in ("table", "figure", "pre", "svg", "tr"):
        assert tags.starts.get(tag, 0) == tags.ends.get(tag, 0), tag
    return tags


def _offline(site: Path) -> None:
    """Nothing in the site is fetched from elsewhere: no script, every reference local."""
    page = (site / "index.html").read_text()
    assert "<script" not in page
    assert "@import" not in (site / "style.css").read_text()
    tags = _parse(page)
    for ref in tags.refs:
        assert ref.startswith("#") or (site / ref).is_file(), ref
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)


def test_report_of_a_real_run_with_its_baseline(tmp_path):
    out = tmp_path / "site"
    p = invoke("report", str(CI), "--baseline", str(CI), "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert "wrote" in p.stderr and "index.html" in p.stderr
    assert sorted(x.name for x in out.iterdir()) == sorted([MARKER, "index.html", "style.css"])
    _offline(out)
    page = (out / "index.html").read_text()
    tags = _parse(page)
    doc = load_document(CI)
    # the index of runs, the config, the machine, the warnings
    assert 'id="runs"' in page and "AMD EPYC" in page and "tsc_known_freq" in page
    assert "WARNING: running under a hypervisor" in page
    assert "Disturbed worker processes" in page
    # the kernel format, with the posts' before/after table
    assert "Type:kmem bulk_quick_reuse Per elem:" in page
    assert "bulk- Bulk-API-before - Bulk-API with patchset" in page
    # runs index, machine, summary, family table(s), counters, comparison
    assert tags.starts["table"] >= 6
    summary = page.split('class="summary"')[1].split("</table>")[0]
    assert summary.count("<tr>") == len(doc.cases) + 1
    compared = page.split('class="compare"')[1].split("</table>")[0]
    assert compared.count("<tr") == len(doc.cases) + 1
    assert "95% interval" in compared and compared.count("no change") == len(doc.cases)
    intervals = re.findall(r"([+-]\d+\.\d)% \.\. ([+-]\d+\.\d)%", compared)
    assert len(intervals) == len(doc.cases)
    assert all(float(lo) <= 0 <= float(hi) for lo, hi in intervals)  # the file against itself
    assert "Counters: identical in all common cases" in page
    counters = page.split('class="counters"')[1].split("</table>")[0]
    assert "<td>slub_stats.ALLOC_FASTPATH</td>" in counters
    assert counters.count("<th>") == 1 + sum(1 for c in doc.cases if c.counters)
    if HAVE_PLOT:
        assert tags.starts.get("svg", 0) == 1 and "plot-1-bulk" in tags.ids
    else:
        assert "No plots in this report" in page


def test_a_comparison_shows_a_slowdown_with_its_interval(tmp_path):
    import json

    data = json.loads(CI.read_text())
    for c in data["cases"]:
        for rep in c["runs"]:
            for r in rep:
                r["tsc_stop"] = r["tsc_start"] + round((r["tsc_stop"] - r["tsc_start"]) * 1.2)
    slow = write_json(tmp_path / "slow.json", data)
    files, _ = build_site([("slow", load_document(slow))], ("ci", load_document(CI)), plots=False)
    page = files["index.html"].decode()
    compared = page.split('class="compare"')[1].split("</table>")[0]
    assert compared.count('class="slower"') >= len(data["cases"]) - 2
    intervals = re.findall(r"([+-]\d+\.\d)% \.\. ([+-]\d+\.\d)%", compared)
    assert sum(float(lo) <= 20 <= float(hi) for lo, hi in intervals) >= len(intervals) - 2
    assert "REGRESSION" in page


def test_several_runs_of_one_config_get_their_history(tmp_path):
    docs = _series([100.0] * 6 + [110.0] * 6)
    paths = [str(write_json(tmp_path / f"r{i:02d}.json", d)) for i, d in enumerate(docs)]
    out = tmp_path / "site"
    p = invoke("report", *paths, "-o", str(out))
    assert p.returncode == 0, p.stderr
    _offline(out)
    page = (out / "index.html").read_text()
    tags = _parse(page)
    assert 'id="history"' in page
    history = page.split('class="history"')[1].split("</table>")[0]
    assert "run 7" in history and "slower" in history
    assert "REGRESSION: the latest level of 1 case(s) is slower" in page
    if HAVE_PLOT:
        plots = [i for i in tags.ids if i.startswith("history-")]
        assert len(plots) == 2  # one time series per case
        figure = page.split(f'id="{plots[0]}"')[1].split("</figure>")[0]
        assert "change point" in figure and "+10." in figure


def test_without_matplotlib_the_page_says_so_in_one_line():
    files, b = build_site([("ci", load_document(CI))], plots=False)
    page = files["index.html"].decode()
    assert "<svg" not in page and b.site_plots == 0
    assert page.count("No plots in this report: plotting needs matplotlib") == 1


# --------------------------------------------------------------------------------------
# The output directory


def _report(out: Path) -> tuple[int, str]:
    p = invoke("report", str(CI), "-o", str(out))
    return p.returncode, p.stderr


def test_an_earlier_report_is_replaced_and_an_empty_directory_used(tmp_path):
    out = tmp_path / "site"
    assert _report(out)[0] == 0
    (out / "stale.html").write_text("old")
    assert _report(out)[0] == 0
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()
    assert not [x for x in tmp_path.iterdir() if x.name != "site"]  # no temp dirs left
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _report(empty)[0] == 0 and (empty / "index.html").is_file()


@pytest.mark.parametrize("kind", ["file", "symlink", "other-files", "no-parent"])
def test_what_report_refuses_to_write(tmp_path, kind):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x")
    elif kind == "symlink":
        (tmp_path / "real").mkdir()
        out.symlink_to(tmp_path / "real")
    elif kind == "other-files":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    else:
        out = tmp_path / "missing" / "out"
    status, err = _report(out)
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "error:" in err
    if kind == "other-files":
        assert (out / "notes.txt").read_text() == "mine" and not (out / "index.html").exists()
    if kind == "symlink":
        assert not list((tmp_path / "real").iterdir())


def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": 2}')
    out = tmp_path / "site"
    for args in ([str(bad)], [str(tmp_path / "missing.json")], [str(CI), "--baseline", "nope"]):
        p = invoke("report", *args, "-o", str(out))
        assert p.returncode == 2, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert not out.exists()
