"""``skbbench baseline save|update|list``: stored baselines (skbbench.baselines)."""

from __future__ import annotations

import click

from skbbench.cli.options import output_format, shared_options


@click.group("baseline", short_help="Stored baselines: save, update, list.")
def baseline() -> None:
    """Stored baselines (baselines/NAME.json): save, update, list.

    `save` refuses to replace a baseline and `update` refuses to create one, so a
    baseline moves only on purpose. CI compares against baselines/ci.json.
    """


_dir_option = click.option(
    "--dir",
    "directory",
    metavar="DIR",
    default=None,
    help="Baselines directory (default: $SKBBENCH_BASELINES or ./baselines).",
)


@baseline.command("save", short_help="Store a result file as a new baseline.")
@click.argument("name")
@click.argument("results", metavar="RESULTS")
@_dir_option
def baseline_save(name: str, results: str, directory: str | None) -> None:
    """Store result file RESULTS as the new baseline NAME."""
    from skbbench import baselines
    from skbbench.document import load_document

    path = baselines.save(name, load_document(results), directory)
    click.echo(f"saved baseline '{name}' ({path})")


@baseline.command("update", short_help="Replace an existing baseline.")
@click.argument("name")
@click.argument("results", metavar="RESULTS")
@_dir_option
def baseline_update(name: str, results: str, directory: str | None) -> None:
    """Replace the existing baseline NAME with result file RESULTS."""
    from skbbench import baselines
    from skbbench.document import load_document

    doc = load_document(results)
    path, old = baselines.update(name, doc, directory)
    was = f"; was {len(old.cases)} cases from {old.created}" if old else ""
    click.echo(f"updated baseline '{name}' ({path}, {len(doc.cases)} cases{was})")


@baseline.command("list", short_help="List the stored baselines.")
@_dir_option
@shared_options
@click.pass_context
def baseline_list(ctx: click.Context, directory: str | None) -> None:
    """List the stored baselines."""
    from skbbench import baselines
    from skbbench.report.baselines import render_baselines

    rows = baselines.list_baselines(directory)
    where = str(baselines.baselines_dir(directory))
    click.echo(render_baselines(rows, output_format(ctx), where), nl=False)
