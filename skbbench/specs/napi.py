"""Spec of `skbbench napi` (the skb recycle loops on the skb, page_frag, SLUB and page
allocator models): options, defaults, checks, kernel variants, workloads, case names."""

from __future__ import annotations

from dataclasses import dataclass

from skbbench.family import Family, PlotAxes
from skbbench.spec import U32_MAX, RunConfig, fail, option, set_field

# Kernel variants (`--variants`, `--compare A,B`): name -> table label, description.
VARIANTS = ("v4.4", "v4.6", "rfc-bulk-alloc", "v5.12", "v6.19")
LABELS = {
    "v4.4": "v4.4",
    "v4.6": "v4.6 bulk free",
    "rfc-bulk-alloc": "RFC bulk alloc",
    "v5.12": "v5.12 NAPI cache",
    "v6.19": "v6.19 NAPI cache",
}
DESCRIPTIONS = {
    "v4.4": "heads allocated and freed one by one (kmem_cache_alloc / kfree_skbmem)",
    "v4.6": "napi_consume_skb: 64-entry defer array, kmem_cache_free_bulk when full, "
    "__kfree_skb_flush at the end of net_rx_action and net_tx_action",
    "rfc-bulk-alloc": "Oct 2015 RFC: the defer array also feeds RX, refilled by "
    "kmem_cache_alloc_bulk of 8 heads",
    "v5.12": "persistent NAPI cache 64/16/32: napi_build_skb, napi_skb_cache_get/put, no flush",
    "v6.19": "NAPI cache 128/32/32; remote skbs deferred to their alloc_cpu",
}
WORKLOADS = ("drop", "forward", "remote", "irq-free")
WORKLOAD_TEXT = {
    "drop": "kfree_skb in the same poll (an early iptables drop)",
    "forward": "RX -> TX on the same CPU, freed at TX completion one or more polls later",
    "remote": "RX on CPU A, handed to CPU B's backlog and consumed there (remote frees)",
    "irq-free": "TX completion in hard-IRQ context: completion queue and net_tx_action",
}

# The seed posts' network budget: 10 Gbit/s, 64-byte frames + 20 bytes preamble/IFG.
WIRE_SPEED_NS = 67.2

DEFAULT_PACKETS = 500_000
DEFAULT_SETTLE = 8_000
CHECK_PACKETS = 2_000
MAX_RING = 16384
GROUP = "napi_bench"


def case_name(workload: str, variant: str) -> str:
    """The Type: name of one workload on one kernel variant."""
    return f"napi-{workload} {variant}"


def thread_case_name(variant: str) -> str:
    """The Type: name of the two-thread remote run (one line per CPU)."""
    return f"napi-remote-threads {variant}"


@dataclass(frozen=True)
class NapiConfig(RunConfig):
    NAME = "napi"

    variants: tuple[str, ...] = option(
        "str_list",
        VARIANTS,
        "Kernel variants to run.",
        choices=VARIANTS,
        length=(1, len(VARIANTS)),
    )
    workloads: tuple[str, ...] = option(
        "str_list",
        WORKLOADS,
        "Workloads: drop (freed in the same poll), forward (freed at TX completion), remote "
        "(consumed on a second CPU), irq-free (freed through the completion queue).",
        choices=WORKLOADS,
        length=(1, len(WORKLOADS)),
    )
    compare: tuple[str, ...] = option(
        "str_list",
        (),
        "The two variants A,B of the before/after table (improved = (A-B)/A); both must "
        "be among --variants.",
        choices=VARIANTS,
        length=(2, 2),
        metavar="A,B",
        shown_default="the first two of --variants (no table for one variant)",
    )
    packets: int = option(
        "int",
        0,
        "Packets received per timed run.",
        min=1000,
        max=U32_MAX,
        shown_default=f"{DEFAULT_PACKETS:,}; {CHECK_PACKETS:,} with --check",
    )
    settle: int = option(
        "int",
        DEFAULT_SETTLE,
        "Packets run untimed before each timed run, so rings, caches and slabs are in "
        "steady state.",
        min=0,
        max=U32_MAX,
    )
    budget: int = option("int", 64, "NAPI poll budget (NAPI_POLL_WEIGHT 64).", min=0, max=MAX_RING)
    netdev_budget: int = option(
        "int", 300, "Packets per net_rx_action (netdev_budget 300).", min=1, max=1_000_000
    )
    rx_ring: int = option("int", 512, "RX ring descriptors (a power of two).", min=0, max=MAX_RING)
    tx_ring: int = option("int", 512, "TX ring descriptors (a power of two).", min=0, max=MAX_RING)
    tx_inflight: int = option(
        "int",
        128,
        "TX descriptors the NIC has not completed yet at each TX clean (forward, irq-free).",
        min=0,
        max=MAX_RING,
    )
    tx_work: int = option(
        "int",
        256,
        "TX descriptors cleaned per poll at most (ixgbe work_limit 256).",
        min=1,
        max=MAX_RING,
    )
    cpus: int = option(
        "int",
        8,
        "Simulated CPUs (nr_cpu_ids: slab order; 8 -> order 1, 32 heads of 256 B per slab).",
        min=2,
        max=4096,
    )
    allocator: str = option(
        "choice",
        "slub",
        "The slab allocator model behind skbuff_head_cache: slub (v4.4), slab (v4.6 "
        "mm/slab.c), sheaves (v7.0's SLUB) or sheaves-6.18 (v6.18's opt-in sheaves, "
        "capacity 32, over v4.4-style cpu slabs).",
        choices=("slub", "slab", "sheaves", "sheaves-6.18"),
    )
    profile: str = option(
        "choice",
        "published",
        "Kernel-only costs (IRQ/BH/preempt disabling): published time_bench values, or zero.",
        choices=("published", "zero"),
    )
    reusable_check: bool = option(
        "bool",
        False,
        "v5.12: dev_page_is_reusable(virt_to_head_page(skb)) on every cache put (the check "
        "the v5.12 post measured and dropped).",
    )
    threads: int = option(
        "int",
        0,
        "0: all simulated CPUs in one thread (deterministic); 2: also run `remote` with RX "
        "and consumer on two pinned real threads.",
        min=0,
        max=2,
    )
    check: bool = option(
        "bool",
        False,
        "SLUB_DEBUG-like validation of the slab cache after every allocator call (slow; "
        "the two-thread runs stay unchecked).",
    )

    def __post_init__(self) -> None:
        if not self.packets:
            set_field(self, "packets", CHECK_PACKETS if self.check else DEFAULT_PACKETS)
        for key in ("variants", "workloads"):
            values = getattr(self, key)
            if len(set(values)) != len(values):
                raise fail(key, f"listed twice: {','.join(values)}")
        if not self.compare:
            set_field(self, "compare", self.variants[:2] if len(self.variants) > 1 else ())
        elif self.compare[0] == self.compare[1]:
            raise fail(
                "compare", f"expected two different variants A,B, got {','.join(self.compare)}"
            )
        else:
            absent = [v for v in self.compare if v not in self.variants]
            if absent:
                raise fail(
                    "compare",
                    f"{','.join(absent)} {'is' if len(absent) == 1 else 'are'} not run "
                    f"(--variants {','.join(self.variants)}): add to --variants or compare "
                    "two that are run",
                )
        for key in ("rx_ring", "tx_ring"):
            n = getattr(self, key)
            if n < 8 or n & (n - 1):
                raise fail(key, f"{n} is not a power of two between 8 and {MAX_RING}")
        if not 1 <= self.budget <= self.rx_ring:
            raise fail("budget", f"{self.budget} must be 1..rx_ring ({self.rx_ring})")
        if self.tx_inflight >= self.tx_ring:
            raise fail("tx_inflight", f"{self.tx_inflight} must be below tx_ring ({self.tx_ring})")
        if self.threads == 1:
            raise fail("threads", "1: use 0 (one thread) or 2 (RX and consumer threads)")
        if self.threads and "remote" not in self.workloads:
            raise fail("threads", "the two-thread mode runs the remote workload: add it")


FAMILY = Family(
    config=NapiConfig,
    help=(
        "The skb recycle loops of the NAPI bulk-free and NAPI-cache posts: an ixgbe-style "
        "NAPI driver loop on skb, page_frag, slab (SLUB, SLAB or sheaves) and page allocator "
        "models, "
        "per kernel variant and workload, in cycles(tsc) per packet."
    ),
    modules=lambda cfg: ["skbbench.bench.napi_bench"],
    report="skbbench.report.napi_table",
    plot=PlotAxes(
        x="workload",
        xlabel="workload",
        unit="packet",
        title="per-packet cost by workload and kernel variant",
        categorical=True,
        log_x=False,
    ),
)
