"""Resolve a raw configuration (CLI options or a YAML mapping) into a validated one.

Both ``skbbench <benchmark> --opt ...`` and ``skbbench run file.yaml`` come here, so a
value is checked the same way whichever form it came in. Errors are UsageErrors whose
message names the source (file or "command line"), the key path and the problem.
"""

from __future__ import annotations

from typing import Any

from skbbench import registry
from skbbench.errors import UsageError
from skbbench.spec import Benchmark, Option, resolve_callable


def _fail(source: str, key: str, problem: str) -> UsageError:
    return UsageError(f"{source}: {key}: {problem}")


def _scalar(opt: Option, value: Any, source: str, key: str) -> Any:
    kind = opt.kind.removesuffix("_list") if opt.kind.endswith("_list") else opt.kind
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            else:
                raise _fail(source, key, f"expected an integer, got {value!r}")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise _fail(source, key, f"expected a number, got {value!r}") from None
        value = float(value)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _fail(source, key, f"expected true or false, got {value!r}")
    elif kind in ("str", "choice"):
        if not isinstance(value, str):
            raise _fail(source, key, f"expected a string, got {value!r}")
        value = value.strip()
    if opt.choices is not None and value not in opt.choices:
        raise _fail(source, key, f"{value!r} is not one of {', '.join(opt.choices)}")
    if opt.min is not None and isinstance(value, (int, float)) and value < opt.min:
        raise _fail(source, key, f"{value} is below the minimum {opt.min:g}")
    if opt.max is not None and isinstance(value, (int, float)) and value > opt.max:
        raise _fail(source, key, f"{value} is above the maximum {opt.max:g}")
    return value


def coerce(opt: Option, value: Any, source: str, key: str | None = None) -> Any:
    """Check and convert one value for ``opt``; None means "use the default"."""
    key = key or opt.key
    if value is None:
        return None
    if opt.kind.endswith("_list"):
        if isinstance(value, str):
            items: list[Any] = [v for v in (p.strip() for p in value.split(",")) if v]
        elif isinstance(value, (list, tuple)):
            items = list(value)
        else:
            items = [value]
        if not items:
            raise _fail(source, key, "expected at least one value")
        if opt.length is not None:
            lo, hi = opt.length
            if not lo <= len(items) <= hi:
                raise _fail(source, key, f"expected {lo} to {hi} values, got {len(items)}")
        return [_scalar(opt, v, source, f"{key}[{i}]") for i, v in enumerate(items)]
    return _scalar(opt, value, source, key)


def resolve(bench: Benchmark, raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Validate ``raw`` (without the "benchmark" key) against ``bench``'s options and
    fill in defaults. Returns {"benchmark": name, **every option}."""
    known = {opt.key: opt for opt in bench.all_options()}
    for key in raw:
        if key not in known:
            names = ", ".join(sorted(known))
            raise _fail(source, str(key), f"unknown key for benchmark '{bench.name}' (known: {names})")
    cfg: dict[str, Any] = {"benchmark": bench.name}
    for key, opt in known.items():
        value = coerce(opt, raw.get(key), source)
        cfg[key] = opt.default if value is None else value
    if bench.check:
        try:
            resolve_callable(bench.check)(cfg)
        except UsageError as exc:
            raise UsageError(f"{source}: {exc}") from None
    return cfg


def resolve_mapping(data: Any, source: str) -> dict[str, Any]:
    """A config document: a mapping with "benchmark" plus that benchmark's keys."""
    if not isinstance(data, dict):
        raise UsageError(f"{source}: expected a mapping with a 'benchmark' key, got {type(data).__name__}")
    if "benchmark" not in data:
        raise UsageError(f"{source}: benchmark: missing (one of {', '.join(sorted(registry.BENCHMARKS))})")
    name = data["benchmark"]
    if not isinstance(name, str) or name not in registry.BENCHMARKS:
        raise UsageError(
            f"{source}: benchmark: unknown benchmark {name!r} (known: {', '.join(sorted(registry.BENCHMARKS))})"
        )
    rest = {k: v for k, v in data.items() if k != "benchmark"}
    return resolve(registry.BENCHMARKS[name], rest, source)
