"""Files shipped inside the package: the configs (``skbbench run ci``) and the data files.

``configs/`` at the top of a checkout is the source of truth; ``skbbench/configs`` is a
symlink to it, which the build follows, so a wheel carries the YAML files themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

from skbbench.errors import UsageError

PACKAGE = Path(__file__).resolve().parent
CONFIG_DIR = PACKAGE / "configs"
DATA_DIR = PACKAGE / "data"
_SUFFIXES = (".yaml", ".yml")


def shipped_configs() -> dict[str, Path]:
    """Shipped config name (file stem) -> path, sorted by name."""
    try:
        files = sorted(p for p in CONFIG_DIR.iterdir() if p.suffix in _SUFFIXES and p.is_file())
    except OSError:
        return {}
    return {p.stem: p for p in files}


def resolve_config(arg: str) -> Path:
    """A config argument of ``skbbench run``: an existing file, else the name of a shipped
    config (``ci`` or ``ci.yaml``); anything else is a one-line error listing the names."""
    path = Path(arg)
    if path.exists():
        return path
    shipped = shipped_configs()
    if "/" not in arg:
        name = arg[: -len(path.suffix)] if path.suffix in _SUFFIXES else arg
        if name in shipped:
            return shipped[name]
    names = ", ".join(shipped) or "none"
    raise UsageError(f"{arg}: no such config file, and not a shipped config (shipped: {names})")


def describe_configs() -> list[tuple[str, str, str]]:
    """(name, benchmark, first comment line) of every shipped config, for ``run --list``."""
    rows = []
    for name, path in shipped_configs().items():
        text = path.read_text(encoding="utf-8")
        bench = re.search(r"^benchmark:\s*['\"]?([\w-]+)", text, re.MULTILINE)
        rows.append((name, bench.group(1) if bench else "?", _summary(text)))
    return rows


def _summary(text: str, width: int = 90) -> str:
    """The first sentence of a config's leading comment block, cut to ``width``."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    sentence = " ".join(lines).split(". ")[0].rstrip(".")
    if len(sentence) <= width:
        return sentence
    return sentence[: width - 3].rsplit(" ", 1)[0] + "..."


def data_file(name: str) -> Path:
    """A file of skbbench/data (e.g. ``result.schema.json``)."""
    return DATA_DIR / name
