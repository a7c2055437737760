"""Every benchmark family, by name: its config class (skbbench.specs). No numba here."""

from __future__ import annotations

import difflib

from skbbench.errors import UsageError
from skbbench.spec import RunConfig
from skbbench.specs.alfq import AlfqConfig
from skbbench.specs.bulk import BulkConfig
from skbbench.specs.napi import NapiConfig
from skbbench.specs.pagepool import PagepoolConfig
from skbbench.specs.pages import PagesConfig
from skbbench.specs.parallel import ParallelConfig
from skbbench.specs.qmempool import QmempoolConfig
from skbbench.specs.recycle import RecycleConfig
from skbbench.specs.sample import SampleConfig

FAMILIES: dict[str, type[RunConfig]] = {
    c.NAME: c
    for c in (
        SampleConfig,
        ParallelConfig,
        BulkConfig,
        QmempoolConfig,
        AlfqConfig,
        PagesConfig,
        PagepoolConfig,
        RecycleConfig,
        NapiConfig,
    )
}


def get(name: str) -> type[RunConfig]:
    """The family ``name``; an unknown name is a UsageError naming the known ones."""
    try:
        return FAMILIES[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(FAMILIES))
        close = difflib.get_close_matches(str(name), list(FAMILIES), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UsageError(f"unknown benchmark {name!r} ({hint}known: {known})") from None
