"""Exception types and the exit status the CLI gives each (one line, no traceback).

UsageError comes from input checks (options, configs, files); the model raises its own
types, ModelParameterError (a model was asked for something it cannot model) and
ModelError (a checked run found a violated invariant: double free, foreign pointer,
corrupt lists).
"""

from __future__ import annotations


class SkbbenchError(Exception):
    """Base of every error the CLI reports as one line."""

    exit_status = 2


class UsageError(SkbbenchError):
    """Bad input from the user: an option, a config key, a file. Exit status 2."""


class ModelParameterError(SkbbenchError, ValueError):
    """A model was given parameters it cannot model (e.g. an object larger than a slab)."""


class ModelError(SkbbenchError):
    """The model detected a violated invariant (double free, foreign pointer, ...).

    Its own exit status: the run was valid, the modelled allocator state was not."""

    exit_status = 3
