"""The report in a real browser: headless Chromium loads a generated site from the file
system, logs no console error, has every table and plot of the page in its DOM, and
takes a screenshot that is not blank. Skipped only where Chromium is not installed
(.ci/run installs Debian's `chromium`)."""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.clirunner import invoke

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "baselines" / "ci.json"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WINDOW = (1200, 2400)

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    pytest.mark.xdist_group("browser"),
]


def _chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={tmp / 'profile'}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    """Chromium's console messages that are errors (uncaught exceptions, console.error,
    resources that failed to load)."""
    lines = [line for line in stderr.splitlines() if "CONSOLE" in line]
    return [
        line
        for line in lines
        if ":ERROR:" in line or "Uncaught" in line or "Failed to load" in line or "rror" in line
    ]


# --------------------------------------------------------------------------------------
# PNG


def _unfilter(raw: bytes, width: int, height: int, bpp: int) -> list[bytes]:
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    pos = 0
    for _ in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1 : pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return rows


def png_colors(path: Path, max_rows: int = 400) -> tuple[int, float, tuple[int, int]]:
    """(distinct colors, share of pixels that are not white, (width, height)) of an 8-bit
    RGB or RGBA PNG, read with zlib (the first ``max_rows`` rows)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = depth = color = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
    assert depth == 8 and color in (2, 6), (depth, color)
    bpp = 3 if color == 2 else 4
    rows = min(height, max_rows)
    raw = zlib.decompressobj().decompress(idat, (width * bpp + 1) * rows)
    pixels: set[bytes] = set()
    other = 0
    for line in _unfilter(raw, width, rows, bpp):
        for x in range(0, len(line), bpp):
            px = line[x : x + 3]
            pixels.add(px)
            other += px != b"\xff\xff\xff"
    return len(pixels), other / (width * rows), (width, height)


# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A report of a history (ci.json and six resampled copies with a 10% step) compared
    with the CI baseline: every kind of table and plot the report has."""
    tmp = tmp_path_factory.mktemp("browser")
    data = json.loads(CI.read_text())
    rng = random.Random(5)
    paths = []
    for i in range(6):
        d = copy.deepcopy(data)
        d["created"] = f"2026-12-01T{10 + i:02d}:00:00+00:00"
        d["machine"]["git_commit"] = None
        factor = 1.10 if i >= 3 else 1.0
        for c in d["cases"]:
            for rep in c["runs"]:
                for r in rep:
                    cycles = (r["tsc_stop"] - r["tsc_start"]) * factor * (1 + rng.gauss(0, 0.003))
                    r["tsc_stop"] = r["tsc_start"] + round(cycles)
        path = tmp / f"run{i}.json"
        path.write_text(json.dumps(d))
        paths.append(str(path))
    out = tmp / "site"
    p = invoke("report", *paths, "--baseline", str(CI), "-o", str(out))
    assert p.returncode == 0, p.stderr
    return out


def test_the_console_check_sees_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); nosuch();</script>")
    p = _chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    assert len(console_errors(p.stderr)) >= 1, p.stderr[-2000:]


def test_the_report_renders_every_table_and_plot_without_console_errors(site, tmp_path):
    page = (site / "index.html").read_text()
    tables = page.count("<table")
    plots = re.findall(r'<figure class="plot" id="([^"]+)"', page)
    assert tables >= 10
    try:
        import matplotlib  # noqa: F401

        assert len(plots) >= 1
    except ImportError:
        assert plots == [] and "No plots in this report" in page
    p = _chromium("--dump-dom", (site / "index.html").as_uri(), tmp=tmp_path)
    assert p.returncode == 0, p.stderr[-2000:]
    assert console_errors(p.stderr) == [], console_errors(p.stderr)
    dom = p.stdout
    assert dom.count("<table") == tables
    assert dom.count("<svg") == page.count("<svg")
    for ident in plots:
        assert f'id="{ident}"' in dom, ident
    assert 'id="history"' in dom and 'class="compare"' in dom


def test_the_screenshot_is_not_blank(site, tmp_path):
    shot = tmp_path / "report.png"
    p = _chromium(f"--screenshot={shot}", (site / "index.html").as_uri(), tmp=tmp_path)
    assert p.returncode == 0 and shot.is_file(), p.stderr[-2000:]
    assert console_errors(p.stderr) == []
    colors, ink, size = png_colors(shot)
    assert size == WINDOW
    assert colors > 16, colors  # text, table shading, headings: not a blank page
    assert ink > 0.02, ink
