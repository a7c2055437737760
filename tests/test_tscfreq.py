"""TSC frequency: kernel value when reliable, else a cached busy-wait calibration."""

import json

import pytest

from skbbench import sysinfo, tscfreq


def test_calibration_agrees_with_the_kernel_rate():
    kernel = tscfreq._kernel_mhz()
    if kernel is None:
        pytest.skip("the kernel does not give a reliable TSC rate here")
    measured = tscfreq.calibrate(seconds=0.3)
    assert measured == pytest.approx(kernel, rel=0.01)


def test_without_a_kernel_rate_it_calibrates_once_then_uses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(tscfreq, "_kernel_mhz", lambda: None)
    calls = []
    monkeypatch.setattr(tscfreq, "calibrate", lambda: calls.append(1) or 2345.5)
    first = tscfreq.tsc_frequency()
    second = tscfreq.tsc_frequency()
    assert (first.source, first.mhz) == ("calibrated", 2345.5)
    assert (second.source, second.mhz) == ("cached-calibration", 2345.5)
    assert calls == [1]
    cached = json.loads(tscfreq.cache_path().read_text())
    assert cached["boot_id"] == sysinfo.boot_id()


def test_a_cache_from_another_boot_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(tscfreq, "_kernel_mhz", lambda: None)
    path = tscfreq.cache_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"boot_id": "other", "cpu_model": sysinfo.cpu_model(), "mhz": 1.0}))
    assert tscfreq.tsc_frequency(allow_calibration=False).source == "unknown"
