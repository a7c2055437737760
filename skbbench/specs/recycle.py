"""Spec of `skbbench recycle`: the April 2016 debate as an experiment -- an RX ring whose
pages are recycled by the page allocator, by Eric Dumazet's refcount reuse or by a
page_pool, under a router and a host workload (docs/recycle.md)."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family, PlotAxes
from skbbench.model.pages_layout import PP_RING_MAX, PP_VERSIONS
from skbbench.spec import U32_MAX, RunConfig, fail, option, set_field

ROUTER = "router"  # pages come back at TX completion, on the RX CPU, in softirq
HOST = "host"  # an application on another CPU releases them after a random delay
WORKLOADS = (ROUTER, HOST)
PAGE_ALLOCATOR = "page_allocator"
REFCOUNT = "refcount"
PAGE_POOL = "page_pool"
STRATEGIES = (PAGE_ALLOCATOR, REFCOUNT, PAGE_POOL)
STRATEGY_LABELS = {
    PAGE_ALLOCATOR: "page allocator",
    REFCOUNT: "refcount reuse",  # Eric Dumazet's page_count == 1 rule
    PAGE_POOL: "page_pool",
}
CASE_NAMES = {  # Type: names
    PAGE_ALLOCATOR: "rx_recycle_page_allocator",
    REFCOUNT: "rx_recycle_refcount_reuse",
    PAGE_POOL: "rx_recycle_page_pool",
}
MODULE = "rx_recycle"
DEFAULT_HOLD_MEANS = (16, 64, 256, 1024, 4096)
MAX_DELAY = 1 << 16


def warm_packets(ring: int, delay: int) -> int:
    """Untimed packets before the window: two ring cycles plus ten delays (the holding
    population and the pools have reached their steady state)."""
    return 2 * ring + 10 * delay


@dataclass(frozen=True)
class RecycleConfig(RunConfig):
    NAME = "recycle"

    workloads: tuple[str, ...] = option(
        "str_list", WORKLOADS, "Workloads to run.", choices=WORKLOADS
    )
    strategies: tuple[str, ...] = option(
        "str_list", STRATEGIES, "Recycling strategies to compare.", choices=STRATEGIES
    )
    ring: int = option(
        "int", 512, "RX ring size in pages (ixgbe's default 512 descriptors).", min=8, max=8192
    )
    packets: int = option(
        "int", 200_000, "Packets in each timed window (one page each).", min=1000, max=U32_MAX
    )
    tx_delay: tuple[int, ...] = option(
        "int_list",
        (64,),
        "router: packets between RX and the TX completion that releases the page (64 = one "
        "NAPI budget: the TX ring is cleaned in the next poll).",
        min=0,
        max=MAX_DELAY,
    )
    hold_means: tuple[int, ...] = option(
        "int_list",
        DEFAULT_HOLD_MEANS,
        "host: mean holding delays swept, in packets; each page is released after a delay "
        "drawn from an exponential distribution with that mean (rounded down).",
        min=0,
        max=MAX_DELAY,
    )
    seed: int = option(
        "int", 1, "Seed of the holding delays (runs with one seed count identically).", min=0
    )
    warm: int = option(
        "int",
        0,
        "Untimed packets before each window.",
        min=0,
        max=U32_MAX,
        shown_default="2 x ring + 10 x the delay",
    )
    version: str = option(
        "choice", "modern", "page_pool version: v4.18 or modern (v6.19).", choices=PP_VERSIONS
    )
    pool_size: int = option(
        "int",
        0,
        f"page_pool ptr_ring size (at most {PP_RING_MAX}).",
        min=0,
        shown_default="the RX ring size",
    )
    profile: str = option(
        "choice",
        "published",
        "Kernel-only costs (local_irq_save/restore 37, local_bh 18 cycles): published "
        "time_bench values, or zero.",
        choices=("published", "zero"),
    )

    def __post_init__(self) -> None:
        for key in ("workloads", "strategies"):
            values = getattr(self, key)
            if len(set(values)) != len(values):
                raise fail(key, f"{','.join(values)} names one twice")
        if self.pool_size > PP_RING_MAX:
            raise fail(
                "pool_size",
                f"{self.pool_size}: the page_pool's ptr_ring is at most {PP_RING_MAX} "
                "(page_pool_init: -E2BIG)",
            )
        if not self.pool_size:
            set_field(self, "pool_size", self.ring)


FAMILY = Family(
    config=RecycleConfig,
    help=(
        "The page_pool debate (netdev/linux-mm, April 2016) as an experiment: RX pages "
        "recycled by the page allocator, refcount reuse (page_count == 1) or page_pool, "
        "under a router workload and a host workload with a swept holding delay."
    ),
    modules=lambda cfg: ["skbbench.bench.rx_recycle"],
    report="skbbench.report.recycle_table",
    plot=PlotAxes(
        series="series",
        x="delay",
        xlabel="delay before the page is released (packets; host: mean)",
        unit="page",
        title="per-page cost against the release delay",
    ),
)
