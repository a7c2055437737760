/*
 * Plain C rendering of the sheaves model's exported alloc/free fast paths
 * (skbbench.model.sheaves, v7.0 form, default Kconfig, counters compiled out):
 * kmem_cache_alloc -> slab_alloc_node -> alloc_from_pcs, and kmem_cache_free ->
 * slab_free -> free_to_pcs, on the SAME machine array and data layout, with the same
 * steps: the per-CPU local_trylock (the 'acquired' word, a compiler barrier for each
 * preempt_disable/enable and the preempt cost test), objects[--size] / objects[size++]
 * on the main sheaf, the node and pfmemalloc test of the object's slab on free, a 5-byte
 * nop per disabled static key (tracepoints, memcg). Both exported functions are
 * noinline, as EXPORT_SYMBOL functions called from a module are.
 *
 * The slow paths (__pcs_replace_empty_main, __pcs_replace_full_main, ___slab_alloc,
 * __slab_free) are noinline stubs that the fastpath-reuse loop never reaches; reaching
 * one ends the loop. The preempt charge is the model's busy-wait call, made only when
 * the cost is not 0 (tools/cref_sheaves.py runs the zero profile). Word offsets come
 * from the model via -D (tools/cref_sheaves.py). Built with gcc -O2.
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

/* the busy-wait of a kernel-only cost (the model's out-of-line spin function) */
__attribute__((noinline, noipa)) static u64 spin(u64 iters)
{
	u64 i;

	for (i = 0; i < iters; i++)
		__asm__ __volatile__("" : "+r"(i));
	return 0;
}

static inline void preempt_charge(u64 *s)
{
	if ((int64_t)s[MH_COST_PREEMPT] > 0)
		spin(s[MH_COST_PREEMPT]);
}

static inline u64 this_pcs(u64 *s, u64 cpu)
{
	return s[SH_PCS_BASE] + cpu * PCS_WORDS;
}

static inline u64 numa_mem_id(u64 *s, u64 cpu)
{
	return s[s[SH_INFO_BASE] + cpu * INFO_WORDS + INFO_NODE];
}

static inline u64 virt_to_head_page(u64 *s, u64 x)
{
	u64 pfn = x >> PAGE_SHIFT;
	u64 ch = s[s[MH_VMEMMAP] + pfn * RECW + PG_CH];

	return (ch & 1) ? ch >> 1 : pfn;
}

/* local_trylock: preempt_disable; fail if 'acquired', else set it */
static inline int local_trylock(u64 *s, u64 pcs)
{
	barrier();
	if (s[pcs + PCS_LOCK]) {
		barrier();
		preempt_charge(s);
		return 0;
	}
	s[pcs + PCS_LOCK] = 1;
	return 1;
}

static inline void local_unlock(u64 *s, u64 pcs)
{
	s[pcs + PCS_LOCK] = 0;
	barrier();
	preempt_charge(s);
}

/* slow paths: not part of the rendering; reaching one ends the loop */
static int reached_slow;

__attribute__((noinline, noipa)) static int __pcs_replace_empty_main(u64 *s, u64 cpu, u64 gfp)
{
	(void)gfp;
	local_unlock(s, this_pcs(s, cpu));
	reached_slow = 1;
	return 0;
}

__attribute__((noinline, noipa)) static int __pcs_replace_full_main(u64 *s, u64 cpu)
{
	local_unlock(s, this_pcs(s, cpu));
	reached_slow = 1;
	return 0;
}

__attribute__((noinline, noipa)) static u64 ___slab_alloc(u64 *s, u64 cpu, u64 gfp, u64 node)
{
	(void)s, (void)cpu, (void)gfp, (void)node;
	reached_slow = 1;
	return 0;
}

__attribute__((noinline, noipa)) static void __slab_free(u64 *s, u64 cpu, u64 page, u64 head,
						  u64 tail, u64 cnt)
{
	(void)s, (void)cpu, (void)page, (void)head, (void)tail, (void)cnt;
	reached_slow = 1;
}

/* kmem_cache_alloc(s, gfpflags) */
__attribute__((noinline)) u64 kmem_cache_alloc(u64 *s, u64 cpu, u64 gfp)
{
	u64 flags = gfp & s[H_GFP_ALLOWED], pcs, main, size, obj = 0;

	if (flags & GFP_DIRECT_RECLAIM)
		barrier(); /* might_alloc() */
	/* alloc_from_pcs(s, flags, NUMA_NO_NODE) */
	pcs = this_pcs(s, cpu);
	if (local_trylock(s, pcs)) {
		main = s[pcs + PCS_MAIN];
		size = s[main + SHEAF_SIZE];
		if (!size) {
			if (!__pcs_replace_empty_main(s, cpu, flags))
				goto slow;
			main = s[pcs + PCS_MAIN];
			size = s[main + SHEAF_SIZE];
		}
		size--;
		obj = s[main + SHEAF_OBJECTS + size];
		s[main + SHEAF_SIZE] = size;
		local_unlock(s, pcs);
	}
slow:
	if (!obj)
		obj = ___slab_alloc(s, cpu, flags, (u64)-1);
	if ((flags & GFP_ZERO) && obj) {
		u64 w;
		for (w = obj >> 3; w < (obj + s[H_OBJECT_SIZE] + 7) >> 3; w++)
			s[w] = 0;
	}
	static_branch_nop(); /* memcg_slab_post_alloc_hook: memcg_kmem_online() off */
	static_branch_nop(); /* trace_kmem_cache_alloc */
	return obj;
}

/* kmem_cache_free(s, x) */
__attribute__((noinline)) void kmem_cache_free(u64 *s, u64 cpu, u64 x)
{
	u64 page = virt_to_head_page(s, x), flags, pcs, main, size;

	static_branch_nop(); /* trace_kmem_cache_free */
	static_branch_nop(); /* memcg_slab_free_hook */
	flags = s[s[MH_VMEMMAP] + page * RECW + PG_FLAGS];
	if ((flags >> NODE_SHIFT) != numa_mem_id(s, cpu) || (flags & PG_PFMEMALLOC))
		goto slow;
	/* free_to_pcs */
	pcs = this_pcs(s, cpu);
	if (!local_trylock(s, pcs))
		goto slow;
	main = s[pcs + PCS_MAIN];
	size = s[main + SHEAF_SIZE];
	if (size == s[SH_CAPACITY]) {
		if (!__pcs_replace_full_main(s, cpu))
			goto slow;
		main = s[pcs + PCS_MAIN];
		size = s[main + SHEAF_SIZE];
	}
	s[main + SHEAF_OBJECTS + size] = x;
	s[main + SHEAF_SIZE] = size + 1;
	local_unlock(s, pcs);
	return;
slow:
	__slab_free(s, cpu, page, x, x, 1);
}

/* kmem fastpath reuse: alloc + barrier + free of the same object; returns the count
 * (sheaves_reached_slow() tells whether a free left the fast path) */
u64 sheaves_fastpath_reuse(u64 *s, u64 cpu, u64 loops, u64 *ticks)
{
	u64 cnt = 0, i, t0, t1, x;

	reached_slow = 0;
	t0 = tsc_start();
	for (i = 0; i < loops; i++) {
		x = kmem_cache_alloc(s, cpu, 0);
		if (!x)
			break;
		barrier();
		kmem_cache_free(s, cpu, x);
		cnt++;
	}
	t1 = tsc_stop();
	*ticks = t1 - t0;
	return cnt;
}

/* did a call since the last sheaves_fastpath_reuse reach a slow path? */
int sheaves_reached_slow(void)
{
	return reached_slow;
}
