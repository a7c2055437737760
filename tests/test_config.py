"""Config validation: every bad config is one line naming file, key path and problem."""

from __future__ import annotations

import pytest

from skbbench import config, registry
from skbbench.errors import UsageError
from skbbench.spec import RunConfig
from tests.clirunner import invoke


def _load(tmp_path, text: str, name: str = "c.yaml") -> RunConfig:
    path = tmp_path / name
    path.write_text(text)
    return config.load_file(path)


def _message(tmp_path, text: str) -> str:
    with pytest.raises(UsageError) as info:
        _load(tmp_path, text)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(str(tmp_path / "c.yaml") + ": ")
    return msg.split(": ", 1)[1]


def test_a_valid_config_resolves_with_defaults(tmp_path):
    cfg = _load(tmp_path, "benchmark: sample\nloops: 5000\ntests: [for_loop, cmpxchg]\n")
    family = registry.get("sample").config
    assert isinstance(cfg, family)
    assert cfg.NAME == "sample" and cfg.loops == 5000
    assert cfg.tests == ("for_loop", "cmpxchg")
    assert cfg.repeat == family.option("repeat").default
    doc = cfg.to_dict()
    assert set(doc) == {"benchmark"} | {o.key for o in family.options()}
    assert doc["benchmark"] == "sample" and doc["tests"] == ["for_loop", "cmpxchg"]


def test_cli_form_and_config_form_resolve_identically(tmp_path):
    family = registry.get("sample").config
    raw = {
        "loops": config.coerce(family.option("loops"), "5000", "command line", "--loops"),
        "tests": config.coerce(family.option("tests"), "for_loop,cmpxchg", "command line"),
    }
    cli_cfg = config.resolve(family, raw, "command line")
    file_cfg = _load(tmp_path, "benchmark: sample\nloops: 5000\ntests: for_loop,cmpxchg\n")
    assert cli_cfg == file_cfg


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "benchmark: sample\nlops: 5\n",
            "lops: unknown key for benchmark 'sample' (did you mean 'loops'?",
        ),
        ("benchmark: sample\nloops: many\n", "loops: expected an integer, got 'many'"),
        ("benchmark: sample\nloops: 2.5\n", "loops: expected an integer, got 2.5"),
        (
            "benchmark: sample\nloops: 1000000.0\n",
            "loops: expected an integer, got 1000000.0 (write it as 1000000)",
        ),
        ("benchmark: sample\nloops: true\n", "loops: expected an integer, got True (a boolean)"),
        ("benchmark: sample\nloops: [1, 2]\n", "loops: expected an integer, got [1, 2] (a list)"),
        ("benchmark: sample\nloops: 0\n", "loops: 0 is below the minimum 1"),
        (
            "benchmark: sample\nloops: 5000000000\n",
            "loops: 5000000000 is above the maximum 4294967295",
        ),
        ("benchmark: sample\nrepeat: -3\n", "repeat: -3 is below the minimum 1"),
        ("benchmark: sample\ntests: [for_loop, nope]\n", "tests[1]: 'nope' is not one of for_loop"),
        (
            "benchmark: sample\ntests: {a: 1}\n",
            "tests: expected a list (or comma-separated values)",
        ),
        ("benchmark: sample\ntests: []\n", "tests: expected at least one value"),
        ("loops: 5\n", "benchmark: missing (one of"),
        ("benchmark: sampel\n", "benchmark: unknown benchmark 'sampel' (did you mean 'sample'?"),
        ("benchmark: [sample]\n", "benchmark: unknown benchmark ['sample']"),
        ("- benchmark: sample\n", "expected a mapping with a 'benchmark' key, got a list"),
        (
            "benchmark: sample\nloops: 5000\nloops: 6000\n",
            "key 'loops' given twice (line 2 and line 3)",
        ),
        ("benchmark: sample\nloops: [1,\n", "invalid YAML at line 3 column 1"),
        ("benchmark: sample\n  loops: 5\n", "invalid YAML at line 2 column 8"),
        ("\t\n", "config file is empty"),
    ],
)
def test_bad_configs_name_key_path_and_problem(tmp_path, text, expected):
    assert expected in _message(tmp_path, text)


def test_unreadable_config_files(tmp_path):
    with pytest.raises(UsageError, match="no such config file"):
        config.load_file(tmp_path / "nope.yaml")
    with pytest.raises(UsageError, match="is a directory"):
        config.load_file(tmp_path)


def _cli(*args, cwd=None):
    return invoke(*args, cwd=cwd)


def test_run_with_a_bad_config_is_one_line_exit_2_and_runs_nothing(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("benchmark: sample\nloops: 5000\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("benchmark: sample\nrepeat: 0\n")
    p = _cli("run", str(good), str(bad), "-o", str(tmp_path / "out.json"))
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip() == f"skbbench: error: {bad}: repeat: 0 is below the minimum 1"
    assert p.stdout == "" and not (tmp_path / "out.json").exists()


def test_run_checks_the_output_directory_before_running(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("benchmark: sample\nloops: 5000\n")
    p = _cli("run", str(good), "-o", str(tmp_path / "no" / "out.json"))
    assert p.returncode == 2 and "does not exist" in p.stderr and p.stdout == ""


def test_shipped_configs_are_valid():
    from pathlib import Path

    configs = sorted((Path(__file__).parent.parent / "configs").glob("*.yaml"))
    assert configs, "configs/ has no YAML config"
    for path in configs:
        cfg = config.load_file(path)
        assert cfg.NAME in registry.families()
