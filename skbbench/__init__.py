"""skbbench: the Linux skb/slab bulking micro-benchmarks, replicated in userspace."""

from skbbench.cachedir import configure_numba_cache

__version__ = "0.1.0"

configure_numba_cache()
