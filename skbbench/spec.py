"""Declarations of benchmark commands: one `Benchmark` with typed `Option`s each.

The same declaration generates the click command (``skbbench <name> --opt``) and
validates YAML configs (``skbbench run config.yaml``), so both forms reach
``skbbench.session.execute`` with the same resolved configuration. Pure data: importing
this module (and the registry) imports no numba.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

# Option kinds: "int", "float", "bool", "str", "choice", "int_list", "str_list".
KINDS = ("int", "float", "bool", "str", "choice", "int_list", "str_list")


@dataclass(frozen=True)
class Option:
    key: str
    kind: str
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    flag: str | None = None  # CLI flag; default "--" + key with "_" -> "-"
    length: tuple[int, int] | None = None  # (min, max) items for list kinds

    def cli_flag(self) -> str:
        return self.flag or "--" + self.key.replace("_", "-")


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    options: tuple[Option, ...]
    build_cases: str  # "module:function" -> Callable[[dict], list[Case | ParallelCase]]
    render_kernel: str | None = None  # "module:function" -> Callable[[doc, case list], list[str]]
    render_tables: str | None = None  # "module:function" -> Callable[[doc], list[Table]]
    epilog: str = ""
    check: str | None = None  # "module:function" -> Callable[[cfg], None], cross-key checks
    extra: dict[str, Any] = field(default_factory=dict)

    def option(self, key: str) -> Option:
        for opt in self.all_options():
            if opt.key == key:
                return opt
        raise KeyError(key)

    def all_options(self) -> tuple[Option, ...]:
        return self.options + COMMON_OPTIONS


def resolve_callable(path: str) -> Callable[..., Any]:
    module, _, attr = path.partition(":")
    return getattr(import_module(module), attr)


# Options every benchmark command has.
COMMON_OPTIONS: tuple[Option, ...] = (
    Option(
        "repeat",
        "int",
        5,
        "Timed runs per case (after one warm-up run); all are kept.",
        min=1,
        max=1000,
    ),
    Option("warmup", "int", 1, "Untimed warm-up runs per case.", min=0, max=100),
    Option("cpu", "int", None, "Pin to this CPU (default: the last allowed CPU).", min=0),
)
