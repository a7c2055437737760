"""``skbbench history RESULTS...``: per case the series over runs of one config and its
change points (skbbench.history); exit 1 when a case's latest level is a regression."""

from __future__ import annotations

import click

from skbbench.cli.options import output_format, shared_options
from skbbench.compare.options import Metric, Stat, choices
from skbbench.errors import EXIT_REGRESSION, EXIT_USAGE

EXIT_HELP = f"""\b
Exit status:
  0  no case's latest level is a regression
  {EXIT_REGRESSION}  a case's latest level is slower than the one before by more than --min-effect
  {EXIT_USAGE}  usage or input error (bad option, missing/invalid result file, other configs)"""


@click.command(
    "history",
    epilog=EXIT_HELP,
    short_help="Change points over a series of runs; exit 1 on a regression.",
)
@click.argument("results", nargs=-1, required=True, metavar="RESULTS...")
@click.option(
    "--min-effect",
    default="5",
    show_default=True,
    metavar="PCT",
    help="A change point must move the level by at least this many percent.",
)
@click.option(
    "--alpha",
    default="0.05",
    show_default=True,
    metavar="P",
    help="Significance level of the permutation test of each change point.",
)
@click.option(
    "--permutations", default=199, show_default=True, type=int, help="Permutations per test."
)
@click.option(
    "--metric",
    type=click.Choice(choices(Metric)),
    default=Metric.CYCLES.value,
    show_default=True,
    help="Per-element value: TSC cycles (estimated core cycles when probed) or wall ns.",
)
@click.option(
    "--stat",
    type=click.Choice(choices(Stat)),
    default=Stat.MIN.value,
    show_default=True,
    help="The value of a worker process: this statistic of its repeats.",
)
@shared_options
@click.pass_context
def history(
    ctx: click.Context,
    results: tuple[str, ...],
    min_effect: str,
    alpha: str,
    permutations: int,
    metric: str,
    stat: str,
) -> int:
    """The history of RESULTS (result files or stored baseline names of one config),
    ordered by git commit when every file carries one that this checkout knows, else by
    creation time: per case its series, the change points E-divisive means finds with a
    permutation test, and whether the latest level is slower than the one before."""
    from skbbench import baselines
    from skbbench.cli.compare_cmd import parse_alpha, parse_percent
    from skbbench.history import HistoryOptions, build_history
    from skbbench.report.history_table import render_history

    options = HistoryOptions(
        alpha=parse_alpha(alpha),
        min_effect=parse_percent(min_effect, "--min-effect"),
        permutations=permutations,
        metric=Metric(metric),
        stat=Stat(stat),
    )
    docs = [(r, baselines.load(r)) for r in results]
    hist = build_history(docs, options)
    fmt = output_format(ctx)
    click.echo(render_history(hist, "table" if fmt == "kernel" else fmt), nl=False)
    return hist.exit_status
