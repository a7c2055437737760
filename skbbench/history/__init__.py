"""Histories of runs: per case the series of its values over runs of one config, ordered
by git commit or creation time (``order``), its change points by E-divisive means with a
permutation test (``edivisive``) and whether the latest level is a regression
(``series``). Reads documents only; no numba."""

from skbbench.history.edivisive import ChangePoint, change_points
from skbbench.history.series import (
    DEFAULT_MIN_EFFECT,
    CaseHistory,
    History,
    HistoryOptions,
    HistoryRun,
    Step,
    Trend,
    build_history,
)

__all__ = [
    "DEFAULT_MIN_EFFECT",
    "CaseHistory",
    "ChangePoint",
    "History",
    "HistoryOptions",
    "HistoryRun",
    "Step",
    "Trend",
    "build_history",
    "change_points",
]
