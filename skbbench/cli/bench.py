"""Benchmark commands, generated from each family's typed spec (skbbench.specs).

Every value arrives as text and is checked by skbbench.config, the same code that checks
YAML configs, so `skbbench bulk --sizes 1,x` and a config with `sizes: [1, x]` fail
with the same one-line message.
"""

from __future__ import annotations

from typing import Any

import click

from skbbench import config, registry
from skbbench.spec import Option, RunConfig

METAVARS = {
    "int": "N",
    "float": "X",
    "int_list": "N,N,...",
    "str_list": "A,B,...",
    "choice": "NAME",
    "str": "TEXT",
}


def _click_option(opt: Option) -> Any:
    flag = opt.cli_flag()
    default = opt.default_text()
    help_txt = opt.help + (f"  [default: {default}]" if default is not None else "")
    if opt.choices and opt.kind in ("choice", "str_list"):
        help_txt += f"  [choices: {', '.join(opt.choices)}]"
    if opt.kind == "bool":
        name = flag.removeprefix("--")
        return click.option(f"{flag}/--no-{name}", opt.key, default=None, help=help_txt)
    metavar = opt.metavar or METAVARS.get(opt.kind, "VALUE")
    return click.option(flag, opt.key, type=str, default=None, metavar=metavar, help=help_txt)


def run_and_report(ctx: click.Context, cfg: RunConfig, output: str | None) -> dict[str, Any]:
    """Execute a resolved config, save it (atomically) if asked, print it in the format."""
    from skbbench.cli.progress import Progress
    from skbbench.report.formats import render
    from skbbench.results import check_output_path, write_document
    from skbbench.session import execute

    if output:  # refuse a bad path before spending the run on it
        check_output_path(output)
    progress = Progress()
    try:
        doc = execute(cfg, progress=progress)
    finally:
        progress.done()
    pinned = doc["machine"]["pinned_cpu"]
    click.echo(f"skbbench: ran on CPU {pinned} (pinned; --cpu N to choose)", err=True)
    if output:
        write_document(doc, output)
    click.echo(render(doc, ctx.obj["format"]), nl=False)
    return doc


def make_command(family: type[RunConfig]) -> click.Command:
    def callback(**kwargs: Any) -> None:
        ctx = click.get_current_context()
        output = kwargs.pop("output")
        raw = {}
        for opt in family.options():
            value = kwargs.get(opt.key)
            if value is not None:
                raw[opt.key] = config.coerce(opt, value, "command line", opt.cli_flag())
        cfg = config.resolve(family, raw, "command line")
        run_and_report(ctx, cfg, output)

    params = [_click_option(opt) for opt in family.options()]
    params.append(
        click.option(
            "-o",
            "--output",
            default=None,
            metavar="FILE",
            help="Also write the result document to FILE (JSON; YAML for .yaml/.yml), atomically.",
        )
    )
    command: Any = callback
    for decorator in reversed(params):
        command = decorator(command)
    return click.command(name=family.NAME, help=family.HELP, epilog=family.EPILOG or None)(command)


def benchmark_commands() -> list[click.Command]:
    return [make_command(f) for f in registry.FAMILIES.values()]
