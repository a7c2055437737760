"""Every family's plot, read back from the saved SVG: its title, axis labels, a tick at
every measured x, the legend, and a band from per-process values."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest

from skbbench import registry
from tests.clirunner import invoke
from tests.resultdocs import case, document, write_json

pytest.importorskip("matplotlib")  # the plot extra: CI installs it

PLOTTED = {name: f for name, f in registry.families().items() if f.plot is not None}
XS = {True: ["drop", "forward", "remote"], False: [1, 2, 8, 16, 64, 250]}


def _doc(name: str) -> dict:
    axes = PLOTTED[name].plot
    assert axes is not None
    rng = random.Random(7)
    cases = []
    for series in ("a", "b"):
        for x in XS[axes.categorical]:
            values = [100 + rng.random() for _ in range(4)]
            params = {axes.series: series, axes.x: x}
            c = case(f"{name} {series}|{x}", values, params=params, name=f"{name} {series}")
            if axes.x == "step":  # the family plots the case's step (its batch size)
                c["step"] = x
            for i, repeat in enumerate(c["runs"]):  # two worker processes
                repeat[0]["process"] = i % 2
            cases.append(c)
    doc = document(cases, config={"benchmark": name})
    doc["command"] = name
    doc["processes"] = 2
    return doc


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [("".join(t.itertext())).strip() for t in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("name", sorted(PLOTTED))
def test_the_saved_svg_says_what_is_plotted(name, tmp_path):
    axes = PLOTTED[name].plot
    assert axes is not None
    src = write_json(tmp_path / f"{name}.json", _doc(name))
    out = tmp_path / f"{name}.svg"
    p = invoke("plot", str(src), "-o", str(out), "--no-published")
    assert p.returncode == 0, p.stderr
    texts = _texts(out.read_text())
    assert any(t.startswith(axes.title) and "band: per-process range" in t for t in texts), texts
    assert f"cycles(tsc) per {axes.unit}" in texts
    assert axes.xlabel in texts
    ticks = [str(x) if axes.categorical else f"{x:g}" for x in XS[axes.categorical]]
    assert all(t in texts for t in ticks), (ticks, texts)
    assert {"a", "b"} <= set(texts)  # the legend names both series


def test_close_ticks_keep_their_tick_but_not_an_overprinting_label():
    from skbbench.report.plot import tick_labels

    sizes = [1, 2, 3, 4, 8, 16, 30, 32, 34, 48, 64, 128, 158, 250]
    labels = tick_labels([float(x) for x in sizes], log=True)
    assert len(labels) == len(sizes)  # a tick at every measured size
    assert labels[sizes.index(32)] == "" and labels[sizes.index(30)] == "30"
    assert [lab for lab in labels if lab] == [
        "1",
        "2",
        "3",
        "4",
        "8",
        "16",
        "30",
        "34",
        "48",
        "64",
        "128",
        "158",
        "250",
    ]
