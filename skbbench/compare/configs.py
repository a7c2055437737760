"""Whether two documents measured the same thing: their configs less the options that
only change how long or how often a run measured, and the machine they ran on."""

from __future__ import annotations

from typing import Any

from skbbench.document import Document, Machine

# Options that change how long or how often a run measures, not what it measures.
NOT_RESULT_KEYS = ("repeat", "warmup", "processes", "cpu", "interleave")
TSC_JITTER = 0.005  # TSC calibrations of one machine agree far better than 0.5 %


def result_config(doc: Document) -> dict[str, Any]:
    """What a document measured: its config less NOT_RESULT_KEYS (a merged ``run``
    document: each run's)."""
    if doc.merged:
        return {
            "runs": [
                {
                    "label": part.label,
                    "command": part.command,
                    "config": {k: v for k, v in part.config.items() if k not in NOT_RESULT_KEYS},
                }
                for part in doc.runs()
            ]
        }
    return {k: v for k, v in doc.config.items() if k not in NOT_RESULT_KEYS}


def config_differences(a: Document, b: Document) -> list[str]:
    ca, cb = result_config(a), result_config(b)
    out = []
    for k in list(ca) + [k for k in cb if k not in ca]:
        if ca.get(k) != cb.get(k):
            out.append(f"{k}: {_brief(ca.get(k))} vs {_brief(cb.get(k))}")
    return out


def _brief(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 30 else s[:27] + "..."


def machine_differences(a: Machine, b: Machine) -> list[str]:
    """Machine metadata fields that identify the hardware and differ, as ``field: A vs B``
    strings (empty: the same machine as far as we can tell)."""
    out = []
    for key in ("cpu_model", "machine", "cpu_count", "virtualization"):
        va, vb = getattr(a, key), getattr(b, key)
        if va != vb:
            out.append(f"{key}: {va!r} vs {vb!r}")
    ta, tb = a.tsc_mhz, b.tsc_mhz
    if isinstance(ta, (int, float)) and isinstance(tb, (int, float)) and ta > 0 and tb > 0:
        if abs(ta - tb) / ta > TSC_JITTER:
            out.append(f"tsc_mhz: {ta} vs {tb}")
    elif ta != tb:
        out.append(f"tsc_mhz: {ta!r} vs {tb!r}")
    return out
