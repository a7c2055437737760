"""Counters are compared exactly: the models are deterministic, so a counter that differs
between two runs of one config is a change of the model, not noise."""

from __future__ import annotations

from typing import Any

from skbbench.compare.result import CounterDiff


def _flatten(counters: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in counters.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flatten(v, path))
        else:
            out[path] = v
    return out


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


_MISSING = _Missing()


def _both_numbers(a: Any, b: Any) -> bool:
    return isinstance(a, (int, float)) and isinstance(b, (int, float))


def _show(v: Any) -> Any:
    return "(absent)" if v is _MISSING else v


def counter_diffs(key: str, base: dict[str, Any], cur: dict[str, Any]) -> list[CounterDiff]:
    """Every counter whose value differs, or that exists on one side only."""
    fb, fc = _flatten(base), _flatten(cur)
    out = []
    for name in list(fb) + [k for k in fc if k not in fb]:
        b, c = fb.get(name, _MISSING), fc.get(name, _MISSING)
        if b != c or type(b) is not type(c) and not _both_numbers(b, c):
            out.append(CounterDiff(key, name, _show(b), _show(c)))
    return out
