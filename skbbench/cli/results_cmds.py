"""Commands over result documents: ``run`` (configs), ``compare``, ``baseline``, ``plot``.

Thin: parse, call skbbench.config / session / compare / baselines / plot, render. No
numba is imported unless ``run`` executes a benchmark.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from skbbench.cli.options import EXIT_CASE_FAILED, format_option, note, output_format
from skbbench.compare import DEFAULT_STAT, STATS
from skbbench.errors import UsageError

EXIT_HELP = """\b
Exit status:
  0  no regression
  1  regression: a case slower (absolute mode), a case failed, a counter differs,
     or a variant ratio outside the tolerance (relative mode)
  2  usage or input error (bad option, missing/invalid result file, no case in common)"""


def parse_percent(text: str, option: str) -> float:
    """``'5'`` or ``'5%'`` -> 0.05."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a percentage such as 5 or 5%") from None
    if not 0 <= value < 1000 or value != value:
        raise UsageError(f"{option} {text!r}: out of range (0 to <1000 percent)")
    return value / 100


def parse_alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--alpha {text!r}: expected a number between 0 and 1") from None
    if not 0 < value < 1:
        raise UsageError(f"--alpha {text!r}: out of range (0 < alpha < 1)")
    return value


def _fmt(ctx: click.Context) -> str:
    return output_format(ctx)


# --------------------------------------------------------------------------------------
# run


@click.command("run", short_help="Run benchmarks described by YAML configs (or shipped names).")
@click.argument("configs", nargs=-1, metavar="CONFIG...")
@click.option(
    "--processes",
    type=click.IntRange(1, 100),
    default=None,
    metavar="N",
    help="Worker processes per case, overriding each config's `processes` (1..100).",
)
@click.option(
    "--repeat",
    type=click.IntRange(1, 1000),
    default=None,
    metavar="N",
    help="Timed runs per case and process, overriding each config's `repeat` (1..1000).",
)
@click.option("--list", "list_configs", is_flag=True, help="List the shipped configs and exit.")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the result document to FILE (YAML when FILE ends in .yaml/.yml, else "
    "JSON): a regular file is replaced atomically, a device or FIFO written through; "
    "checked before the run.",
)
@click.option(
    "--output-format",
    "output_fmt",
    type=click.Choice(["json", "yaml"]),
    default=None,
    help="Format of FILE, overriding its suffix.",
)
@click.option(
    "--save-baseline",
    metavar="NAME",
    help="Also store the results as a new baseline NAME (baselines/NAME.json).",
)
@click.option(
    "--baselines-dir",
    metavar="DIR",
    default=None,
    help="Baselines directory (default: $SKBBENCH_BASELINES or ./baselines).",
)
@format_option
@click.pass_context
def run(
    ctx: click.Context,
    configs: tuple[str, ...],
    processes: int | None,
    repeat: int | None,
    list_configs: bool,
    output: str | None,
    output_fmt: str | None,
    save_baseline: str | None,
    baselines_dir: str | None,
) -> int:
    """Run the benchmarks described by YAML CONFIG files, or shipped configs by name
    (`skbbench run ci`; `--list` shows them).

    A config is a mapping: `benchmark: NAME` plus that benchmark's options, exactly the
    command's flags with `_` for `-` (`skbbench run configs/x.yaml` and `skbbench NAME
    --opt ...` go through the same validation and the same code). All configs are checked
    before anything runs. Several configs make one result document whose case keys are
    prefixed with the config file's stem.
    """
    from skbbench import baselines, config
    from skbbench.results import check_output_path, format_for_path, merge_documents, write_document
    from skbbench.shipped import describe_configs, resolve_config

    if list_configs:
        from tabulate import tabulate

        click.echo(tabulate(describe_configs(), headers=["name", "benchmark", "what"]))
        return 0
    if not configs:
        raise UsageError("run: missing CONFIG (a YAML file or a shipped name; --list shows them)")
    cfgs = [config.load_file(resolve_config(path)) for path in configs]
    overrides = {k: v for k, v in (("processes", processes), ("repeat", repeat)) if v is not None}
    if overrides:
        cfgs = [dataclasses.replace(c, **overrides) for c in cfgs]
    labels = [Path(p).stem for p in configs]
    if len(cfgs) > 1 and len(set(labels)) != len(labels):
        raise UsageError(
            "two configs have the same file name stem "
            f"({', '.join(labels)}): rename one so its cases keep distinct keys"
        )
    target = None
    if output:  # fail before a long run, not after it
        format_for_path(output, output_fmt)
        target = check_output_path(output)
    if save_baseline:
        baselines.check_save(save_baseline, baselines_dir)
    from skbbench.cli.bench import execute_with_feedback, failed_cases
    from skbbench.report.formats import render

    fmt = _fmt(ctx)
    docs = []
    for i, cfg in enumerate(cfgs):
        doc = execute_with_feedback(ctx, cfg)
        docs.append(doc)
        if fmt not in ("json", "yaml"):
            if len(cfgs) > 1:
                click.echo(("\n" if i else "") + f"# {configs[i]} ({cfg.NAME})")
            click.echo(render(doc, fmt), nl=False)
    merged = merge_documents(docs, labels)
    if fmt in ("json", "yaml"):
        click.echo(render(merged, fmt), nl=False)
    if target:
        write_document(merged, target, output_fmt)
    if save_baseline:
        path = baselines.save(save_baseline, merged, baselines_dir)
        click.echo(
            f"saved baseline '{save_baseline}' ({path}, {len(merged['cases'])} cases)", err=True
        )
    failed = failed_cases(merged)
    if failed:
        note(ctx)(f"{len(failed)} case(s) failed: {', '.join(failed[:5])}")
        return EXIT_CASE_FAILED
    return 0


# --------------------------------------------------------------------------------------
# compare


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
    default="0.05",
    show_default=True,
    metavar="P",
    help="Significance level of the test (Welch t on per-process values).",
)
@click.option(
    "--metric",
    type=click.Choice(["cycles", "ns"]),
    default="cycles",
    show_default=True,
    help="Per-element value compared: TSC cycles or wall ns.",
)
@click.option(
    "--clock",
    type=click.Choice(["normalize", "raw"]),
    default="normalize",
    show_default=True,
    help="normalize: compare cycles as estimated core cycles (cycles(tsc) x each process's "
    "measured core-clock/TSC ratio), undoing a drift of the core clock; raw: cycles(tsc).",
)
@click.option(
    "--mode",
    type=click.Choice(["absolute", "relative"]),
    default="absolute",
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
    default="25",
    show_default=True,
    metavar="PCT",
    help="Relative mode: allowed change of a variant ratio, in percent.",
)
@click.option(
    "--stat",
    type=click.Choice(STATS),
    default=DEFAULT_STAT,
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
@format_option
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
    from skbbench.compare import compare_documents
    from skbbench.report.compare_table import render_comparison

    thr = None if threshold.strip().lower() == "auto" else parse_percent(threshold, "--threshold")
    tol = parse_percent(tolerance, "--tolerance")
    a = parse_alpha(alpha)
    base_doc, base_name = baselines.load_side(baseline)
    cur_doc, cur_name = baselines.load_side(current)
    comp = compare_documents(
        base_doc,
        cur_doc,
        baseline_name=base_name,
        current_name=cur_name,
        metric=metric,
        threshold=thr,
        alpha=a,
        mode=mode,
        ratio=ratio,
        tolerance=tol,
        stat=stat,
        variant_key=variant_key,
        clock=clock,
    )
    fmt = _fmt(ctx)
    click.echo(render_comparison(comp, "table" if fmt == "kernel" else fmt, only_changes), nl=False)
    return comp.exit_status


# --------------------------------------------------------------------------------------
# baseline


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
    from skbbench.results import load_document

    path = baselines.save(name, load_document(results), directory)
    click.echo(f"saved baseline '{name}' ({path})")


@baseline.command("update", short_help="Replace an existing baseline.")
@click.argument("name")
@click.argument("results", metavar="RESULTS")
@_dir_option
def baseline_update(name: str, results: str, directory: str | None) -> None:
    """Replace the existing baseline NAME with result file RESULTS."""
    from skbbench import baselines
    from skbbench.results import load_document

    doc = load_document(results)
    path, old = baselines.update(name, doc, directory)
    was = f"; was {len(old['cases'])} cases from {old.get('created')}" if old else ""
    click.echo(f"updated baseline '{name}' ({path}, {len(doc['cases'])} cases{was})")


@baseline.command("list", short_help="List the stored baselines.")
@_dir_option
@format_option
@click.pass_context
def baseline_list(ctx: click.Context, directory: str | None) -> None:
    """List the stored baselines."""
    from skbbench import baselines
    from skbbench.report.baselines import render_baselines

    rows = baselines.list_baselines(directory)
    where = str(baselines.baselines_dir(directory))
    click.echo(render_baselines(rows, _fmt(ctx), where), nl=False)


# --------------------------------------------------------------------------------------
# plot


@click.command(
    "plot", short_help="Plot cycles per element against bulk size, outstanding pages, delay."
)
@click.argument("results", nargs=-1, required=True, metavar="RESULTS...")
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE.png",
    help="Image to write (.png, .svg or .pdf): replaced atomically, checked first.",
)
@click.option(
    "--metric",
    type=click.Choice(["cycles", "ns"]),
    default="cycles",
    show_default=True,
    help="Per-element value on the y axis.",
)
@click.option("--title", default=None, help="Plot title.")
@click.option(
    "--no-published", is_flag=True, help="Do not draw the seed post's published values as markers."
)
def plot(
    results: tuple[str, ...], output: str, metric: str, title: str | None, no_published: bool
) -> None:
    """Plot cycles per element against the family's swept parameter (log x axis): bulk
    size per variant (bulk), pages outstanding (pages: page_bench02), the release delay
    per workload and strategy (recycle); one line per series of each RESULTS file, with
    the published values as markers where they exist.

    Needs the optional `plot` extra: pip install 'skbbench[plot]'.
    """
    from skbbench.report.plot import plot_documents
    from skbbench.results import load_document

    docs: list[tuple[str, dict[str, Any]]] = [(p, load_document(p)) for p in results]
    lines = plot_documents(docs, output, metric=metric, published=not no_published, title=title)
    click.echo(f"wrote {output} ({lines} line(s))", err=True)


def register(cli: click.Group) -> None:
    for command in (run, compare, baseline, plot):
        cli.add_command(command)
