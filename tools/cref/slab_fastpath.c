/*
 * Plain C rendering of the SLAB model's alloc+free fast path (skbbench.model.slab):
 * kmem_cache_alloc -> ____cache_alloc (array-cache pop) and kmem_cache_free ->
 * __cache_free (array-cache push), on the SAME machine array and data layout, with the
 * same counter increments and the same (optional) IRQ-save busy-wait charge: an
 * out-of-line spin loop of the same iteration count as the model's.
 *
 * The slow paths (cache_alloc_refill, cache_flusharray, the alien path) are noinline
 * functions that are never reached by the fastpath-reuse loop; they stop the loop.
 * Word offsets come from skbbench.model.slab_layout via -D (see tools/cref_slab.py).
 * Built with gcc -O2 (the kernel's -O2; SIMD is irrelevant to this scalar code).
 */
#include <stdint.h>

typedef uint64_t u64;

#define barrier() __asm__ __volatile__("" ::: "memory")

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

/* the model's busy_wait: an out-of-line loop the compiler cannot fold */
__attribute__((noinline)) static u64 spin(u64 n)
{
	while ((int64_t)n > 0) {
		__asm__ __volatile__("" : "+r"(n));
		n--;
	}
	return n;
}

static inline void slab_stat(u64 *s, u64 cpu, u64 item)
{
	s[s[K_STAT_BASE] + cpu * STAT_STRIDE + item] += 1;
}

static inline u64 cpu_cache_get(u64 *s, u64 cpu)
{
	return s[K_CPU_BASE] + cpu * s[K_AC_STRIDE];
}

static inline void charge_irqsave(u64 *s, u64 cpu)
{
	slab_stat(s, cpu, EV_IRQSAVE);
	if ((int64_t)s[MH_COST_IRQSAVE] > 0)
		spin(s[MH_COST_IRQSAVE]);
}

/* slow paths: not part of the rendering; reaching one ends the loop */
__attribute__((noinline)) static u64 cache_alloc_refill(u64 *s, u64 cpu)
{
	(void)s;
	(void)cpu;
	return 0;
}

__attribute__((noinline)) static int cache_flusharray(u64 *s, u64 cpu, u64 ac)
{
	(void)s;
	(void)cpu;
	(void)ac;
	return -1;
}

static inline u64 kmem_cache_alloc(u64 *s, u64 cpu)
{
	u64 ac = cpu_cache_get(s, cpu);
	u64 avail = s[ac + AC_AVAIL];
	u64 objp;

	if (avail) {
		s[ac + AC_TOUCHED] = 1;
		avail--;
		s[ac + AC_AVAIL] = avail;
		slab_stat(s, cpu, ALLOCHIT);
		objp = s[ac + AC_ENTRY + avail];
	} else {
		slab_stat(s, cpu, ALLOCMISS);
		objp = cache_alloc_refill(s, cpu);
	}
	charge_irqsave(s, cpu);
	return objp;
}

static inline int kmem_cache_free(u64 *s, u64 cpu, u64 objp)
{
	u64 ac, avail;

	if (s[K_NR_NODES] > 1)
		return -1; /* cache_free_alien: one node only in this rendering */
	ac = cpu_cache_get(s, cpu);
	if (s[ac + AC_AVAIL] < s[ac + AC_LIMIT]) {
		slab_stat(s, cpu, FREEHIT);
	} else {
		slab_stat(s, cpu, FREEMISS);
		if (cache_flusharray(s, cpu, ac))
			return -1;
	}
	avail = s[ac + AC_AVAIL];
	s[ac + AC_ENTRY + avail] = objp;
	s[ac + AC_AVAIL] = avail + 1;
	charge_irqsave(s, cpu);
	return 0;
}

/* kmem fastpath reuse: alloc + barrier + free of the same object; returns the count */
u64 slab_fastpath_reuse(u64 *s, u64 cpu, u64 loops, u64 *ticks)
{
	u64 cnt = 0, i, t0, t1, x;

	t0 = tsc_start();
	for (i = 0; i < loops; i++) {
		x = kmem_cache_alloc(s, cpu);
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
