"""skbbench command line. Thin: parse, resolve a config, call the library, render.

Importing this module imports no numba: benchmark kernels are imported only when a
benchmark command runs.
"""

from __future__ import annotations

import sys

import click

from skbbench import __version__, registry
from skbbench.errors import EXIT_INTERRUPTED, EXIT_STATUSES, EXIT_USAGE, SkbbenchError
from skbbench.report.formats import FORMATS


def _help() -> str:
    families = ", ".join(registry.families())
    statuses = ", ".join(f"{code} {text}" for code, text in EXIT_STATUSES)
    return (
        "Linux slab/skb bulking micro-benchmarks (time_bench, slab_bulk_test, qmempool, "
        "alf_queue, page_bench, page_pool, skb_array, the NAPI recycle loops) replicated "
        f"in userspace with Numba-jitted models.\n\nBenchmark families: {families}.\n\n"
        f"Exit status: {statuses}."
    )


@click.group(
    help=_help(),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="skbbench")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="kernel",
    show_default=True,
    help="Output format: kernel prints the time_bench lines; table/markdown/csv a "
    "summary per case; json/yaml the whole result document.",
)
@click.option("-q", "--quiet", is_flag=True, help="No notes or progress on stderr (errors only).")
@click.option(
    "-v", "--verbose", is_flag=True, help="More notes on stderr (per-process clock probes)."
)
@click.pass_context
def cli(ctx: click.Context, fmt: str, quiet: bool, verbose: bool) -> None:
    ctx.ensure_object(dict)
    ctx.obj["format"] = fmt
    ctx.obj["verbosity"] = -1 if quiet else (1 if verbose else 0)


def _register() -> None:
    from skbbench.cli import (
        baseline_cmd,
        bench,
        compare_cmd,
        history_cmd,
        info,
        plot_cmd,
        report_cmd,
        run_cmd,
    )

    cli.add_command(info.info)
    for command in bench.benchmark_commands():
        cli.add_command(command)
    for other in (
        run_cmd.run,
        compare_cmd.compare,
        baseline_cmd.baseline,
        plot_cmd.plot,
        report_cmd.report,
        history_cmd.history,
    ):
        cli.add_command(other)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: click in non-standalone mode so every error is one line, exit 2."""
    try:
        rv = cli.main(args=argv, prog_name="skbbench", standalone_mode=False)
    except click.exceptions.Abort:  # click's form of a KeyboardInterrupt (Ctrl-C)
        click.echo("skbbench: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(0)
    except click.ClickException as exc:
        click.echo(f"skbbench: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code if exc.exit_code != 1 else EXIT_USAGE)
    except SkbbenchError as exc:
        click.echo(f"skbbench: error: {exc}", err=True)
        sys.exit(exc.exit_status)
    except KeyboardInterrupt:
        click.echo("skbbench: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(rv if isinstance(rv, int) else 0)
