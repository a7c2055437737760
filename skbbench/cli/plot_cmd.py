"""``skbbench plot RESULTS... -o FILE``: each family's plot (skbbench.report.plot)."""

from __future__ import annotations

import click

from skbbench import registry
from skbbench.compare.options import Metric, choices
from skbbench.report.plot import INSTALL_HINT


def _plotted() -> str:
    return "; ".join(
        f"{f.name}: per {f.plot.unit} against {f.plot.xlabel}"
        for f in registry.families().values()
        if f.plot is not None
    )


@click.command(
    "plot",
    short_help="Plot each family's cycles per element (or packet, page) as its posts did.",
    help=f"""Plot RESULTS files as their family draws them: {_plotted()}. One line (or bar)
    per series of each file, the published values as markers where they exist.

    Needs the optional `plot` extra: {INSTALL_HINT}.""",
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
    type=click.Choice(choices(Metric)),
    default=Metric.CYCLES.value,
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
    from skbbench.document import load_document
    from skbbench.report.plot import plot_documents

    docs = [(p, load_document(p)) for p in results]
    lines = plot_documents(
        docs, output, metric=Metric(metric), published=not no_published, title=title
    )
    click.echo(f"wrote {output} ({lines} line(s))", err=True)
