"""``skbbench compare BASELINE CURRENT``: per-case verdicts, variant ratios and counters
between two result files (skbbench.compare); exit 1 on a regression."""

from __future__ import annotations

import click

from skbbench.cli.options import output_format, shared_options
from skbbench.compare.options import (
    DEFAULT_ALPHA,
    DEFAULT_TOLERANCE,
    Clock,
    Metric,
    Mode,
    Stat,
    choices,
)
from skbbench.errors import EXIT_REGRESSION, EXIT_USAGE, UsageError

EXIT_HELP = f"""\b
Exit status:
  0  no regression
  {EXIT_REGRESSION}  regression: a case slower (absolute mode), a case failed, a counter differs,
     or a variant ratio outside the tolerance (relative mode)
  {EXIT_USAGE}  usage or input error (bad option, missing/invalid result file, no case in common)"""


def parse_percent(text: str, option: str) -> float:
    """``'5'`` or ``'5%'`` -> 0.05 (its range is CompareOptions' to check)."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a percentage such as 5 or 5%") from None
    if value != value:
        raise UsageError(f"{option} {text!r}: expected a percentage such as 5 or 5%")
    return value / 100


def parse_alpha(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"--alpha {text!r}: expected a number between 0 and 1") from None


@click.command(
    "compare", epilog=EXIT_HELP, short_help="Compare result files; exit 1 on a regression."
)
@click.argument("baseline", metavar="BASELINE")
@click.argument("current", metavar="CURRENT")
@click.option(
    "--threshold",
    default="auto",
    show_default=True,
    metavar="PCT|auto",
    help="Minimum effect in percent: a smaller change is 'no change'. auto: 3 x the "
    "between-process CV measured in the files, at least 2% (5% when a side has one process).",
)
@click.option(
    "--alpha",
    default=str(DEFAULT_ALPHA),
    show_default=True,
    metavar="P",
    help="Significance level of the test (Welch t on per-process values).",
)
@click.option(
    "--metric",
    type=click.Choice(choices(Metric)),
    default=Metric.CYCLES.value,
    show_default=True,
    help="Per-element value compared: TSC cycles or wall ns.",
)
@click.option(
    "--clock",
    type=click.Choice(choices(Clock)),
    default=Clock.NORMALIZE.value,
    show_default=True,
    help="normalize: compare cycles as estimated core cycles (cycles(tsc) x each process's "
    "measured core-clock/TSC ratio), undoing a drift of the core clock; raw: cycles(tsc).",
)
@click.option(
    "--mode",
    type=click.Choice(choices(Mode)),
    default=Mode.ABSOLUTE.value,
    show_default=True,
    help="absolute: judge each case's values (same machine). relative: judge only "
    "counters and the --ratio between two variants of each run (across machines, CI).",
)
@click.option(
    "--ratio",
    metavar="NUM/DEN",
    default=None,
    help="Relative mode: variants whose per-group ratio is compared, e.g. after/before "
    "(cases carry params.variant).",
)
@click.option(
    "--tolerance",
    default=f"{DEFAULT_TOLERANCE * 100:g}",
    show_default=True,
    metavar="PCT",
    help="Relative mode: allowed change of a variant ratio, in percent.",
)
@click.option(
    "--stat",
    type=click.Choice(choices(Stat)),
    default=Stat.MIN.value,
    show_default=True,
    help="The value of a worker process: this statistic of its repeats (both modes).",
)
@click.option(
    "--variant-key",
    default="variant",
    show_default=True,
    metavar="KEY",
    help="Relative mode: the params key naming the variant.",
)
@click.option(
    "--only-changes", is_flag=True, help="List only the cases whose verdict is not 'no change'."
)
@shared_options
@click.pass_context
def compare(
    ctx: click.Context,
    baseline: str,
    current: str,
    threshold: str,
    alpha: str,
    metric: str,
    clock: str,
    mode: str,
    ratio: str | None,
    tolerance: str,
    stat: str,
    variant_key: str,
    only_changes: bool,
) -> int:
    """Compare CURRENT against BASELINE. Each is a result file, the name of a stored
    baseline (such as `ci`), or several result files of one config separated by commas
    (their worker processes are pooled).

    Per case: the ratio of the medians (current/baseline, lower is faster), a test on the
    per-process values (the noise that matters is between processes) and the minimum
    effect give a verdict: faster, slower, no change (effect below --threshold), not
    significant (above it but within the noise), failed. The core clock measured by each
    process is shown and, by default, undone. Counters are compared exactly. Runs of
    different configs (loops, sizes, ...) are refused. Across machines use --mode
    relative, which judges only counters and variant ratios.
    """
    from skbbench import baselines
    from skbbench.compare import CompareOptions, compare_documents
    from skbbench.report.compare_table import render_comparison

    auto = threshold.strip().lower() == "auto"
    options = CompareOptions(
        metric=Metric(metric),
        mode=Mode(mode),
        threshold=None if auto else parse_percent(threshold, "--threshold"),
        alpha=parse_alpha(alpha),
        ratio=ratio,
        tolerance=parse_percent(tolerance, "--tolerance"),
        stat=Stat(stat),
        clock=Clock(clock),
        variant_key=variant_key,
    )
    base_doc, base_name = baselines.load_side(baseline)
    cur_doc, cur_name = baselines.load_side(current)
    comp = compare_documents(base_doc, cur_doc, options, base_name, cur_name)
    fmt = output_format(ctx)
    click.echo(render_comparison(comp, "table" if fmt == "kernel" else fmt, only_changes), nl=False)
    return comp.exit_status
