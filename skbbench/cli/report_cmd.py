"""``skbbench report RESULTS... -o DIR``: the results (and their comparison with a
baseline, their history) as a static site (skbbench.report.site)."""

from __future__ import annotations

import click

from skbbench.cli.options import note, shared_options
from skbbench.report.plot import INSTALL_HINT


@click.command(
    "report",
    short_help="Write results, comparisons and history as a static HTML site.",
    help=f"""Write RESULTS (result files or stored baseline names) as a static site in DIR
    (index.html and its style sheet; nothing fetched from the network): an index of the
    runs (command, config, machine, warnings, disturbed processes), per run and family the
    kernel format, the tables, the plot as inline SVG and the counters; with --baseline the
    comparison of each run with it (verdict per case, effect with its 95% interval, counter
    differences); with several runs of one config their history (change points per case,
    a time-series plot each). DIR is written whole and renamed into place; an existing DIR
    must be empty or an earlier report.

    Plots need the optional `plot` extra ({INSTALL_HINT}); without it the page says so.""",
)
@click.argument("results", nargs=-1, required=True, metavar="RESULTS...")
@click.option(
    "--baseline",
    default=None,
    metavar="FILE|NAME",
    help="Compare every result with this result file or stored baseline.",
)
@click.option("-o", "--output", required=True, metavar="DIR", help="The site's directory.")
@shared_options
@click.pass_context
def report(ctx: click.Context, results: tuple[str, ...], baseline: str | None, output: str) -> None:
    from skbbench import baselines
    from skbbench.outdir import check_output_dir
    from skbbench.report.site import write_report

    check_output_dir(output)
    runs = [(r, baselines.load(r)) for r in results]
    base = baselines.load_side(baseline) if baseline else None
    site = write_report(runs, output, (base[1], base[0]) if base else None, note=note(ctx))
    click.echo(
        f"wrote {site.path}/index.html ({len(runs)} run(s), {site.tables} table(s), "
        f"{site.plots} plot(s))",
        err=True,
    )
