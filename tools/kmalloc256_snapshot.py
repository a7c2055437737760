"""Read a host's kmalloc-256 occupancy and traffic: the defaults of ``--setup merged``.

Prints YAML (the shape of skbbench/data/merged_kmalloc256.yaml): the sysfs files of
/sys/kernel/slab/kmalloc-256 (root only on recent kernels) and, with ``--trace N``, a
``perf record`` of kmem:kmalloc / kmem:kfree for N seconds, reduced to kmalloc-256
allocations per second per CPU and how their frees matched (same CPU, other CPU, still
live). Needs perf and root for the trace.

    python tools/kmalloc256_snapshot.py [--cache kmalloc-256] [--trace 10]

What sysfs can and cannot tell (docs/model.md): ``objects`` counts every object not on a
*node* partial list as in use, including free objects of cpu slabs and cpu partial
slabs; ``slabs_cpu_partial`` gives, per CPU, the number of slabs on its cpu partial list
(the objects figure printed beside it is an estimate on v5.16+ kernels, half a slab
each); the fill of cpu slabs is not visible.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FILES = (
    "objects",
    "objects_partial",
    "partial",
    "slabs",
    "total_objects",
    "cpu_slabs",
    "slabs_cpu_partial",
    "objs_per_slab",
    "order",
    "cpu_partial",
    "min_partial",
    "aliases",
)


def sysfs(cache: str) -> dict[str, str]:
    base = Path("/sys/kernel/slab") / cache
    out = {}
    for name in FILES:
        try:
            out[name] = (base / name).read_text().strip()
        except OSError as exc:
            out[name] = f"unreadable ({exc.strerror})"
    return out


def trace(seconds: int, size: int) -> dict[str, object]:
    """kmalloc allocations of ``size`` bytes (unaccounted: the plain kmalloc cache)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        cmd = ["perf", "record", "-a", "-q", "-e", "kmem:kmalloc", "-e", "kmem:kfree"]
        subprocess.run([*cmd, "-o", str(data), "sleep", str(seconds)], check=True)
        text = subprocess.run(
            ["perf", "script", "-i", str(data), "-F", "cpu,time,event,trace"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    live: dict[str, int] = {}
    allocs: dict[int, int] = {}
    same = other = 0
    pattern = re.compile(r"\s*\[(\d+)\]\s+[\d.]+:\s+(\S+):\s+(.*)")
    for line in text.splitlines():
        m = pattern.match(line)
        if not m:
            continue
        cpu, event, rest = int(m.group(1)), m.group(2), m.group(3)
        ptr = re.search(r"ptr=(\S+)", rest)
        if not ptr:
            continue
        if (
            event == "kmem:kmalloc"
            and f"bytes_alloc={size} " in rest
            and "accounted=true" not in rest
        ):
            live[ptr.group(1)] = cpu
            allocs[cpu] = allocs.get(cpu, 0) + 1
        elif event == "kmem:kfree" and ptr.group(1) in live:
            if live.pop(ptr.group(1)) == cpu:
                same += 1
            else:
                other += 1
    total = sum(allocs.values())
    return {
        "seconds": seconds,
        "allocs": total,
        "allocs_per_s": round(total / seconds, 3),
        "allocs_per_cpu": {f"cpu{c}": n for c, n in sorted(allocs.items())},
        "frees_same_cpu": same,
        "frees_other_cpu": other,
        "still_live": len(live),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="kmalloc-256")
    ap.add_argument("--trace", type=int, default=0, help="seconds of perf trace (0: none)")
    args = ap.parse_args()
    print(f"cache: {args.cache}")
    print("sysfs:")
    for k, v in sysfs(args.cache).items():
        print(f"  {k}: {v!r}")
    if args.trace:
        size = int(re.sub(r"\D", "", args.cache) or 256)
        print("trace:")
        for key, value in trace(args.trace, size).items():
            print(f"  {key}: {value}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
