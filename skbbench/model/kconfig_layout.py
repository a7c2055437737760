"""The Kconfig-like options of the SLUB model: keys, bits, defaults and their sources.

Pure Python (no numba): specs parse ``--kconfig KEY=y,KEY=n`` with it, the models read
the bits through a compile-time flavor (skbbench.harness.flavor), so an option that is
off is not in the compiled code, as in the kernel. Defaults are those of a distribution
kernel of the v4.4 era (docs/model.md, "Kconfig"); ``SLUB_STATS`` is the exception: the
kernels the posts measured had it off, and so do the model's timed runs, whatever it is
set to here, unless it is set explicitly (counters then come from a replay).
"""

from __future__ import annotations

from dataclasses import dataclass

# Bits of the flavor flags (skbbench.harness.flavor.Flavor) the SLUB model reads.
SLUB_STATS = 1 << 0  # stat(): counters incremented (CONFIG_SLUB_STATS)
LOCKED_CPU_CMPXCHG = 1 << 1  # what-if: this_cpu_cmpxchg_double as lock cmpxchg16b
TRACEPOINTS = 1 << 2  # trace_kmem_cache_alloc/free: a static-key nop each
MEMCG_KMEM = 1 << 3  # memcg_kmem_enabled(): a static-key nop at each hook
MEMCG_KMEM_ACTIVE = 1 << 4  # ... and the key is on: the memcg paths run
FAILSLAB = 1 << 5  # should_failslab(): an out-of-line call per allocation
NUMA = 1 << 6  # node_match() reads c->page in the alloc fastpath
PREEMPT = 1 << 7  # the fastpaths re-read c->tid until it is this CPU's
LOOKAHEAD_SHIFT = 16  # build_detached_freelist's lookahead (3 in v4.4)
LOOKAHEAD_MASK = 0xFF
DEFAULT_LOOKAHEAD = 3
# Bits 48..62 belong to the benchmark kernels that pass the flavor (not Kconfig options).
KCONFIG_MASK = (1 << 48) - 1  # the bits the models read


@dataclass(frozen=True)
class KconfigOption:
    key: str
    bit: int
    default: bool
    help: str
    source: str


OPTIONS: tuple[KconfigOption, ...] = (
    KconfigOption(
        "SLUB_STATS",
        SLUB_STATS,
        False,
        "CONFIG_SLUB_STATS: count stat_item events inside the timed runs",
        "off in distribution kernels (a debugging option, 'default n' in init/Kconfig "
        "v4.4); the seed post counted with perf probes instead",
    ),
    KconfigOption(
        "TRACEPOINTS",
        TRACEPOINTS,
        True,
        "CONFIG_TRACEPOINTS: trace_kmem_cache_alloc/free as disabled static keys",
        "on in every distribution kernel (ftrace/perf); the seed post's kernel had "
        "CONFIG_FTRACE for its perf probes",
    ),
    KconfigOption(
        "MEMCG_KMEM",
        MEMCG_KMEM,
        True,
        "CONFIG_MEMCG_KMEM: memcg hooks behind the memcg_kmem_enabled() static key",
        "on in Fedora, RHEL 7 and Ubuntu 16.04 kernels of the time (memory cgroups for "
        "systemd and containers)",
    ),
    KconfigOption(
        "MEMCG_KMEM_ACTIVE",
        MEMCG_KMEM_ACTIVE,
        False,
        "memcg_kmem_enabled() is true at run time: the memcg paths of the hooks run "
        "(the benchmark's task in the root memory cgroup)",
        "v4.4 turns the key on only when a cgroup-v1 kmem limit is first set "
        "(memcg_activate_kmem, mm/memcontrol.c); systemd of the time set none",
    ),
    KconfigOption(
        "FAILSLAB",
        FAILSLAB,
        False,
        "CONFIG_FAILSLAB: should_failslab() called per allocation (probability 0)",
        "fault injection is a 'Kernel hacking' option, left off in release kernels",
    ),
    KconfigOption(
        "NUMA",
        NUMA,
        True,
        "CONFIG_NUMA: node_match(page, NUMA_NO_NODE) tests c->page in the alloc fastpath",
        "on in x86-64 distribution kernels",
    ),
    KconfigOption(
        "PREEMPT",
        PREEMPT,
        False,
        "CONFIG_PREEMPT: the fastpaths loop until c->tid is read twice equal",
        "distribution kernels used PREEMPT_VOLUNTARY or PREEMPT_NONE; the posts' "
        "time_bench runs were CONFIG_PREEMPT=n (preempt cost 0)",
    ),
)
BY_KEY = {o.key: o for o in OPTIONS}
WHAT_IFS = {"locked-cmpxchg": LOCKED_CPU_CMPXCHG}
WHAT_IF_HELP = {
    "locked-cmpxchg": "this_cpu_cmpxchg_double as a locked cmpxchg16b instead of the "
    "kernel's unlocked one (what the lock prefix would cost)",
}


def default_flags() -> int:
    return sum(o.bit for o in OPTIONS if o.default) | (DEFAULT_LOOKAHEAD << LOOKAHEAD_SHIFT)


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, bool]:
    """``("KEY=y", "KEY=n")`` -> {KEY: bool}; ValueError naming the bad item."""
    out: dict[str, bool] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().upper().removeprefix("CONFIG_")
        value = value.strip().lower()
        if not sep or key not in BY_KEY:
            known = ", ".join(BY_KEY)
            raise ValueError(f"'{item}': expected KEY=y or KEY=n with KEY one of {known}")
        if value not in ("y", "n"):
            raise ValueError(f"'{item}': the value must be y or n")
        if key in out:
            raise ValueError(f"'{item}': {key} given twice")
        out[key] = value == "y"
    if out.get("MEMCG_KMEM_ACTIVE") and out.get("MEMCG_KMEM") is False:
        raise ValueError("MEMCG_KMEM_ACTIVE=y needs MEMCG_KMEM=y")
    return out


def flags_of(
    assignments: dict[str, bool], what_ifs: tuple[str, ...] = (), lookahead: int = 3
) -> int:
    """The flavor flags of a configuration (defaults, then the assignments)."""
    flags = 0
    for o in OPTIONS:
        if assignments.get(o.key, o.default):
            flags |= o.bit
    for w in what_ifs:
        flags |= WHAT_IFS[w]
    if flags & MEMCG_KMEM_ACTIVE and not flags & MEMCG_KMEM:
        raise ValueError("MEMCG_KMEM_ACTIVE=y needs MEMCG_KMEM=y")
    if not 0 <= lookahead <= LOOKAHEAD_MASK:  # 0: '!--lookahead' never stops the scan
        raise ValueError(f"lookahead {lookahead}: must be 0..{LOOKAHEAD_MASK}")
    return flags | (lookahead << LOOKAHEAD_SHIFT)


def describe(flags: int) -> str:
    """``KEY=y ...`` for the options set differently from their defaults (or 'defaults')."""
    diff = [
        f"{o.key}={'y' if flags & o.bit else 'n'}"
        for o in OPTIONS
        if bool(flags & o.bit) != o.default
    ]
    return " ".join(diff) if diff else "defaults"
