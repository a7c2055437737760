"""skbbench: the Linux skb/slab bulking micro-benchmarks, replicated in userspace."""

__version__ = "0.1.0"
