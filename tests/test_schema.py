"""The published JSON Schema of result documents (skbbench/data/result.schema.json) against
real documents and against skbbench.document.validate_document: same verdict on every
document, except the two things JSON Schema cannot say (unique case keys; an integral
float such as 1.0 is a JSON Schema integer but not a Python int)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbbench.document import SCHEMA_VERSION, load_document, validate_document
from skbbench.document.validate import READERS
from skbbench.errors import UsageError
from skbbench.shipped import data_file
from tests.resultdocs import case, document

jsonschema = pytest.importorskip("jsonschema")  # the test extra

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads(data_file("result.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def schema_ok(doc) -> bool:
    return VALIDATOR.is_valid(doc)


def skbbench_ok(doc) -> bool:
    try:
        validate_document(doc)
    except UsageError:
        return False
    return True


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema"]["const"] == SCHEMA_VERSION


@pytest.fixture(scope="module")
def real_docs(tmp_path_factory):
    """A fresh sample run, a merged two-config run, and the committed CI baseline."""
    tmp = tmp_path_factory.mktemp("docs")
    p = subprocess.run(
        [sys.executable, "-m", "skbbench", "--format", "json", "sample"]
        + ["--loops", "20000", "--repeat", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr
    docs = {"sample": json.loads(p.stdout)}
    for name in ("a", "b"):
        (tmp / f"{name}.yaml").write_text(
            "benchmark: sample\nloops: 20000\nrepeat: 1\ntests: [for_loop]\n"
        )
    out = tmp / "merged.yaml"
    p = subprocess.run(
        [sys.executable, "-m", "skbbench", "run", str(tmp / "a.yaml"), str(tmp / "b.yaml")]
        + ["-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr
    import yaml

    docs["merged"] = yaml.safe_load(out.read_text())
    docs["baseline"] = json.loads((ROOT / "baselines" / "ci.json").read_text())
    return docs


@pytest.mark.parametrize("name", ["sample", "merged", "baseline"])
def test_real_documents_conform(real_docs, name):
    doc = real_docs[name]
    errors = [e.message for e in VALIDATOR.iter_errors(doc)]
    assert errors == []
    assert skbbench_ok(doc)


BAD = [
    ("no schema", lambda d: d.pop("schema")),
    ("schema 1 claimed", lambda d: d.__setitem__("schema", 1)),
    ("schema true", lambda d: d.__setitem__("schema", True)),
    ("no cases", lambda d: d.pop("cases")),
    ("cases a mapping", lambda d: d.__setitem__("cases", {})),
    ("command a number", lambda d: d.__setitem__("command", 3)),
    ("config a list", lambda d: d.__setitem__("config", [])),
    ("warnings a string", lambda d: d.__setitem__("warnings", "hot")),
    ("case without key", lambda d: d["cases"][0].pop("key")),
    ("case name null", lambda d: d["cases"][0].__setitem__("name", None)),
    ("loops a string", lambda d: d["cases"][0].__setitem__("loops", "10")),
    ("error a number", lambda d: d["cases"][0].__setitem__("error", 1)),
    ("runs not nested", lambda d: d["cases"][0].__setitem__("runs", [{"loops": 1}])),
    ("record field missing", lambda d: d["cases"][0]["runs"][0][0].pop("tsc_stop")),
    ("record field a bool", lambda d: d["cases"][0]["runs"][0][0].__setitem__("step", True)),
    ("negative invoked", lambda d: d["cases"][0]["runs"][0][0].__setitem__("invoked", -1)),
    ("fractional tsc", lambda d: d["cases"][0]["runs"][1][0].__setitem__("tsc_start", 1.5)),
]


def _doc():
    return document([case("a", [1.0, 1.1, 1.2]), case("b", [2.0, 2.1])])


@pytest.mark.parametrize("what, mutate", BAD, ids=[b[0] for b in BAD])
def test_a_violating_document_is_rejected_by_both(what, mutate):
    doc = _doc()
    assert schema_ok(doc) and skbbench_ok(doc)
    mutate(doc)
    assert not schema_ok(doc), what
    assert not skbbench_ok(doc), what


# Random documents: a valid one, then random values put at random places (every place the
# format names, and some it does not); both validators must agree.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2**40),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()),
    st.text(max_size=3),
    st.just([]),
    st.just({}),
    st.just([[]]),
)
TOP = ["schema", "skbbench", "created", "command", "config", "machine", "warnings", "cases"]
CASE = ["key", "name", "kind", "loops", "step", "group", "params", "runs", "stats"]
CASE += ["counters", "messages", "error", "other"]
RECORD = ["loops", "step", "invoked", "tsc_start", "tsc_stop", "wall_start", "wall_stop", "cpu"]


@st.composite
def mutated(draw):
    doc = _doc()
    for _ in range(draw(st.integers(1, 3))):
        level = draw(st.sampled_from(["top", "case", "record"]))
        delete = draw(st.booleans())
        if level == "top":
            target, key = doc, draw(st.sampled_from(TOP))
        else:
            cases = doc.get("cases")
            if not isinstance(cases, list) or not cases or not isinstance(cases[0], dict):
                continue
            c = cases[draw(st.integers(0, len(cases) - 1))]
            if not isinstance(c, dict):
                continue
            if level == "case":
                target, key = c, draw(st.sampled_from(CASE))
            else:
                runs = c.get("runs")
                if not (isinstance(runs, list) and runs and isinstance(runs[0], list)):
                    continue
                run = runs[draw(st.integers(0, len(runs) - 1))]
                if not (isinstance(run, list) and run and isinstance(run[0], dict)):
                    continue
                target, key = run[0], draw(st.sampled_from(RECORD))
        if delete:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(draw(VALUES))
    return doc


def _keys_unique(doc) -> bool:
    cases = doc.get("cases")
    if not isinstance(cases, list):
        return True
    keys = [c.get("key") for c in cases if isinstance(c, dict) and isinstance(c.get("key"), str)]
    return len(keys) == len(set(keys))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_schema_and_validate_document_agree_on_random_documents(doc):
    if not _keys_unique(doc):
        assert not skbbench_ok(doc)
        return
    assert schema_ok(doc) == skbbench_ok(doc), list(VALIDATOR.iter_errors(doc))[:1]


def test_reading_is_one_function_per_schema_version(tmp_path):
    assert SCHEMA_VERSION in READERS
    assert all(isinstance(v, int) and callable(f) for v, f in READERS.items())
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_doc()))
    assert load_document(path).cases[0].key == "a"
    future = {**_doc(), "schema": 99}
    path.write_text(json.dumps(future))
    readable = ", ".join(map(str, sorted(READERS)))
    with pytest.raises(
        UsageError, match=rf"schema version 99 is not supported .*reads schema {readable}\)"
    ):
        load_document(path)
