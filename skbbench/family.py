"""A benchmark family, declared once: its typed config (options, defaults, checks), the
benchmark modules a config runs (as module paths, imported only when it runs), its report
module (the tables of the posts), how it is plotted, and its help line.

Each family's spec module (``skbbench/specs/<name>.py``) ends with ``FAMILY =
Family(...)``; ``skbbench.registry`` finds every family from that alone (plus the
``skbbench.families`` entry points of other packages), and the CLI, ``run``, the session,
the reports and ``plot`` read nothing else. Pure data: importing a family imports no
numba.

A report module may define any of (skbbench.report.families calls them):

- ``kernel_lines(doc) -> list[str]``: lines printed after the Type lines (kernel format);
- ``tables(doc) -> list[Table]``: the same as tables (table, markdown formats);
- ``case_prefix(case, record) -> list[str]``: a module's line printed before a case's
  Type line;
- ``published(doc) -> dict[series, dict[x, cycles]]``: published values, drawn as markers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from skbbench.spec import RunConfig


@dataclass(frozen=True)
class PlotAxes:
    """How ``skbbench plot`` draws a family: y is cycles(tsc) (or ns) per ``unit``; one
    line per value of the case param ``series`` against the case param ``x`` (``step``:
    the case's step), or, for a ``categorical`` x (names such as workloads), grouped bars."""

    x: str
    xlabel: str
    title: str
    series: str = "variant"
    unit: str = "element"
    categorical: bool = False
    log_x: bool = True


@dataclass(frozen=True)
class Family:
    """One benchmark family (see the module docstring)."""

    config: type[RunConfig]
    help: str
    modules: Callable[[Any], Sequence[str]]  # config -> the bench modules it runs, in order
    report: str | None = None  # module path of its report (None: the Type lines only)
    plot: PlotAxes | None = None  # None: nothing to plot
    epilog: str = ""

    @property
    def name(self) -> str:
        return self.config.NAME

    @property
    def short_help(self) -> str:
        """The help line up to its first colon (the command list of ``--help``)."""
        return self.help.split(":")[0]

    def bench_modules(self, cfg: RunConfig) -> list[ModuleType]:
        """The benchmark modules ``cfg`` runs, imported (this imports numba)."""
        return [importlib.import_module(m) for m in self.modules(cfg)]

    def report_module(self) -> ModuleType | None:
        return importlib.import_module(self.report) if self.report else None
