"""Every benchmark family, by name: the ``FAMILY`` of each spec module listed in
``BUILTIN`` (adding a family is one line here), and those other packages declare as
``skbbench.families`` entry points (``name = "package.module:FAMILY"``). No numba here."""

from __future__ import annotations

import difflib
import importlib
import sys
from functools import lru_cache

from skbbench.errors import UsageError
from skbbench.family import Family

# The spec modules of the families that come with skbbench, in `--help` order.
BUILTIN = (
    "skbbench.specs.sample",
    "skbbench.specs.parallel",
    "skbbench.specs.bulk",
    "skbbench.specs.batch",
    "skbbench.specs.qmempool",
    "skbbench.specs.alfq",
    "skbbench.specs.pages",
    "skbbench.specs.pagepool",
    "skbbench.specs.recycle",
    "skbbench.specs.napi",
)
ENTRY_POINT_GROUP = "skbbench.families"


def _plugins() -> list[Family]:
    """Families of other packages (entry points); one that fails to load is named on
    stderr and left out, so it cannot take the other commands down with it."""
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            family = ep.load()
            if not isinstance(family, Family):
                raise TypeError(f"{ep.value} is a {type(family).__name__}, not a Family")
        except Exception as exc:  # a broken plugin must not break skbbench
            print(f"skbbench: WARNING: family {ep.name!r} left out: {exc}", file=sys.stderr)
            continue
        out.append(family)
    return out


@lru_cache(maxsize=1)
def families() -> dict[str, Family]:
    """Every family by name: the built-in ones, then the plugins'."""
    out: dict[str, Family] = {}
    for module in BUILTIN:
        family: Family = importlib.import_module(module).FAMILY
        out[family.name] = family
    for family in _plugins():
        if family.name in out:
            print(
                f"skbbench: WARNING: family {family.name!r} of {family.config.__module__} "
                "left out: the name is taken",
                file=sys.stderr,
            )
            continue
        out[family.name] = family
    return out


def get(name: str) -> Family:
    """The family ``name``; an unknown name is a UsageError naming the known ones."""
    known = families()
    try:
        return known[name]
    except (KeyError, TypeError):
        names = ", ".join(sorted(known))
        close = difflib.get_close_matches(str(name), list(known), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UsageError(f"unknown benchmark {name!r} ({hint}known: {names})") from None
