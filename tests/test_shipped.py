"""Configs shipped as package data: `skbbench run NAME` from anywhere, `run --list`, and
a one-line error listing the names for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from skbbench import config, shipped
from skbbench.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent


class Ran(Exception):
    pass


@pytest.fixture
def captured(monkeypatch, tmp_path):
    """Run the CLI in ``tmp_path`` (not a checkout) and capture the configs it would run."""
    import skbbench.session

    seen: list[dict] = []

    def execute(cfg, progress=None, notify=None, verbosity=0):
        seen.append(cfg)
        raise Ran

    monkeypatch.setattr(skbbench.session, "execute", execute)
    monkeypatch.chdir(tmp_path)
    return seen


def cli(*args):
    from skbbench.cli import cli as group

    return group.main(list(args), prog_name="skbbench", standalone_mode=False)


def test_the_package_ships_the_top_level_configs():
    names = sorted(p.stem for p in (ROOT / "configs").glob("*.yaml"))
    assert list(shipped.shipped_configs()) == names and "ci" in names
    # one source of truth: the package's configs are the checkout's, not a copy
    link = ROOT / "skbbench" / "configs"
    assert link.is_symlink() and link.resolve() == (ROOT / "configs").resolve()


@pytest.mark.parametrize("arg", ["ci", "ci.yaml"])
def test_run_a_shipped_config_by_name_outside_a_checkout(captured, arg):
    with pytest.raises(Ran):
        cli("run", arg)
    assert captured == [config.load_file(ROOT / "configs" / "ci.yaml")]


def test_a_file_beats_a_shipped_name(captured, tmp_path):
    (tmp_path / "ci").write_text("benchmark: sample\nloops: 20000\n")
    with pytest.raises(Ran):
        cli("run", "ci")
    assert captured[0].NAME == "sample"


@pytest.mark.parametrize("arg", ["nope", "configs/ci.yaml", "sub/ci"])
def test_neither_file_nor_shipped_name_is_one_line_listing_the_names(captured, arg):
    with pytest.raises(UsageError) as err:
        cli("run", arg)
    msg = str(err.value)
    assert msg.startswith(f"{arg}: no such config file, and not a shipped config (shipped: ")
    assert all(name in msg for name in shipped.shipped_configs()) and "\n" not in msg
    assert captured == []


def test_run_list_shows_every_shipped_config(captured, capsys):
    cli("run", "--list")
    out = capsys.readouterr().out
    for name, bench, _ in shipped.describe_configs():
        assert any(line.split()[:2] == [name, bench] for line in out.splitlines())
    with pytest.raises(UsageError, match="missing CONFIG"):
        cli("run")
    assert captured == []
