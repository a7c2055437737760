"""`skbbench info`: the machine metadata and its measurement warnings, in every format."""

from __future__ import annotations

import csv
import io

from skbbench.document import Machine, dump_json


def machine_rows(meta: Machine) -> list[tuple[str, str]]:
    """(label, text) rows of the human-readable forms."""
    flags = ("constant_tsc", "nonstop_tsc", "tsc_known_freq", "rdtscp", "cx16")
    load = meta.loadavg_1min
    return [
        ("CPU model", str(meta.cpu_model)),
        (
            "TSC",
            f"{meta.tsc_mhz or 0:.3f} MHz (source: {meta.tsc_source}: {meta.tsc_source_detail})",
        ),
        ("TSC flags", ", ".join(f"{k}={'yes' if getattr(meta, k) else 'no'}" for k in flags)),
        ("governor", meta.governor or "none (no cpufreq driver)"),
        ("boost", {True: "on", False: "off", None: "unknown"}[meta.boost]),
        ("virtualization", meta.virtualization or "none detected"),
        ("CPUs", f"{meta.cpu_count} online, allowed {meta.allowed_cpus}"),
        ("load average", f"{load:.2f}" if load is not None else "?"),
        ("kernel", str(meta.kernel)),
        ("Python", str(meta.python)),
        ("numba / llvmlite / numpy", f"{meta.numba} / {meta.llvmlite} / {meta.numpy}"),
        ("git commit", _commit(meta)),
    ]


def _commit(meta: Machine) -> str:
    if not meta.git_commit:
        return "not a checkout"
    where = {
        "package": "the checkout skbbench runs from",
        "working-directory": "the checkout in the current directory",
        "working-directory-differs": "the checkout in the current directory, whose modules "
        "differ from the installed ones",
    }.get(meta.git_commit_source or "", "?")
    return f"{meta.git_commit} ({where})"


def render_machine(meta: Machine, warnings: list[str], fmt: str) -> str:
    """The `info` output in ``fmt`` (kernel/table/markdown/csv/json/yaml)."""
    plain = meta.to_dict()
    plain.pop("processes", None)
    doc = {"machine": plain, "warnings": warnings}
    if fmt == "json":
        return dump_json(doc)
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(doc, sort_keys=False))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["key", "value"])
        writer.writerows((k, "" if v is None else v) for k, v in plain.items())
        writer.writerows(("warning", w) for w in warnings)
        return buf.getvalue()
    rows = machine_rows(meta)
    if fmt in ("table", "markdown"):
        from tabulate import tabulate

        tf = {"table": "plain", "markdown": "github"}[fmt]
        out = tabulate(rows, headers=["", ""] if fmt != "table" else (), tablefmt=tf) + "\n"
    else:
        width = max(len(k) for k, _ in rows)
        out = "".join(f"{key:<{width}} : {value}\n" for key, value in rows)
    return out + "".join(f"WARNING: {w}\n" for w in warnings)
