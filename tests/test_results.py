"""Result documents: typed round trip, validation messages, merging, atomic writes under a
real kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
import time

import pytest

from skbbench.document import (
    Case,
    Document,
    Machine,
    Metric,
    Repeat,
    dump_json,
    load_document,
    validate_document,
    write_document,
)
from skbbench.document.merge import merge_documents, split_document
from skbbench.document.stats import run_values
from skbbench.errors import UsageError
from skbbench.outfile import write_atomic
from skbbench.timebench import Record
from tests.resultdocs import case, document
from tests.slowwrite import PRELUDE, start_child


def _result(key: str, cycles: list[int], counters: dict | None = None) -> Case:
    repeats = [
        Repeat(
            (
                Record(
                    loops=1000,
                    step=1,
                    invoked=1000,
                    tsc_start=10,
                    tsc_stop=10 + c * 1000,
                    wall_start=0,
                    wall_stop=c * 400,
                    cpu=1,
                ),
            )
        )
        for c in cycles
    ]
    return Case(
        key=key,
        name=key,
        kind="single",
        loops=1000,
        step=1,
        params={"size": 4, "variant": "bulk"},
        group="g",
        repeats=repeats,
        counters=counters or {"slowpath": 3, "nested": {"pages": 2}},
    )


def _doc() -> Document:
    return Document(
        command="sample",
        config={"benchmark": "sample", "loops": 1000},
        cases=[_result("a", [5, 7, 6]), _result("b", [9, 8, 10])],
        machine=Machine(cpu_model="X", tsc_mhz=2500.0),
        warnings=["a warning"],
        created="2026-01-01T00:00:00+00:00",
    )


@pytest.mark.parametrize("name", ["r.json", "r.yaml", "r.yml"])
def test_round_trip_keeps_every_value(tmp_path, name):
    doc = _doc()
    path = tmp_path / name
    kind = write_document(doc, path)
    assert kind == ("json" if name.endswith("json") else "yaml")
    text = path.read_text()
    assert text.lstrip().startswith("{") == (kind == "json")
    back = load_document(path)
    assert back.to_dict() == json.loads(dump_json(doc))
    assert back.cases[0].stats.cycles and back.cases[0].stats.cycles.median == 6.0
    assert back.cases[1].values() == [9.0, 8.0, 10.0]
    assert back.cases[1].values(Metric.NS) == [3.6, 3.2, 4.0]
    assert run_values(back.cases[0].repeats[1].records) == (7.0, 2.8)
    assert back.cases[0].median_repeat() is back.cases[0].repeats[2]


def test_written_file_is_readable_by_others(tmp_path):
    path = tmp_path / "r.json"
    write_document(_doc(), path)
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary left


def _write(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text)
    return p


def _error(path) -> str:
    with pytest.raises(UsageError) as info:
        load_document(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(path))
    return msg


def test_bad_files_give_one_line_errors_naming_the_file(tmp_path):
    full = json.dumps(_doc().to_dict())
    assert "no such result file" in _error(tmp_path / "missing.json")
    assert "is a directory" in _error(tmp_path)
    assert "empty" in _error(_write(tmp_path, "empty.json", ""))
    assert "empty" in _error(_write(tmp_path, "blank.json", "  \n"))
    msg = _error(_write(tmp_path, "trunc.json", full[: len(full) // 2]))
    assert "not valid JSON (file truncated?)" in msg and "line 1 column" in msg
    assert "not valid JSON" in _error(_write(tmp_path, "text.json", "hello world"))
    bin_path = tmp_path / "bin.json"
    bin_path.write_bytes(b"\xff\xfe\x00garbage")
    assert "not a text file" in _error(bin_path)
    assert "invalid YAML at line 2" in _error(_write(tmp_path, "bad.yaml", "a: [1,\nb: : c\n"))
    assert "top level is a list" in _error(_write(tmp_path, "list.json", "[1, 2]"))
    assert "no 'schema' key" in _error(_write(tmp_path, "other.json", '{"cases": []}'))


def _mutated(tmp_path, mutate) -> str:
    doc = _doc().to_dict()
    mutate(doc)
    return _error(_write(tmp_path, "m.json", json.dumps(doc)))


@pytest.mark.parametrize(
    "mutate, needle",
    [
        (lambda d: d.update(schema=3), "schema: result schema version 3 is not supported"),
        (lambda d: d.update(schema="1"), "schema: result schema version '1'"),
        (lambda d: d.pop("cases"), "cases: missing"),
        (lambda d: d.update(cases={}), "cases: expected a list, got a mapping"),
        (lambda d: d["cases"][1].pop("key"), "cases[1].key: missing"),
        (lambda d: d["cases"][1].update(key="a"), "cases[1].key: duplicate case key 'a'"),
        (lambda d: d["cases"][0].update(counters=[1]), "cases[0].counters: expected a mapping"),
        (
            lambda d: d["cases"][0]["runs"][2][0].update(tsc_stop="x"),
            "cases[0].runs[2][0].tsc_stop: expected an integer, got 'x'",
        ),
        (
            lambda d: d["cases"][0]["runs"][0][0].pop("invoked"),
            "cases[0].runs[0][0].invoked: missing",
        ),
        (
            lambda d: d["cases"][0]["runs"][0][0].update(invoked=-1),
            "cases[0].runs[0][0].invoked: must be >= 0",
        ),
        (lambda d: d["cases"][0]["runs"].append(5), "cases[0].runs[3]: expected a list"),
        (lambda d: d.update(machine="x"), "machine: expected a mapping"),
    ],
)
def test_schema_problems_name_the_key_path(tmp_path, mutate, needle):
    assert needle in _mutated(tmp_path, mutate)


def test_validate_accepts_synthetic_documents_and_keeps_unknown_keys():
    doc = document([case("a", [1.0, 2.0])])
    doc["note"] = {"by": "a test"}
    doc["cases"][0]["origin"] = "synthetic"
    doc["machine"]["rack"] = 7
    back = validate_document(doc, "x").to_dict()
    assert back["note"] == {"by": "a test"} and back["machine"]["rack"] == 7
    assert back["cases"][0]["origin"] == "synthetic"
    assert back["cases"][0]["stats"] == doc["cases"][0]["stats"]


def test_merge_and_split_keep_keys_unique_and_stable():
    a, b = _doc(), _doc()
    merged = merge_documents([a, b], ["one", "two"])
    validate_document(merged.to_dict())
    assert [c.key for c in merged.cases] == ["one:a", "one:b", "two:a", "two:b"]
    assert merged.config["runs"][1]["config"] == b.config
    parts = split_document(merged)
    assert [p.command for p in parts] == ["sample", "sample"]
    assert [c.key for c in parts[1].cases] == ["a", "b"]
    assert merge_documents([a], ["one"]) is a
    with pytest.raises(UsageError, match="same file name stem"):
        merge_documents([a, b], ["x", "x"])


def test_write_document_errors(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        write_document(_doc(), tmp_path / "nodir" / "r.json")
    with pytest.raises(UsageError, match="unknown result format"):
        write_document(_doc(), tmp_path / "r.json", "xml")


# A child that writes a 4 MB document with skbbench.outfile.write_atomic through a file
# object that writes in slow chunks and says when it is half-way: the parent kills it
# there for real (SIGKILL) or interrupts it (SIGINT = Ctrl-C).
CHILD = PRELUDE + textwrap.dedent("""
    from skbbench import outfile
    from skbbench.document import dump_json
    os.fdopen = slow_fdopen
    doc = {"schema": 1, "cases": [], "padding": "x" * 4_000_000}
    outfile.write_atomic(sys.argv[1], dump_json(doc))
    print("DONE", flush=True)
""")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_atomic_write_survives_a_kill_mid_write(tmp_path, sig):
    target = tmp_path / "results.json"
    write_atomic(target, dump_json(_doc()))
    before = target.read_bytes()
    child = start_child(CHILD, str(target), stderr=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == "HALF"
        temps = [p for p in tmp_path.iterdir() if p.name != "results.json"]
        assert len(temps) == 1 and 0 < temps[0].stat().st_size < 4_000_000  # really mid-write
        os.kill(child.pid, sig)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode != 0
    assert target.read_bytes() == before
    assert load_document(target).cases[0].key == "a"
    left = [p.name for p in tmp_path.iterdir() if p.name != "results.json"]
    if sig == signal.SIGINT:
        assert left == [], left  # Ctrl-C: the temporary is removed too
    assert "DONE" not in child.stdout.read()


def test_an_uninterrupted_write_replaces_the_file(tmp_path):
    target = tmp_path / "results.json"
    write_atomic(target, "old")
    t0 = time.monotonic()
    write_atomic(target, dump_json(_doc()))
    assert time.monotonic() - t0 < 5
    assert load_document(target).command == "sample"
