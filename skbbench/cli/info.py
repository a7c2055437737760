"""`skbbench info`: the machine as the measurements see it (imports no numba unless the
TSC frequency has to be calibrated)."""

from __future__ import annotations

import click

from skbbench.cli.options import output_format, shared_options
from skbbench.metadata import machine_metadata, measurement_warnings
from skbbench.report.machine import render_machine


@click.command(short_help="The machine as the measurements see it.")
@shared_options
@click.pass_context
def info(ctx: click.Context) -> None:
    """CPU, TSC frequency and its source, TSC flags, governor, boost, virtualization,
    CPUs, versions, and a warning for each condition that hurts measurements."""
    meta = machine_metadata()
    click.echo(render_machine(meta, measurement_warnings(meta), output_format(ctx)), nl=False)
