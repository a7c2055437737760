"""Errors the CLI turns into a one-line message and exit status 2 (no traceback)."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input from the user: an option, a config key, a file. Exit status 2."""


class ModelError(Exception):
    """The model detected a violated invariant (double free, foreign pointer, ...)."""
