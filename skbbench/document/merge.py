"""Documents made of documents: the worker processes of one run (``merge_processes``),
several configs run by ``skbbench run A.yaml B.yaml`` (``merge_documents``) and back
(``split_document``)."""

from __future__ import annotations

import dataclasses

from skbbench import __version__
from skbbench.document.model import SCHEMA_VERSION, Case, Document, Repeat, WorkerProcess
from skbbench.errors import UsageError

COUNTERS_DIFFER = "NOTE: the model's counters differ between worker processes"


def merge_processes(docs: list[Document], renumber: bool = False) -> Document:
    """One document from documents of the same config (the worker processes of one run,
    or several runs with ``renumber``: their processes numbered one after the other):
    every case's repeats from all, the first document's metadata plus every worker
    process, the first document's counters (a model is deterministic: a single-CPU case
    whose counters differ between processes gets a note). Nothing is left out of the
    statistics yet (skbbench.disturbance decides), and the scatter warnings are not
    added: they depend on what is left out."""
    if renumber:
        docs = _renumbered(docs)
    first = docs[0]
    warnings: list[str] = []
    for d in docs:
        warnings.extend(w for w in d.warnings if w not in warnings and not w.startswith("unstable"))
    by_key = [{c.key: c for c in d.cases} for d in docs[1:]]
    cases = []
    for case in first.cases:
        others = [k[case.key] for k in by_key if case.key in k]
        every = [case, *others]
        messages = list(case.messages)
        if not case.parallel and any(c.counters != case.counters for c in others):
            messages.append(COUNTERS_DIFFER)
        cases.append(
            dataclasses.replace(
                case,
                repeats=[r for c in every for r in c.repeats],
                error=next((c.error for c in every if c.error), None),
                messages=messages,
                left_out=frozenset(),
            )
        )
    machine = dataclasses.replace(
        first.machine, processes=[p for d in docs for p in d.machine.processes]
    )
    return dataclasses.replace(
        first,
        processes=sum(d.processes for d in docs),
        machine=machine,
        warnings=warnings,
        cases=cases,
    )


def _renumbered(docs: list[Document]) -> list[Document]:
    """The documents with their processes numbered one after the other across documents."""
    out = []
    offset = 0
    for d in docs:
        seen = [r.process for c in d.cases for rep in c.repeats for r in rep.records]
        n = max([d.processes, *(p + 1 for p in seen)])
        cases = [
            dataclasses.replace(
                c,
                repeats=[
                    Repeat(
                        tuple(
                            dataclasses.replace(r, process=r.process + offset) for r in rep.records
                        )
                    )
                    for rep in c.repeats
                ],
                left_out=frozenset(p + offset for p in c.left_out),
            )
            for c in d.cases
        ]
        procs = [dataclasses.replace(p, process=p.process + offset) for p in d.machine.processes]
        machine = dataclasses.replace(d.machine, processes=procs)
        out.append(dataclasses.replace(d, cases=cases, machine=machine))
        offset += n
    return out


def merge_documents(docs: list[Document], labels: list[str]) -> Document:
    """One document for ``skbbench run A.yaml B.yaml``: command ``run``, config
    ``{"runs": [{"label", "command", "config"}, ...]}``, every case keyed
    ``<label>:<key>`` and tagged with its ``run`` label so keys stay unique and stable
    (labels are the config file stems); ``machine.processes`` holds every config's
    worker processes, each tagged with its ``run`` too (process 0 of one config is not
    process 0 of another). A single document is returned unchanged."""
    if len(docs) == 1:
        return docs[0]
    if len(set(labels)) != len(labels):
        raise UsageError(
            "two configs have the same file name stem "
            f"({', '.join(labels)}): rename one so its cases keep distinct keys"
        )
    first = docs[0]
    cases: list[Case] = []
    warnings: list[str] = []
    for label, doc in zip(labels, docs, strict=True):
        cases.extend(dataclasses.replace(c, key=f"{label}:{c.key}", run=label) for c in doc.cases)
        warnings.extend(w for w in doc.warnings if w not in warnings)
    processes: list[WorkerProcess] = [
        dataclasses.replace(p, run=label)
        for label, d in zip(labels, docs, strict=True)
        for p in d.machine.processes
    ]
    return Document(
        schema=SCHEMA_VERSION,
        skbbench=__version__,
        created=first.created,
        command="run",
        processes=max(d.processes for d in docs),
        config={
            "runs": [
                {"label": lb, "command": d.command, "config": d.config}
                for lb, d in zip(labels, docs, strict=True)
            ]
        },
        machine=dataclasses.replace(first.machine, processes=processes),
        warnings=warnings,
        cases=cases,
    )


def split_document(doc: Document) -> list[Document]:
    """The per-config documents of a merged ``run`` document (each rendered with its
    family's report); any other document is returned as the only element."""
    if not doc.merged:
        return [doc]
    out = []
    for part in doc.runs():
        prefix = f"{part.label}:"
        cases = [
            dataclasses.replace(c, key=c.key[len(prefix) :], run=None)
            for c in doc.cases
            if c.run == part.label
        ]
        procs = [
            dataclasses.replace(p, run=None) for p in doc.machine.processes if p.run == part.label
        ]
        out.append(
            dataclasses.replace(
                doc,
                command=part.command,
                config=part.config,
                cases=cases,
                machine=dataclasses.replace(doc.machine, processes=procs),
            )
        )
    return out
