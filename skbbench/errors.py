"""Exception types and the exit statuses of the command line (the one place they are
defined).

UsageError comes from input checks (options, configs, files); the model raises its own
types, ModelParameterError (a model was asked for something it cannot model) and
ModelError (a checked run found a violated invariant: double free, foreign pointer,
corrupt lists). Each error is reported as one line, no traceback, with its exit status.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_REGRESSION = 1  # compare found a regression
EXIT_USAGE = 2  # bad input (one line, no traceback)
EXIT_MODEL = 3  # a model invariant violated (--check)
EXIT_CASE_FAILED = 4  # the run completed but a case aborted or failed its pin/overlap check
EXIT_NOT_REPRESENTATIVE = 5  # --strict: the host was slow for the whole run
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)

EXIT_STATUSES = (
    (EXIT_OK, "success"),
    (EXIT_REGRESSION, "regression found (compare)"),
    (EXIT_USAGE, "usage or input error"),
    (EXIT_MODEL, "a model invariant violated (--check)"),
    (EXIT_CASE_FAILED, "a case aborted or failed its pin/overlap check (results still printed)"),
    (EXIT_NOT_REPRESENTATIVE, "--strict: the host was slow for the whole run (results printed)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)


class SkbbenchError(Exception):
    """Base of every error the CLI reports as one line."""

    exit_status = EXIT_USAGE


class UsageError(SkbbenchError):
    """Bad input from the user: an option, a config key, a file. Exit status 2."""


class ModelParameterError(SkbbenchError, ValueError):
    """A model was given parameters it cannot model (e.g. an object larger than a slab)."""


class ModelError(SkbbenchError):
    """The model detected a violated invariant (double free, foreign pointer, ...).

    Its own exit status: the run was valid, the modelled allocator state was not."""

    exit_status = EXIT_MODEL


ERROR_TYPES: dict[str, type[SkbbenchError]] = {
    cls.__name__: cls for cls in (SkbbenchError, UsageError, ModelParameterError, ModelError)
}


def error_reply(exc: SkbbenchError) -> dict[str, object]:
    """An error as a worker process sends it back: its type, message and exit status."""
    return {"error": str(exc), "type": type(exc).__name__, "exit_status": exc.exit_status}


def error_from_reply(reply: dict[str, object]) -> SkbbenchError:
    """The error a worker process replied with, as the same type (SkbbenchError for a type
    this process does not know)."""
    cls = ERROR_TYPES.get(str(reply.get("type")), SkbbenchError)
    return cls(str(reply.get("error", "worker process failed")))
