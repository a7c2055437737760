/*
 * Plain C rendering of the SLUB model's exported alloc/free fast paths
 * (skbbench.model.slub with the default Kconfig, counters compiled out):
 * kmem_cache_alloc -> slab_pre_alloc_hook + slab_alloc_node + slab_post_alloc_hook +
 * trace_kmem_cache_alloc, and kmem_cache_free -> cache_from_obj + slab_free +
 * trace_kmem_cache_free, on the SAME machine array and data layout, with the same
 * instructions the kernel has there: the unlocked cmpxchg16b of this_cpu_cmpxchg_double,
 * prefetchnta of the next free pointer, a 5-byte nop per disabled static key
 * (tracepoints, memcg_kmem_enabled), node_match's c->page test. Both exported functions
 * are noinline, as EXPORT_SYMBOL functions called from a module are.
 *
 * The slow paths (__slab_alloc, __slab_free) are noinline stubs that are never reached
 * by the fastpath-reuse loop; reaching one ends the loop. Word offsets come from the
 * model via -D (tools/cref_slub.py). Built with gcc -O2 (the kernel's optimisation level).
 */
#include <stdint.h>

typedef uint64_t u64;

#define barrier() __asm__ __volatile__("" ::: "memory")
#define static_branch_nop() __asm__ __volatile__(".byte 0x0f,0x1f,0x44,0x00,0x00")

static inline u64 tsc_start(void)
{
	unsigned int lo, hi;
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((u64)hi << 32) | lo;
}

static inline u64 tsc_stop(void)
{
	unsigned int lo, hi, aux;
	__asm__ __volatile__("rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	return ((u64)hi << 32) | lo;
}

/* this_cpu_cmpxchg_double: cmpxchg16b without lock (percpu_cmpxchg16b_double) */
static inline int cmpxchg16b_local(u64 *p, u64 o1, u64 o2, u64 n1, u64 n2)
{
	unsigned char ok;
	__asm__ __volatile__("cmpxchg16b %1\n\tsetz %0"
			     : "=q"(ok), "+m"(*(unsigned __int128 *)p), "+a"(o1), "+d"(o2)
			     : "b"(n1), "c"(n2)
			     : "memory", "cc");
	return ok;
}

static inline void prefetchnta(const void *x)
{
	__asm__ __volatile__("prefetchnta (%0)" : : "r"(x));
}

static inline u64 cpu_slab(u64 *s, u64 cpu)
{
	return s[H_CPU_BASE] + cpu * CPU_WORDS;
}

static inline u64 get_freepointer(u64 *s, u64 obj)
{
	return s[(obj + s[H_OFFSET]) >> 3];
}

static inline void set_freepointer(u64 *s, u64 obj, u64 fp)
{
	s[(obj + s[H_OFFSET]) >> 3] = fp;
}

static inline u64 virt_to_head_page(u64 *s, u64 x)
{
	u64 pfn = x >> PAGE_SHIFT;
	u64 ch = s[s[MH_VMEMMAP] + pfn * RECW + PG_CH];

	return (ch & 1) ? ch >> 1 : pfn;
}

/* slow paths: not part of the rendering; reaching one ends the loop */
__attribute__((noinline)) static u64 __slab_alloc(u64 *s, u64 cpu)
{
	(void)s;
	(void)cpu;
	return 0;
}

__attribute__((noinline)) static int __slab_free(u64 *s, u64 cpu)
{
	(void)s;
	(void)cpu;
	return -1;
}

/* kmem_cache_alloc(s, gfpflags) */
__attribute__((noinline)) u64 kmem_cache_alloc(u64 *s, u64 cpu, u64 gfp)
{
	u64 c = cpu_slab(s, cpu), obj, tid, next;

	/* slab_pre_alloc_hook */
	if ((gfp & s[H_GFP_ALLOWED]) & GFP_DIRECT_RECLAIM)
		barrier(); /* might_sleep_if() */
	static_branch_nop(); /* memcg_kmem_get_cache: memcg_kmem_enabled() off */
	for (;;) {
		tid = s[c + C_TID];
		barrier();
		obj = s[c + C_FREELIST];
		if (!obj || !s[c + C_PAGE]) { /* !node_match(page, NUMA_NO_NODE) */
			obj = __slab_alloc(s, cpu);
			break;
		}
		next = get_freepointer(s, obj);
		if (cmpxchg16b_local(&s[c + C_FREELIST], obj, tid, next, tid + s[H_TID_STEP])) {
			prefetchnta((char *)s + next + s[H_OFFSET]);
			break;
		}
	}
	if ((gfp & GFP_ZERO) && obj) {
		u64 w;
		for (w = obj >> 3; w < (obj + s[H_OBJECT_SIZE] + 7) >> 3; w++)
			s[w] = 0;
	}
	static_branch_nop(); /* slab_post_alloc_hook: memcg_kmem_put_cache */
	static_branch_nop(); /* trace_kmem_cache_alloc */
	return obj;
}

/* kmem_cache_free(s, x): 0, or -1 when the slow path was needed */
__attribute__((noinline)) int kmem_cache_free(u64 *s, u64 cpu, u64 x)
{
	u64 c = cpu_slab(s, cpu), page, tid, freelist;
	int ret = 0;

	static_branch_nop(); /* cache_from_obj: !memcg_kmem_enabled() */
	if (s[H_FLAGS] & SLAB_DEBUG_FREE)
		return -1; /* (no debug flags here) */
	page = virt_to_head_page(s, x);
	for (;;) {
		tid = s[c + C_TID];
		barrier();
		if (page != s[c + C_PAGE]) {
			ret = __slab_free(s, cpu);
			break;
		}
		freelist = s[c + C_FREELIST];
		set_freepointer(s, x, freelist);
		if (cmpxchg16b_local(&s[c + C_FREELIST], freelist, tid, x, tid + s[H_TID_STEP]))
			break;
	}
	static_branch_nop(); /* trace_kmem_cache_free */
	return ret;
}

/* kmem fastpath reuse: alloc + barrier + free of the same object; returns the count */
u64 slub_fastpath_reuse(u64 *s, u64 cpu, u64 loops, u64 *ticks)
{
	u64 cnt = 0, i, t0, t1, x;

	t0 = tsc_start();
	for (i = 0; i < loops; i++) {
		x = kmem_cache_alloc(s, cpu, 0);
		if (!x)
			break;
		barrier();
		if (kmem_cache_free(s, cpu, x))
			break;
		cnt++;
	}
	t1 = tsc_stop();
	*ticks = t1 - t0;
	return cnt;
}
