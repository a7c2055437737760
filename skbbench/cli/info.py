"""`skbbench info`: the machine as the measurements see it (imports no numba unless the
TSC frequency has to be calibrated)."""

from __future__ import annotations

import click

from skbbench.metadata import machine_metadata, measurement_warnings


@click.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """CPU, TSC frequency and its source, TSC flags, governor, boost, virtualization,
    CPUs, versions, and a warning for each condition that hurts measurements."""
    meta = machine_metadata()
    warnings = measurement_warnings(meta)
    fmt = ctx.obj["format"]
    if fmt in ("json", "yaml"):
        from skbbench.results import dump_json

        doc = {"machine": meta, "warnings": warnings}
        if fmt == "json":
            click.echo(dump_json(doc), nl=False)
        else:
            import yaml

            click.echo(yaml.safe_dump(doc, sort_keys=False), nl=False)
        return
    rows = [
        ("CPU model", meta["cpu_model"]),
        (
            "TSC",
            f"{meta['tsc_mhz']:.3f} MHz"
            f" (source: {meta['tsc_source']}: {meta['tsc_source_detail']})",
        ),
        (
            "TSC flags",
            ", ".join(
                f"{k}={'yes' if meta[k] else 'no'}"
                for k in ("constant_tsc", "nonstop_tsc", "tsc_known_freq", "rdtscp", "cx16")
            ),
        ),
        ("governor", meta["governor"] or "none (no cpufreq driver)"),
        ("boost", {True: "on", False: "off", None: "unknown"}[meta["boost"]]),
        ("virtualization", meta["virtualization"] or "none detected"),
        ("CPUs", f"{meta['cpu_count']} online, allowed {meta['allowed_cpus']}"),
        (
            "load average",
            f"{meta['loadavg_1min']:.2f}" if meta["loadavg_1min"] is not None else "?",
        ),
        ("kernel", meta["kernel"]),
        ("Python", meta["python"]),
        ("numba / llvmlite / numpy", f"{meta['numba']} / {meta['llvmlite']} / {meta['numpy']}"),
        ("git commit", _commit(meta)),
    ]
    if fmt in ("table", "markdown", "csv"):
        from tabulate import tabulate

        tf = {"table": "plain", "markdown": "github", "csv": "tsv"}[fmt]
        click.echo(tabulate(rows, headers=["", ""] if fmt != "table" else (), tablefmt=tf))
    else:
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            click.echo(f"{key:<{width}} : {value}")
    for w in warnings:
        click.echo(f"WARNING: {w}")


def _commit(meta: dict) -> str:
    if not meta["git_commit"]:
        return "not a checkout"
    where = {
        "package": "the checkout skbbench runs from",
        "working-directory": "the checkout in the current directory",
        "working-directory-differs": "the checkout in the current directory, whose modules "
        "differ from the installed ones",
    }.get(meta.get("git_commit_source") or "", "?")
    return f"{meta['git_commit']} ({where})"
