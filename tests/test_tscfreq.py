"""TSC frequency: kernel value when reliable, else a cached busy-wait calibration."""

import json

import pytest

from skbbench import sysinfo, tscfreq


@pytest.mark.exclusive  # measures time
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


def test_the_cache_is_written_atomically(tmp_path, monkeypatch):
    """Writers racing (threads, as two processes would) never expose a torn cache, and a
    write that fails leaves the previous cache and no temporary file."""
    import os
    import threading

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tscfreq._write_cache(1000.0)
    path = tscfreq.cache_path()
    torn: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            text = path.read_text()
            try:
                assert json.loads(text)["mhz"] >= 1000.0
            except (ValueError, KeyError, AssertionError):
                torn.append(text)

    def writer(base: float) -> None:
        for i in range(100):
            tscfreq._write_cache(base + i)

    threads = [threading.Thread(target=writer, args=(1000.0 + 1000 * k,)) for k in range(4)]
    watch = threading.Thread(target=reader)
    watch.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watch.join()
    assert torn == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["tsc.json"]

    before = path.read_text()

    def fsync(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    tscfreq._write_cache(9999.0)
    monkeypatch.undo()
    assert path.read_text() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["tsc.json"]
