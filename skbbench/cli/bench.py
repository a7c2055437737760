"""Benchmark commands, generated from each family's typed spec (skbbench.specs).

Every value arrives as text and is checked by skbbench.config, the same code that checks
YAML configs, so `skbbench bulk --sizes 1,x` and a config with `sizes: [1, x]` fail
with the same one-line message.
"""

from __future__ import annotations

from typing import Any

import click

from skbbench import config, registry
from skbbench.cli.options import (
    note,
    output_format,
    shared_options,
    strict,
    strict_option,
    verbosity,
)
from skbbench.document import Document
from skbbench.errors import EXIT_CASE_FAILED, EXIT_NOT_REPRESENTATIVE
from skbbench.family import Family
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
    if opt.min is not None or opt.max is not None:
        help_txt += f"  [range: {_limit(opt.min)}..{_limit(opt.max)}]"
    if opt.kind == "bool":
        name = flag.removeprefix("--")
        return click.option(f"{flag}/--no-{name}", opt.key, default=None, help=help_txt)
    metavar = opt.metavar or METAVARS.get(opt.kind, "VALUE")
    return click.option(flag, opt.key, type=str, default=None, metavar=metavar, help=help_txt)


def execute_with_feedback(ctx: click.Context, cfg: RunConfig) -> Document:
    """Run a config with progress and notes on stderr (the same for every command that
    runs benchmarks): measurement warnings first, compile and unstable notes as they come,
    the pinned CPU at the end."""
    from skbbench.session import execute
    from skbbench.session.progress import Progress, shown

    progress = Progress(enabled=verbosity(ctx) >= 0)
    say_line = note(ctx)

    def say(line: str) -> None:  # a note clears the progress line, which comes back after
        if shown(line, verbosity(ctx)):
            progress.done()
            say_line(line)

    try:
        doc = execute(cfg, progress=progress, notify=say, verbosity=verbosity(ctx))
    finally:
        progress.done()
    if verbosity(ctx) > 0:
        for proc in doc.machine.processes:
            clock = proc.clock_before
            say(
                f"process {proc.process}: core/TSC {clock.core_per_tsc if clock else None}, "
                f"for_loop {clock.for_loop_cycles if clock else None} cycles(tsc)"
            )
    say(where_it_ran(doc))
    return doc


def where_it_ran(doc: Document) -> str:
    """The CPUs the cases ran on: the pinned CPU of the single-thread cases, the CPUs of
    the parallel ones (one thread per CPU), and the worker processes."""
    n = doc.processes
    left_out = sum(bool(p.disturbed) for p in doc.machine.processes)
    runs = f" in {n} worker processes" if n > 1 else ""
    runs += f" ({left_out} disturbed, left out)" if left_out else ""
    parallel_cpus = sorted(
        {int(cpu) for c in doc.cases if c.parallel for cpu in c.params.get("cpus", [])}
    )
    single = any(not c.parallel for c in doc.cases)
    places = []
    if single or not parallel_cpus:
        places.append(f"CPU {doc.machine.pinned_cpu} (pinned; --cpu N to choose)")
    if parallel_cpus:
        cpus = ",".join(map(str, parallel_cpus))
        what = "parallel cases on" if single else ""
        places.append(f"{what} CPUs {cpus} (one thread per CPU)".strip())
    return f"ran on {' and '.join(places)}{runs}"


def failed_cases(doc: Document) -> list[str]:
    """Names of the cases that aborted or failed a pin/overlap check."""
    return [c.name for c in doc.cases if c.error]


def _limit(x: float | None) -> str:
    if x is None:
        return ""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def run_and_report(ctx: click.Context, cfg: RunConfig, output: str | None) -> int:
    """Execute a resolved config, save it if asked, print it; the exit status."""
    from skbbench.document import write_document
    from skbbench.outfile import check_output_path
    from skbbench.report.formats import render

    # refuse a bad path before the run
    target = check_output_path(output) if output is not None else None
    doc = execute_with_feedback(ctx, cfg)
    if target:
        write_document(doc, target)
    if not (target and target.is_stdout()):  # one document per output
        click.echo(render(doc, output_format(ctx)), nl=False)
    return exit_status(ctx, doc)


def exit_status(ctx: click.Context, doc: Document) -> int:
    """4 when a case failed; 5 under --strict when the host was slow for the whole run."""
    failed = failed_cases(doc)
    if failed:
        note(ctx)(f"{len(failed)} case(s) failed: {', '.join(failed[:5])}")
        return EXIT_CASE_FAILED
    if strict(ctx) and any(p.host_slow for p in doc.machine.processes):
        note(ctx)("--strict: the host was slow for the whole run")
        return EXIT_NOT_REPRESENTATIVE
    return 0


def make_command(family: Family) -> click.Command:
    spec = family.config

    def callback(**kwargs: Any) -> int:
        ctx = click.get_current_context()
        output = kwargs.pop("output")
        raw = {}
        for opt in spec.options():
            value = kwargs.get(opt.key)
            if value is not None:
                raw[opt.key] = config.coerce(opt, value, "command line", opt.cli_flag())
        cfg = config.resolve(spec, raw, "command line")
        return run_and_report(ctx, cfg, output)

    params = [_click_option(opt) for opt in spec.options()]
    params.append(
        click.option(
            "-o",
            "--output",
            default=None,
            metavar="FILE",
            help="Also write the result document to FILE (JSON; YAML for .yaml/.yml): a "
            "regular file is replaced atomically, a device or FIFO written through; checked "
            "before the run.",
        )
    )
    command: Any = strict_option(shared_options(callback))
    for decorator in reversed(params):
        command = decorator(command)
    return click.command(
        name=family.name,
        help=family.help,
        short_help=family.short_help,
        epilog=family.epilog or None,
    )(command)


def benchmark_commands() -> list[click.Command]:
    return [make_command(f) for f in registry.families().values()]
