"""The machine reference: the fastest clock probe seen, and runs held against it."""

from __future__ import annotations

import json

import pytest

from skbbench import reference
from skbbench.document import ClockProbe
from skbbench.errors import EXIT_NOT_REPRESENTATIVE
from skbbench.reference import SPELL, Reference, check_host, load_reference, update_reference
from tests.clirunner import invoke


def _probe(loop: float) -> ClockProbe:
    return ClockProbe(core_per_tsc=1.4, for_loop_cycles=loop)


def test_probes_against_the_reference():
    ref = Reference(0.70, 10)
    spell = check_host(ref, [_probe(0.72), _probe(1.20), _probe(0.71)])
    assert spell.slow == [1] and not spell.whole_run
    assert "slow spell" in (spell.warning() or "")
    whole = check_host(ref, [_probe(1.17), _probe(1.10)])
    assert whole.whole_run
    assert (whole.warning() or "").startswith("the host was 62% slower than its reference")
    quiet = check_host(ref, [_probe(0.70 * (1 + SPELL * 0.9))])
    assert quiet.slow == [] and quiet.warning() is None
    assert check_host(None, [_probe(5.0)]).warning() is None  # a machine's first run


def test_the_reference_keeps_the_fastest_probe_per_machine_and_boot(tmp_path, monkeypatch):
    monkeypatch.setattr(reference, "reference_path", lambda: tmp_path / "reference.json")
    assert load_reference() is None
    first = update_reference(None, [_probe(0.9), _probe(0.8)])
    assert first == Reference(0.8, 2) and load_reference() == first
    second = update_reference(first, [_probe(1.5), _probe(0.75)])
    assert second == Reference(0.75, 4) and load_reference() == second
    data = json.loads((tmp_path / "reference.json").read_text())
    data["boot_id"] = "another boot"
    (tmp_path / "reference.json").write_text(json.dumps(data))
    assert load_reference() is None


@pytest.mark.exclusive  # it times (the verdict depends on the probes, not the machine)
def test_strict_exits_5_when_the_host_was_slow_for_the_whole_run(tmp_path, monkeypatch):
    path = tmp_path / "reference.json"
    monkeypatch.setattr(reference, "reference_path", lambda: path)
    args = ["sample", "--tests", "for_loop", "--loops", "100000", "--repeat", "1"]
    assert invoke(*args).returncode == 0  # the first run records the reference
    data = json.loads(path.read_text())
    data["for_loop_cycles"] /= 10  # as if this machine once probed 10x faster
    path.write_text(json.dumps(data))
    p = invoke(*args)
    assert p.returncode == 0 and "results are not representative" in p.stderr
    p = invoke(*args, "--strict")
    assert p.returncode == EXIT_NOT_REPRESENTATIVE, p.stderr
    assert (
        p.stderr.strip().splitlines()[-1]
        == "skbbench: --strict: the host was slow for the whole run"
    )
