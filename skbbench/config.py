"""Resolve a raw configuration (CLI options or a YAML mapping) into a validated one.

Both ``skbbench <benchmark> --opt ...`` and ``skbbench run file.yaml`` come here, so a
value is checked the same way whichever form it came in. Errors are UsageErrors whose
message names the source (file or "command line"), the key path and the problem::

    configs/x.yaml: sizes[2]: expected an integer, got 'x'
    configs/x.yaml: lops: unknown key for benchmark 'sample' (did you mean 'loops'? ...)
    configs/x.yaml: invalid YAML at line 3 column 7: mapping values are not allowed here

A config file is one YAML mapping: ``benchmark: <name>`` plus that benchmark's option
keys (the CLI flags with ``_`` for ``-``); a key given twice is an error.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from skbbench import registry
from skbbench.errors import UsageError
from skbbench.spec import Option, RunConfig


def _fail(source: str, key: str, problem: str) -> UsageError:
    return UsageError(f"{source}: {key}: {problem}")


def _show(value: Any) -> str:
    kind = {bool: "boolean", list: "list", dict: "mapping", type(None): "null"}.get(type(value))
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} (a {kind})" if kind and kind != "null" else text


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _scalar(opt: Option, value: Any, source: str, key: str) -> Any:
    kind = opt.kind.removesuffix("_list") if opt.kind.endswith("_list") else opt.kind
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            elif isinstance(value, float) and value.is_integer():
                raise _fail(
                    source, key, f"expected an integer, got {value!r} (write it as {int(value)})"
                )
            else:
                raise _fail(source, key, f"expected an integer, got {_show(value)}")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise _fail(source, key, f"expected a number, got {_show(value)}") from None
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise _fail(source, key, f"expected a finite number, got {value}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _fail(source, key, f"expected true or false, got {_show(value)}")
    elif kind in ("str", "choice"):
        if not isinstance(value, str):
            raise _fail(source, key, f"expected a string, got {_show(value)}")
        value = value.strip()
    if opt.choices is not None and value not in opt.choices:
        raise _fail(source, key, f"{value!r} is not one of {', '.join(opt.choices)}")
    if opt.min is not None and isinstance(value, (int, float)) and value < opt.min:
        raise _fail(source, key, f"{value} is below the minimum {_num(opt.min)}")
    if opt.max is not None and isinstance(value, (int, float)) and value > opt.max:
        raise _fail(source, key, f"{value} is above the maximum {_num(opt.max)}")
    return value


def coerce(opt: Option, value: Any, source: str, key: str | None = None) -> Any:
    """Check and convert one value for ``opt``; None means "use the default"."""
    key = key or opt.key
    if value is None:
        return None
    if opt.kind.endswith("_list"):
        if isinstance(value, dict):
            raise _fail(source, key, "expected a list (or comma-separated values), got a mapping")
        if isinstance(value, str):
            items: list[Any] = [p.strip() for p in value.split(",")]
            if len(items) > 1 and "" in items:
                where = f"{key}[{items.index('')}]"
                raise _fail(source, where, f"empty value in {value!r} (a stray comma?)")
            items = [v for v in items if v]
        elif isinstance(value, (list, tuple)):
            items = list(value)
        else:
            items = [value]
        if not items:
            if opt.length is not None and opt.length[0] == 0:
                return []  # a list option that may be empty (e.g. no --kconfig)
            raise _fail(source, key, "expected at least one value")
        if opt.length is not None:
            lo, hi = opt.length
            if not lo <= len(items) <= hi:
                raise _fail(source, key, f"expected {lo} to {hi} values, got {len(items)}")
        return [_scalar(opt, v, source, f"{key}[{i}]") for i, v in enumerate(items)]
    return _scalar(opt, value, source, key)


def resolve(
    family: type[RunConfig], raw: dict[str, Any], source: str, document: bool = False
) -> RunConfig:
    """Check ``raw`` (option key -> value, without "benchmark") against ``family``'s
    options and build its typed config (defaults filled, cross-key checks run).
    ``document``: the config of a result document, where retired keys are ignored."""
    known = {opt.key: opt for opt in family.options()}
    for key in list(raw):
        if key in family.RETIRED:
            if document:
                raw = {k: v for k, v in raw.items() if k != key}
                continue
            raise _fail(source, str(key), f"retired option: {family.RETIRED[key]}")
        if key not in known:
            names = ", ".join(sorted(known))
            close = difflib.get_close_matches(str(key), list(known), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise _fail(
                source,
                str(key),
                f"unknown key for benchmark '{family.NAME}' ({hint}known: {names})",
            )
    values = {key: coerce(known[key], value, source) for key, value in raw.items()}
    try:
        return family.create(values)
    except UsageError as exc:
        raise UsageError(f"{source}: {exc}") from None


def resolve_mapping(data: Any, source: str) -> RunConfig:
    """A config document: a mapping with "benchmark" plus that benchmark's keys."""
    if not isinstance(data, dict):
        got = "an empty document" if data is None else f"a {type(data).__name__}"
        raise UsageError(f"{source}: expected a mapping with a 'benchmark' key, got {got}")
    known = ", ".join(sorted(registry.families()))
    if "benchmark" not in data:
        raise UsageError(f"{source}: benchmark: missing (one of {known})")
    try:
        family = registry.get(data["benchmark"])
    except UsageError as exc:
        raise UsageError(f"{source}: benchmark: {exc}") from None
    rest = {k: v for k, v in data.items() if k != "benchmark"}
    return resolve(family.config, rest, source)


def _yaml_loader() -> Any:
    """A safe YAML loader that rejects a key given twice in one mapping."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc,valid-type]
        pass

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} given twice (line {seen[key] + 1} and line {mark.line + 1})",
                    mark,
                )
            seen[key] = key_node.start_mark.line
        mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
        return mapping

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return Loader


def parse_yaml(text: str, source: str) -> Any:
    """Parse one YAML document; syntax errors name the line and column."""
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"{source}: invalid YAML{where}: {problem}") from None


def load_file(path: str | Path) -> RunConfig:
    """Read, parse and resolve one YAML config file."""
    from skbbench.document.io import read_text

    text = read_text(path, "config file")
    if not text.strip():
        raise UsageError(f"{path}: config file is empty (expected 'benchmark: NAME' and options)")
    return resolve_mapping(parse_yaml(text, str(path)), str(path))


def resolve_document_config(command: str, config: dict[str, Any]) -> RunConfig:
    """The typed config of a result document (its ``command`` and ``config``), read with
    the same checks as a config file; options it lacks take today's defaults, retired
    ones are ignored."""
    family = registry.get(command)
    raw = {k: v for k, v in config.items() if k != "benchmark"}
    return resolve(family.config, raw, "result document: config", document=True)
