"""include/linux/mmzone.h constants the specs check options against (no numpy: `--help`
imports them)."""

MAX_ORDER = 11  # orders 0 .. MAX_ORDER - 1 (v4.6 CONFIG_FORCE_MAX_ZONEORDER default)
PAGE_ALLOC_COSTLY_ORDER = 3
