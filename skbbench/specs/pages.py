"""Spec of `skbbench pages` (page_bench01, page_bench02, page_bench04_bulk, page_bench05 on
the v4.6 page allocator model): options, checks, module and case names."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family, PlotAxes
from skbbench.model.mmzone import MAX_ORDER, PAGE_ALLOC_COSTLY_ORDER
from skbbench.model.pages_layout import PTR_RING_MAX_SIZE
from skbbench.spec import U32_MAX, RunConfig, fail, option, set_field

# Groups = the original modules, in the order they run.
PAGE_BENCH01 = "page_bench01"
PAGE_BENCH02 = "page_bench02"
PAGE_BENCH04 = "page_bench04_bulk"
PAGE_BENCH05 = "page_bench05"
GROUPS = (PAGE_BENCH01, PAGE_BENCH02, PAGE_BENCH04, PAGE_BENCH05)
MODULES = {  # the printing module (kernel log prefix) of each group
    PAGE_BENCH01: "page_bench01",
    PAGE_BENCH02: "page_bench02",
    PAGE_BENCH04: "page_bench04_bulk",
    PAGE_BENCH05: "page_bench05_cross_cpu",
}

# Case (Type:) names.
SINGLE_ALLOC_FREE = "single_page_alloc_free"  # page_bench01
ORDER_STEP = "alloc_pages_order_step"  # page_bench01, step = order
PUT_ORDER_STEP = "put_order_step"  # page_bench01, step = order
OUTSTANDING = "step_outstanding_pages"  # page_bench02, step = N
SINGLE_ALLOC_PUT = "single_page_alloc_put"  # page_bench04_bulk
BULK_LIST = "time_bulk_page_alloc_free_list"  # page_bench04_bulk, step = bulk
BULK_ARRAY = "time_bulk_page_alloc_free_array"
CROSS_CPU = "cross_cpu_page_alloc_put"  # page_bench05, parallel

LOOP_FACTOR = 10  # page_bench01: loops x 10 for single pages and order <= COSTLY_ORDER
DEFAULT_ORDERS = tuple(range(10))  # page_bench01 alloc_pages_order_step: 0..9
DEFAULT_PUT_ORDERS = tuple(range(5))  # put_order_step: 0..4
DEFAULT_OUTSTANDING = tuple(1 << i for i in range(14))  # 1, 2, 4 ... 8192
DEFAULT_BULKS = (1, 2, 3, 4, 8, 16, 32, 64, 128)
ARRAY_SZ = 128  # page_bench04_bulk's array
MAX_OUTSTANDING = 1 << 16
MAX_ORDER_ALLOWED = MAX_ORDER - 1  # orders 0..10; alloc_pages fails for order >= MAX_ORDER
COSTLY_ORDER = PAGE_ALLOC_COSTLY_ORDER

# The plot of this family: cycles per page against outstanding pages (page_bench02).
SERIES_OUTSTANDING = "outstanding pages"


def order_loops(loops: int, order: int) -> int:
    """page_bench01's iterations for ``order``: loops x 10 up to PAGE_ALLOC_COSTLY_ORDER."""
    return loops * LOOP_FACTOR if order <= COSTLY_ORDER else loops


def outstanding_invoked(loops: int, n: int) -> int:
    """page_bench02: whole rounds of N pages until >= loops pages: ceil(loops / N) * N."""
    return -(-loops // n) * n


def _orders(key: str, orders: tuple[int, ...]) -> None:
    for o in orders:
        if o > MAX_ORDER_ALLOWED:
            raise fail(
                key,
                f"order {o} is above MAX_ORDER - 1 = {MAX_ORDER_ALLOWED} "
                f"(alloc_pages fails for order >= MAX_ORDER {MAX_ORDER})",
            )


@dataclass(frozen=True)
class PagesConfig(RunConfig):
    NAME = "pages"

    groups: tuple[str, ...] = option(
        "str_list", (), "Subset of the modules to run.", choices=GROUPS, shown_default="all"
    )
    loops: int = option(
        "int",
        50_000,
        "page_bench01 loops (the original's 1,000,000): single_page_alloc_free and orders "
        f"<= {COSTLY_ORDER} run loops x {LOOP_FACTOR}.",
        min=1000,
        max=U32_MAX // LOOP_FACTOR,
    )
    orders: tuple[int, ...] = option(
        "int_list",
        DEFAULT_ORDERS,
        f"Orders of alloc_pages_order_step (the original's 0..9; at most {MAX_ORDER_ALLOWED}).",
        min=0,
    )
    put_orders: tuple[int, ...] = option(
        "int_list",
        DEFAULT_PUT_ORDERS,
        f"Orders of put_order_step (the original's 0..4; at most {MAX_ORDER_ALLOWED}).",
        min=0,
    )
    outstanding_loops: int = option(
        "int",
        100_000,
        "page_bench02 loops: pages per step_outstanding_pages step (the original's 100,000).",
        min=1000,
        max=U32_MAX // 2,
    )
    outstanding: tuple[int, ...] = option(
        "int_list",
        DEFAULT_OUTSTANDING,
        "The N of step_outstanding_pages (the original's 1, 2, 4 ... 8192).",
        min=1,
        max=MAX_OUTSTANDING,
    )
    page_order: int = option(
        "int",
        0,
        "page_bench02/05 page_order (the original's 0).",
        min=0,
    )
    bulk_loops: int = option(
        "int",
        100_000,
        "page_bench04_bulk loops (the original's 1,000,000): loops / bulk calls per bulk size.",
        min=1000,
        max=U32_MAX // 2,
    )
    bulks: tuple[int, ...] = option(
        "int_list",
        DEFAULT_BULKS,
        f"Bulk sizes of page_bench04_bulk (the original's 1..128; at most ARRAY_SZ {ARRAY_SZ}).",
        min=1,
        max=ARRAY_SZ,
    )
    cross_loops: int = option(
        "int",
        100_000,
        "page_bench05 loops per CPU (the original's 1,000,000).",
        min=1000,
        max=U32_MAX // 2,
    )
    q_size: int = option(
        "int",
        64_000,
        "page_bench05 transfer ptr_ring size (the original's 64,000).",
        min=2,
        max=PTR_RING_MAX_SIZE,
    )
    prefill: int = option(
        "int",
        32_000,
        "page_bench05: real pages queued before the run (the original's 32,000).",
        min=0,
        max=PTR_RING_MAX_SIZE,
    )
    profile: str = option(
        "choice",
        "published",
        "Kernel-only costs (local_irq_save/restore 37 cycles around the per-CPU lists): "
        "published time_bench values, or zero.",
        choices=("published", "zero"),
    )

    def __post_init__(self) -> None:
        if not self.groups:
            set_field(self, "groups", GROUPS)
        _orders("orders", self.orders)
        _orders("put_orders", self.put_orders)
        _orders("page_order", (self.page_order,))
        if self.prefill > self.q_size:
            raise fail("prefill", f"{self.prefill} is larger than q_size {self.q_size}")


FAMILY = Family(
    config=PagesConfig,
    help=(
        "page_bench01/02/04_bulk/05: the v4.6 page allocator model (buddy lists, per-CPU "
        "lists batch 31 / high 186, zone lock, compound pages, alloc_pages_bulk), single "
        "pages, orders, N outstanding pages, bulk, and alloc/free across two pinned CPUs."
    ),
    modules=lambda cfg: [f"skbbench.bench.{g}" for g in GROUPS if g in cfg.groups],
    report="skbbench.report.pages_table",
    plot=PlotAxes(
        series="series",
        x="outstanding",
        xlabel="outstanding pages (N allocated before they are freed)",
        unit="page",
        title="per-page cost against pages outstanding",
    ),
)
