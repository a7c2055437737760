"""Options and conventions every command shares: --format also after the command name,
-q/-v, one-line notes on stderr. Exit statuses: skbbench.errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from skbbench.report.formats import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def _set_format(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(dict)
        ctx.obj["format"] = value
    return value


def format_option(f: F) -> F:
    """``--format`` after the command name too (it overrides the one before it)."""
    decorator = click.option(
        "--format",
        "fmt_override",
        type=click.Choice(FORMATS),
        default=None,
        expose_value=False,
        is_eager=True,
        callback=_set_format,
        help="Output format (same as `skbbench --format`, which it overrides).",
    )
    return decorator(f)


def output_format(ctx: click.Context) -> str:
    return str((ctx.find_root().obj or {}).get("format", "kernel"))


def verbosity(ctx: click.Context) -> int:
    """-1 quiet, 0 normal, 1 verbose."""
    return int((ctx.find_root().obj or {}).get("verbosity", 0))


def note(ctx: click.Context) -> Callable[[str], None]:
    """A function printing one-line notes on stderr (``skbbench: ...``), silent with -q."""
    quiet = verbosity(ctx) < 0

    def say(line: str) -> None:
        if not quiet:
            click.echo(f"skbbench: {line}", err=True)

    return say
