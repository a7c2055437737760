"""``skbbench run CONFIG...``: the benchmarks YAML configs (or shipped names) describe,
through the same validation and session as the benchmark commands."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from skbbench.cli.options import output_format, shared_options, strict_option
from skbbench.errors import UsageError


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
@shared_options
@strict_option
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
    from skbbench.document import format_for_path, write_document
    from skbbench.document.merge import merge_documents
    from skbbench.outfile import check_output_path
    from skbbench.shipped import describe_configs, resolve_config

    if list_configs:
        from tabulate import tabulate

        click.echo(tabulate(describe_configs(), headers=["name", "benchmark", "what"]))
        return 0
    if not configs:
        raise UsageError("run: missing CONFIG (a YAML file or a shipped name; --list shows them)")
    cfgs = [config.load_file(resolve_config(path)) for path in configs]
    overrides: dict[str, Any] = {
        k: v for k, v in (("processes", processes), ("repeat", repeat)) if v is not None
    }
    if overrides:
        cfgs = [dataclasses.replace(c, **overrides) for c in cfgs]
    labels = [Path(p).stem for p in configs]
    if len(cfgs) > 1 and len(set(labels)) != len(labels):
        raise UsageError(
            "two configs have the same file name stem "
            f"({', '.join(labels)}): rename one so its cases keep distinct keys"
        )
    target = None
    if output is not None:  # fail before a long run, not after it
        format_for_path(output, output_fmt)
        target = check_output_path(output)
    to_stdout = target is not None and target.is_stdout()
    if save_baseline:
        baselines.check_save(save_baseline, baselines_dir)
    from skbbench.cli.bench import execute_with_feedback, exit_status
    from skbbench.report.formats import render

    fmt = output_format(ctx)
    docs = []
    for i, cfg in enumerate(cfgs):
        doc = execute_with_feedback(ctx, cfg)
        docs.append(doc)
        if to_stdout:  # the document written to -o is the output: one document per output
            continue
        if fmt not in ("json", "yaml"):
            if len(cfgs) > 1:
                click.echo(("\n" if i else "") + f"# {configs[i]} ({cfg.NAME})")
            click.echo(render(doc, fmt), nl=False)
    merged = merge_documents(docs, labels)
    if fmt in ("json", "yaml") and not to_stdout:
        click.echo(render(merged, fmt), nl=False)
    if target:
        write_document(merged, target, output_fmt)
    if save_baseline:
        path = baselines.save(save_baseline, merged, baselines_dir)
        click.echo(
            f"saved baseline '{save_baseline}' ({path}, {len(merged.cases)} cases)", err=True
        )
    return exit_status(ctx, merged)
