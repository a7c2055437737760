"""Options and conventions every command shares: --format, -q and -v also after the
command name, one-line notes on stderr. Exit statuses: skbbench.errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from skbbench.report.formats import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def _set_format(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(dict)
        ctx.find_root().ensure_object(dict)["format"] = value
    return value


def _set_verbosity(level: int) -> Callable[[click.Context, click.Parameter, bool], bool]:
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        if value:
            ctx.find_root().ensure_object(dict)["verbosity"] = level
        return value

    return callback


def shared_options(f: F) -> F:
    """``--format``, ``-q`` and ``-v`` after the command name too (they override the
    ones before it), so `skbbench bulk -q` works as `skbbench -q bulk` does."""
    decorators = [
        click.option(
            "--format",
            "fmt_override",
            type=click.Choice(FORMATS),
            default=None,
            expose_value=False,
            is_eager=True,
            callback=_set_format,
            help="Output format (same as `skbbench --format`, which it overrides).",
        ),
        click.option(
            "-q",
            "--quiet",
            "quiet_override",
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_set_verbosity(-1),
            help="No notes or progress on stderr (same as `skbbench -q`).",
        ),
        click.option(
            "-v",
            "--verbose",
            "verbose_override",
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_set_verbosity(1),
            help="More notes on stderr (same as `skbbench -v`).",
        ),
    ]
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


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


def _set_strict(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().ensure_object(dict)["strict"] = True
    return value


def strict_option(f: F) -> F:
    """``--strict``: exit 5 when the host was slow for the whole run (skbbench.reference)."""
    decorator = click.option(
        "--strict",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_strict,
        help="Exit with status 5 when the host was slower than the machine's reference for "
        "the whole run (every clock probe): results not representative (for CI).",
    )
    return decorator(f)


def strict(ctx: click.Context) -> bool:
    return bool((ctx.find_root().obj or {}).get("strict", False))
