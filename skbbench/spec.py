"""How a benchmark family declares its configuration: one frozen, typed dataclass.

Each option is a dataclass field made with :func:`option`, which carries the option's
kind, default, help, limits and choices. From that one declaration come the click options
of ``skbbench <family>``, the validation of YAML configs (``skbbench run``), the config
object the bench code, the report and compare read, and the ``config`` of a result
document (:meth:`RunConfig.to_dict`). Derived defaults and cross-key checks live in the
family's ``__post_init__``; per-option limits are checked once, by ``skbbench.config``.
Pure data: importing a spec imports no numba.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from skbbench.errors import UsageError

Kind = Literal["int", "float", "bool", "str", "choice", "int_list", "str_list"]
U32_MAX = 2**32 - 1


@dataclass(frozen=True)
class Option:
    """One option of a family: a key (``loops``), its CLI flag (``--loops``), its kind,
    default, help and limits."""

    key: str
    kind: Kind
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    flag: str | None = None  # CLI flag; default "--" + key with "_" -> "-"
    length: tuple[int, int] | None = None  # (min, max) items for list kinds
    metavar: str | None = None
    shown_default: str | None = None  # help text for a derived default ("all", "per test")

    def default_text(self) -> str | None:
        """The default as the help shows it, or None when there is nothing to show."""
        if self.shown_default is not None:
            return self.shown_default
        if self.default is None or self.default == ():
            return None
        if isinstance(self.default, tuple):
            return ",".join(map(str, self.default))
        return str(self.default)

    def cli_flag(self) -> str:
        return self.flag or "--" + self.key.replace("_", "-")


def option(
    kind: Kind,
    default: Any,
    help: str,
    *,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[str, ...] | None = None,
    flag: str | None = None,
    length: tuple[int, int] | None = None,
    metavar: str | None = None,
    shown_default: str | None = None,
) -> Any:
    """A dataclass field that is also an option (its key is the field name). A derived
    default (computed in the family's ``__post_init__``) is declared as ``()`` or ``0``
    with ``shown_default`` saying what it becomes."""
    opt = Option("", kind, default, help, min, max, choices, flag, length, metavar, shown_default)
    meta = {"option": opt}
    return field(default=default, metadata=meta)


def fail(key: str, problem: str) -> UsageError:
    """The one-line error of a cross-key check: ``key: problem``."""
    return UsageError(f"{key}: {problem}")


def set_field(obj: Any, name: str, value: Any) -> None:
    """Set a field of a frozen config in its ``__post_init__`` (derived defaults)."""
    object.__setattr__(obj, name, value)


C = TypeVar("C", bound="RunConfig")


@dataclass(frozen=True)
class RunConfig:
    """Options every benchmark family has; families subclass it with their own fields."""

    NAME: ClassVar[str] = ""  # the family's name: its command and `benchmark:` key
    # Options that no longer exist: key -> why. A config naming one is refused with that
    # message; a result document that has one still loads (the key is ignored).
    RETIRED: ClassVar[dict[str, str]] = {}

    repeat: int = option(
        "int",
        5,
        "Timed runs per case (after the warm-up runs); all are kept.",
        min=1,
        max=1000,
    )
    warmup: int = option("int", 1, "Untimed warm-up runs per case.", min=0, max=100)
    processes: int = option(
        "int",
        1,
        "Fresh worker processes that each run every case (own warm-up and repeats); "
        "compare tests on per-process values.",
        min=1,
        max=100,
    )
    cpu: int | None = option("int", None, "Pin to this CPU (default: the last allowed CPU).", min=0)
    interleave: bool = option(
        "bool",
        True,
        "Spread each case's repeats over the run (all cases' first repeats, then all "
        "second ones, in a shuffled order per round) so a slow spell of the host lands on "
        "one repeat of many cases, not on every repeat of a few; --no-interleave runs each "
        "case's repeats back to back. Cases whose runs share state always run back to back.",
    )

    @classmethod
    def options(cls) -> tuple[Option, ...]:
        """The family's own options first, then the common ones (CLI help order)."""
        common = {f.name for f in dataclasses.fields(RunConfig)}
        opts = [
            dataclasses.replace(f.metadata["option"], key=f.name)
            for f in dataclasses.fields(cls)
            if "option" in f.metadata
        ]
        return tuple(o for o in opts if o.key not in common) + tuple(
            o for o in opts if o.key in common
        )

    @classmethod
    def option(cls, key: str) -> Option:
        for opt in cls.options():
            if opt.key == key:
                return opt
        raise KeyError(key)

    @classmethod
    def create(cls: type[C], values: dict[str, Any]) -> C:
        """The config from checked option values (missing or None: the default)."""
        kinds = {o.key: o.kind for o in cls.options()}
        given = {
            k: tuple(v) if kinds.get(k, "").endswith("_list") and isinstance(v, list) else v
            for k, v in values.items()
            if v is not None
        }
        factory: Any = cls
        config: C = factory(**given)
        return config

    def to_dict(self) -> dict[str, Any]:
        """The document form: ``{"benchmark": NAME, <every option>: value}`` (lists for
        tuples)."""
        out: dict[str, Any] = {"benchmark": self.NAME}
        for opt in self.options():
            value = getattr(self, opt.key)
            out[opt.key] = list(value) if isinstance(value, tuple) else value
        return out
