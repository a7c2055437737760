"""The commands of the README, as its test and tools/cold_start.py read them.

Every line of an indented command block that starts with ``skbbench`` (or ``mkdir``), and
every ``$ skbbench ...`` line that heads a block of real output. A trailing ``# exit N``
comment states the exit status the command must have (0 otherwise).
"""

from __future__ import annotations

import re

RUNNABLE = ("skbbench ", "mkdir ")


def readme_sections(text: str) -> list[tuple[str, list[tuple[int, str, int]]]]:
    """(section title, its commands) of every section with commands, in README order."""
    titles = {n: line[3:].strip() for n, line in enumerate(text.splitlines(), 1)}
    heads = sorted(n for n, line in titles.items() if text.splitlines()[n - 1].startswith("## "))
    out: dict[str, list[tuple[int, str, int]]] = {}
    for number, command, expect in readme_commands(text):
        head = max((n for n in heads if n < number), default=0)
        out.setdefault(titles.get(head, "(top)"), []).append((number, command, expect))
    return list(out.items())


def readme_commands(text: str) -> list[tuple[int, str, int]]:
    """(line number, command, expected exit status) in README order."""
    out = []
    fenced = False
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("```"):
            fenced = not fenced
            continue
        line = raw
        if fenced and line.startswith("$ skbbench "):
            line = re.sub(r"\s{2,}\(.*\)\s*$", "", line[2:])  # "(tails cut ...)" notes
        elif not fenced and raw.startswith("    "):
            line = raw[4:]
        else:
            continue
        if not line.startswith(RUNNABLE):
            continue
        expect = 0
        m = re.search(r"#\s*exit (\d+)\s*$", line)
        if m:
            expect = int(m.group(1))
        command = line.split(" #", 1)[0].strip()
        out.append((number, command, expect))
    return out
