"""Spec of the toy family: a per-CPU array stack (push then pop) of N objects a call, one
at a time (``one``) or as one bulk copy (``bulk``)."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family, PlotAxes
from skbbench.spec import U32_MAX, RunConfig, fail, option

VARIANTS = ("one", "bulk")
CASE = "toy stack push+pop"


@dataclass(frozen=True)
class ToyConfig(RunConfig):
    NAME = "toy"

    loops: int = option("int", 100_000, "Elements per timed run.", min=1000, max=U32_MAX)
    sizes: tuple[int, ...] = option("int_list", (1, 8, 64), "Objects per call.", min=1, max=256)
    compare: tuple[str, ...] = option(
        "str_list", VARIANTS, "The variants A,B of the table.", choices=VARIANTS, length=(2, 2)
    )

    def __post_init__(self) -> None:
        if self.compare[0] == self.compare[1]:
            raise fail("compare", "expected two different variants")


FAMILY = Family(
    config=ToyConfig,
    help="toy_bench: a per-CPU array stack, one object at a time or in bulk.",
    modules=lambda cfg: ["tests.toyfamily.bench"],
    report="tests.toyfamily.report",
    plot=PlotAxes(x="size", xlabel="objects per call", title="per-object cost against call size"),
)
