"""Result documents: round trip, validation messages, atomic writes under a real kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
import time

import pytest

from skbbench.errors import UsageError
from skbbench.results import (
    CaseResult,
    build_document,
    load_document,
    merge_documents,
    repeat_values,
    run_values,
    split_document,
    validate_document,
    write_atomic,
    write_document,
)
from skbbench.timebench import Record
from tests.resultdocs import case, document
from tests.slowwrite import PRELUDE, start_child


def _result(key: str, cycles: list[int], counters: dict | None = None) -> CaseResult:
    runs = [
        [
            Record(
                loops=1000,
                step=1,
                invoked=1000,
                tsc_start=10,
                tsc_stop=10 + c * 1000,
                wall_start=0,
                wall_stop=c * 400,
                cpu=1,
            )
        ]
        for c in cycles
    ]
    return CaseResult(
        key=key,
        name=key,
        kind="single",
        loops=1000,
        step=1,
        params={"size": 4, "variant": "bulk"},
        group="g",
        runs=runs,
        counters=counters or {"slowpath": 3, "nested": {"pages": 2}},
    )


def _doc() -> dict:
    return build_document(
        "sample",
        {"benchmark": "sample", "loops": 1000},
        [_result("a", [5, 7, 6]), _result("b", [9, 8, 10])],
        {"cpu_model": "X", "tsc_mhz": 2500.0},
        ["a warning"],
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
    assert back == json.loads(json.dumps(doc))
    assert back["cases"][0]["stats"]["cycles"]["median"] == 6.0
    assert repeat_values(back["cases"][1]) == [9.0, 8.0, 10.0]
    assert repeat_values(back["cases"][1], "ns") == [3.6, 3.2, 4.0]
    rec = Record.from_dict(back["cases"][0]["runs"][1][0])
    assert run_values([rec]) == (7.0, 2.8)


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
    full = json.dumps(_doc())
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
    doc = _doc()
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


def test_validate_accepts_synthetic_documents():
    doc = document([case("a", [1.0, 2.0])])
    assert validate_document(doc, "x") is doc


def test_merge_and_split_keep_keys_unique_and_stable():
    a, b = _doc(), _doc()
    merged = merge_documents([a, b], ["one", "two"])
    validate_document(merged)
    assert [c["key"] for c in merged["cases"]] == ["one:a", "one:b", "two:a", "two:b"]
    assert merged["config"]["runs"][1]["config"] == b["config"]
    parts = split_document(merged)
    assert [p["command"] for p in parts] == ["sample", "sample"]
    assert [c["key"] for c in parts[1]["cases"]] == ["a", "b"]
    assert merge_documents([a], ["one"]) is a
    with pytest.raises(UsageError, match="same file name stem"):
        merge_documents([a, b], ["x", "x"])


def test_write_document_errors(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        write_document(_doc(), tmp_path / "nodir" / "r.json")
    with pytest.raises(UsageError, match="unknown result format"):
        write_document(_doc(), tmp_path / "r.json", "xml")


# A child that writes a 4 MB document with skbbench.results.write_atomic through a file
# object that writes in slow chunks and says when it is half-way: the parent kills it
# there for real (SIGKILL) or interrupts it (SIGINT = Ctrl-C).
CHILD = PRELUDE + textwrap.dedent("""
    from skbbench import results
    os.fdopen = slow_fdopen
    doc = {"schema": 1, "cases": [], "padding": "x" * 4_000_000}
    results.write_atomic(sys.argv[1], results.dump_json(doc))
    print("DONE", flush=True)
""")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_atomic_write_survives_a_kill_mid_write(tmp_path, sig):
    target = tmp_path / "results.json"
    write_atomic(target, json.dumps(_doc()))
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
    assert load_document(target)["cases"][0]["key"] == "a"
    left = [p.name for p in tmp_path.iterdir() if p.name != "results.json"]
    if sig == signal.SIGINT:
        assert left == [], left  # Ctrl-C: the temporary is removed too
    assert "DONE" not in child.stdout.read()


def test_an_uninterrupted_write_replaces_the_file(tmp_path):
    target = tmp_path / "results.json"
    write_atomic(target, "old")
    t0 = time.monotonic()
    write_atomic(target, json.dumps(_doc()))
    assert time.monotonic() - t0 < 5
    assert load_document(target)["command"] == "sample"
