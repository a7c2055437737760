/*
 * Plain C rendering of the page allocator model's order-0 alloc + free path
 * (skbbench/model/page_alloc.py), on the SAME memory layout: the machine array `s`,
 * struct page records in its vmemmap, the zone region at s[MH_ZONE]. Every layout
 * constant comes from the Python model as a -D flag (tools/cref_page_alloc.py), so the
 * two cannot drift apart silently; a functional test checks both leave identical arrays.
 *
 * Same operations as the model: watermark check, pcp pop (rmqueue_bulk /
 * __rmqueue_smallest / expand on a miss), check_new_page, set_page_refcounted; free:
 * bad_range, put_page_testzero (lock xadd), free_pages_check, pcp push,
 * free_pcppages_bulk / __free_one_page at high; the zone lock is a cmpxchg spinlock; the
 * per-CPU counters are bumped in the same places. The IRQ save/restore charge is a load
 * and a test of s[MH_COST_IRQSAVE] (the charge itself is skipped when it is 0, as in the
 * model): time both with a zero-cost machine. alloc_page_order0 / free_page_order0 are
 * out-of-line functions, as the kernel's alloc_pages / __free_pages are; everything they
 * call on the hit path is inlined, the refill/drain helpers are gcc's choice.
 */
#include <stdint.h>

typedef uint64_t u64;

#define barrier() __asm__ __volatile__("" ::: "memory")

static inline u64 pfn_to_page(u64 *s, u64 pfn) { return s[MH_VMEMMAP] + pfn * RECW; }
static inline u64 page_lru(u64 *s, u64 pfn) { return pfn_to_page(s, pfn) + PG_LRU_NEXT; }
static inline u64 lru_to_pfn(u64 *s, u64 e) { return (e - s[MH_VMEMMAP] - PG_LRU_NEXT) >> 3; }

static inline void list_add(u64 *s, u64 new, u64 head)
{
	u64 next = s[head];
	s[next + 1] = new;
	s[new] = next;
	s[new + 1] = head;
	s[head] = new;
}

static inline void list_add_tail(u64 *s, u64 new, u64 head)
{
	u64 prev = s[head + 1];
	s[head + 1] = new;
	s[new] = head;
	s[new + 1] = prev;
	s[prev] = new;
}

static inline void list_del(u64 *s, u64 entry)
{
	u64 next = s[entry], prev = s[entry + 1];
	s[next + 1] = prev;
	s[prev] = next;
	s[entry] = 0;
	s[entry + 1] = 0;
}

static inline int list_empty(u64 *s, u64 head) { return s[head] == head; }

static inline void pa_stat(u64 *s, u64 z, u64 cpu, u64 item, u64 n)
{
	s[s[z + Z_STAT_BASE] + cpu * PA_STAT_STRIDE + item] += n;
}

static inline void pa_set_error(u64 *s, u64 z, u64 code, u64 pfn, u64 cpu, u64 aux)
{
	u64 expected = 0;
	if (__atomic_compare_exchange_n(&s[z + Z_ERR], &expected, code, 0, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST)) {
		s[z + Z_ERR + 1] = pfn;
		s[z + Z_ERR + 2] = cpu;
		s[z + Z_ERR + 3] = aux;
	}
}

static inline void spin_lock(u64 *s, u64 i)
{
	for (;;) {
		u64 expected = 0;
		if (__atomic_compare_exchange_n(&s[i], &expected, 1, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return;
		while (__atomic_load_n(&s[i], __ATOMIC_ACQUIRE) != 0)
			__builtin_ia32_pause();
	}
}

static inline void spin_unlock(u64 *s, u64 i) { __atomic_store_n(&s[i], 0, __ATOMIC_RELEASE); }

__attribute__((noinline)) static void busy_wait(u64 n)
{
	while (n--)
		__asm__ __volatile__("" : "+r"(n) : : "memory");
}

static inline void irq_restore(u64 *s, u64 z, u64 cpu)
{
	pa_stat(s, z, cpu, ST_IRQSAVE, 1);
	if (s[MH_COST_IRQSAVE] > 0)
		busy_wait(s[MH_COST_IRQSAVE]);
}

static inline int bad_range(u64 *s, u64 z, u64 pfn)
{
	return pfn - s[z + Z_START_PFN] >= s[z + Z_SPANNED];
}

static inline u64 free_area(u64 z, u64 order) { return z + Z_FREE_AREA + order * FA_WORDS; }

static inline void set_page_order(u64 *s, u64 pfn, u64 order)
{
	u64 r = pfn_to_page(s, pfn);
	s[r + PG_PRIVATE] = order;
	s[r + PG_FLAGS] |= PG_BUDDY;
}

static inline void rmv_page_order(u64 *s, u64 pfn)
{
	u64 r = pfn_to_page(s, pfn);
	s[r + PG_FLAGS] &= ~(u64)PG_BUDDY;
	s[r + PG_PRIVATE] = 0;
}

static inline int page_is_buddy(u64 *s, u64 z, u64 buddy, u64 order)
{
	if (bad_range(s, z, buddy))
		return 0;
	u64 r = pfn_to_page(s, buddy);
	return (s[r + PG_FLAGS] & PG_BUDDY) != 0 && s[r + PG_PRIVATE] == order;
}

static void __free_one_page(u64 *s, u64 z, u64 cpu, u64 pfn, u64 order)
{
	u64 buddy = 0, fa;
	s[z + Z_NR_FREE_PAGES] += (u64)1 << order;
	while (order < MAX_ORDER - 1) {
		buddy = pfn ^ ((u64)1 << order);
		if (!page_is_buddy(s, z, buddy, order))
			break;
		list_del(s, page_lru(s, buddy));
		s[free_area(z, order) + FA_NR_FREE] -= 1;
		rmv_page_order(s, buddy);
		pa_stat(s, z, cpu, ST_MERGE, 1);
		pfn &= buddy;
		order++;
	}
	set_page_order(s, pfn, order);
	fa = free_area(z, order);
	if (order < MAX_ORDER - 2) {
		u64 higher_page = buddy & pfn;
		u64 higher_buddy = higher_page ^ ((u64)1 << (order + 1));
		if (page_is_buddy(s, z, higher_buddy, order + 1)) {
			list_add_tail(s, page_lru(s, pfn), fa);
			s[fa + FA_NR_FREE] += 1;
			return;
		}
	}
	list_add(s, page_lru(s, pfn), fa);
	s[fa + FA_NR_FREE] += 1;
}

static inline void expand(u64 *s, u64 z, u64 cpu, u64 pfn, u64 low, u64 high)
{
	u64 size = (u64)1 << high;
	while (high > low) {
		high--;
		size >>= 1;
		u64 fa = free_area(z, high);
		list_add(s, page_lru(s, pfn + size), fa);
		s[fa + FA_NR_FREE] += 1;
		set_page_order(s, pfn + size, high);
		pa_stat(s, z, cpu, ST_SPLIT, 1);
	}
}

static u64 __rmqueue_smallest(u64 *s, u64 z, u64 cpu, u64 order)
{
	for (u64 current = order; current < MAX_ORDER; current++) {
		u64 fa = free_area(z, current);
		if (!list_empty(s, fa)) {
			u64 entry = s[fa];
			u64 pfn = lru_to_pfn(s, entry);
			list_del(s, entry);
			rmv_page_order(s, pfn);
			s[fa + FA_NR_FREE] -= 1;
			expand(s, z, cpu, pfn, order, current);
			return pfn;
		}
	}
	return 0;
}

static u64 rmqueue_bulk(u64 *s, u64 z, u64 cpu, u64 order, u64 count, u64 lst, int cold)
{
	u64 i = 0;
	spin_lock(s, z + Z_LOCK);
	pa_stat(s, z, cpu, ST_ZONE_LOCK, 1);
	while (i < count) {
		u64 pfn = __rmqueue_smallest(s, z, cpu, order);
		if (!pfn)
			break;
		u64 entry = page_lru(s, pfn);
		if (!cold)
			list_add(s, entry, lst);
		else
			list_add_tail(s, entry, lst);
		lst = entry;
		u64 r = pfn_to_page(s, pfn);
		s[r + PG_FLAGS] |= PG_PCP;
		i++;
	}
	s[z + Z_NR_FREE_PAGES] -= i << order;
	spin_unlock(s, z + Z_LOCK);
	pa_stat(s, z, cpu, ST_RMQUEUE_BULK, 1);
	pa_stat(s, z, cpu, ST_RMQUEUE_BULK_PAGES, i);
	return i;
}

static void free_pcppages_bulk(u64 *s, u64 z, u64 cpu, u64 count, u64 pcp)
{
	u64 lst = pcp + PCP_LIST, to_free = count;
	spin_lock(s, z + Z_LOCK);
	pa_stat(s, z, cpu, ST_ZONE_LOCK, 1);
	while (to_free > 0 && !list_empty(s, lst)) {
		u64 entry = s[lst + 1];
		list_del(s, entry);
		u64 pfn = lru_to_pfn(s, entry);
		s[pfn_to_page(s, pfn) + PG_FLAGS] &= ~(u64)PG_PCP;
		__free_one_page(s, z, cpu, pfn, 0);
		to_free--;
	}
	spin_unlock(s, z + Z_LOCK);
	pa_stat(s, z, cpu, ST_FREE_PCPPAGES_BULK, 1);
	pa_stat(s, z, cpu, ST_FREE_PCPPAGES_BULK_PAGES, count - to_free);
}

static inline u64 __rmqueue_pcplist(u64 *s, u64 z, u64 cpu, u64 pcp, int cold)
{
	u64 lst = pcp + PCP_LIST, entry;
	if (list_empty(s, lst)) {
		s[pcp + PCP_COUNT] += rmqueue_bulk(s, z, cpu, 0, s[pcp + PCP_BATCH], lst, cold);
		if (list_empty(s, lst))
			return 0;
	} else {
		pa_stat(s, z, cpu, ST_PCP_HIT, 1);
	}
	entry = cold ? s[lst + 1] : s[lst];
	list_del(s, entry);
	s[pcp + PCP_COUNT] -= 1;
	u64 pfn = lru_to_pfn(s, entry);
	s[pfn_to_page(s, pfn) + PG_FLAGS] &= ~(u64)PG_PCP;
	pa_stat(s, z, cpu, ST_PCP_ALLOC, 1);
	return pfn;
}

/* alloc_pages(gfp, 0) -> __alloc_pages_nodemask: out of line, as in the kernel */
static __attribute__((noinline)) u64 alloc_page_order0(u64 *s, u64 cpu, u64 gfp)
{
	u64 z = s[MH_ZONE];
	/* get_page_from_freelist: zone_watermark_ok(order 0, low mark) */
	if (__atomic_load_n(&s[z + Z_NR_FREE_PAGES], __ATOMIC_ACQUIRE) < s[z + Z_WMARK_LOW] + 1)
		return 0; /* (the model's slowpath retry is not part of the hit path) */
	/* buffered_rmqueue, order 0 */
	u64 pfn = __rmqueue_pcplist(s, z, cpu, s[z + Z_PCP_BASE] + cpu * PCP_WORDS,
				    (gfp & GFP_COLD) != 0);
	if (pfn)
		pa_stat(s, z, cpu, ST_PGALLOC, 1);
	irq_restore(s, z, cpu);
	if (!pfn)
		return 0;
	/* prep_new_page: check_new_page, set_page_private(0), set_page_refcounted */
	u64 r = pfn_to_page(s, pfn);
	u64 bad = s[r + PG_COUNTERS] | s[r + PG_FLAGS];
	if (bad) {
		pa_set_error(s, z, ERR_BAD_ALLOC, pfn, cpu, bad);
		return 0;
	}
	s[r + PG_PRIVATE] = 0;
	s[r + PG_COUNTERS] = REF_ONE;
	return pfn;
}

static inline int free_pages_check(u64 *s, u64 z, u64 cpu, u64 pfn)
{
	u64 r = pfn_to_page(s, pfn);
	u64 counters = s[r + PG_COUNTERS], flags = s[r + PG_FLAGS], reason = 0;
	if (counters & 0xffffffffULL)
		reason |= BAD_MAPCOUNT;
	if (counters >> 32)
		reason |= BAD_COUNT;
	if (flags & CHECK_AT_FREE)
		reason |= BAD_FLAGS;
	if (reason) {
		pa_set_error(s, z, ERR_BAD_FREE, pfn, cpu, reason);
		return 1;
	}
	if (flags)
		s[r + PG_FLAGS] = 0;
	return 0;
}

/* __free_pages(page, 0): out of line, as in the kernel */
static __attribute__((noinline)) void free_page_order0(u64 *s, u64 cpu, u64 pfn)
{
	u64 z = s[MH_ZONE];
	if (bad_range(s, z, pfn)) {
		pa_set_error(s, z, ERR_RANGE, pfn, cpu, 0);
		return;
	}
	/* put_page_testzero */
	u64 w = pfn_to_page(s, pfn) + PG_COUNTERS;
	u64 old = __atomic_fetch_add(&s[w], (u64)0 - REF_ONE, __ATOMIC_SEQ_CST);
	if ((old >> 32) == 0) {
		__atomic_fetch_add(&s[w], REF_ONE, __ATOMIC_SEQ_CST);
		pa_set_error(s, z, ERR_REF_UNDERFLOW, pfn, cpu, 0);
		return;
	}
	if ((old >> 32) != 1)
		return;
	/* free_hot_cold_page(page, false): free_pages_prepare(order 0) */
	u64 r = pfn_to_page(s, pfn);
	if ((s[r + PG_FLAGS] & PG_HEAD) && (s[r + PG_COMPOUND_HEAD] >> 1) != 0) {
		pa_set_error(s, z, ERR_ORDER, pfn, cpu, s[r + PG_COMPOUND_HEAD] >> 1);
		return;
	}
	if (free_pages_check(s, z, cpu, pfn))
		return;
	pa_stat(s, z, cpu, ST_PGFREE, 1);
	u64 pcp = s[z + Z_PCP_BASE] + cpu * PCP_WORDS;
	s[r + PG_FLAGS] |= PG_PCP;
	list_add(s, r + PG_LRU_NEXT, pcp + PCP_LIST);
	pa_stat(s, z, cpu, ST_PCP_FREE, 1);
	u64 count = s[pcp + PCP_COUNT] + 1;
	s[pcp + PCP_COUNT] = count;
	if (count >= s[pcp + PCP_HIGH]) {
		u64 batch = s[pcp + PCP_BATCH];
		free_pcppages_bulk(s, z, cpu, batch, pcp);
		s[pcp + PCP_COUNT] -= batch;
	}
	irq_restore(s, z, cpu);
}

static inline u64 rdtsc_start(void)
{
	unsigned lo, hi;
	barrier();
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((u64)hi << 32) | lo;
}

static inline u64 rdtsc_stop(void)
{
	unsigned lo, hi, aux;
	__asm__ __volatile__("rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
	barrier();
	return ((u64)hi << 32) | lo;
}

/* page_bench01 single_page_alloc_free: loops x (alloc_page + __free_page); ticks or 0 */
u64 cref_alloc_free_loop(u64 *s, u64 cpu, u64 loops)
{
	u64 t0 = rdtsc_start();
	for (u64 i = 0; i < loops; i++) {
		u64 pfn = alloc_page_order0(s, cpu, 0);
		if (!pfn)
			return 0;
		barrier();
		free_page_order0(s, cpu, pfn);
	}
	return rdtsc_stop() - t0;
}

/* n pages outstanding, rounds times (exercises refills and drains); pages: n slots */
u64 cref_outstanding(u64 *s, u64 cpu, u64 n, u64 rounds, u64 *pages)
{
	for (u64 k = 0; k < rounds; k++) {
		for (u64 i = 0; i < n; i++) {
			pages[i] = alloc_page_order0(s, cpu, 0);
			if (!pages[i])
				return 0;
		}
		for (u64 i = 0; i < n; i++)
			free_page_order0(s, cpu, pages[i]);
	}
	return 1;
}
