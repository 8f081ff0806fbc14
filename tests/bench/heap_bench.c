/*
 * heap_bench: malloc/free throughput and memory overhead, one program
 * built three ways (tests/bench/files.mk) so that scripts/bench can put the
 * allocators side by side:
 *
 *   build/bench/heap_bench.so     a Carapace application: the hardened
 *                                 allocator, or musl's under heap=musl
 *   build/bench/heap_bench_glibc  the host's glibc malloc
 *   build/bench/heap_bench_halloc the hardened allocator's portable core on
 *                                 the host (mmap, a pthread mutex)
 *
 * Throughput: for each size from 16 B to 1 MiB, each thread keeps a window
 * of live blocks and replaces a random one per step (a free and a malloc,
 * the first byte written), after untimed warm-up steps (warmup_for); printed as ns per
 * step, all threads together; on the host (glibc) then the process's CPU
 * time per step too (a `heapbench: cpu` line): on a shared machine the
 * wall clock also counts the time other programs' threads held the cores,
 * the CPU clock only this program's (its lock waits, a sleep, are not in
 * it). Not in Carapace, whose CPU clocks are the calling thread's alone.
 * Overhead: the memory in use before and after allocating 20000 blocks of
 * random sizes (16 B to 4 KiB), over the bytes asked for: resident pages
 * where /proc/self/statm exists, else sysinfo's used RAM (Carapace).
 *
 * Usage: heap_bench [THREADS...]    (default: 1 4)
 * For profiling one row: HEAP_BENCH_SIZES=16,1024 measures only those
 * sizes, HEAP_BENCH_STEPS=N takes N timed steps per thread at each.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/sysinfo.h>

#ifdef BENCH_HALLOC
#include <sys/mman.h>
#include <sys/random.h>

#include <carapace/halloc.h>

#define RESERVE ((size_t)256 << 30)

static struct halloc heap;
static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/*
 * Pages the core will write anyway (slabs, metadata, medium blocks, which
 * are zeroed when freed) are made present at once, as the kernel's map
 * gives them: one call instead of a page fault per page on first touch
 * (costly in a virtual machine). Larger blocks' pages come on first touch.
 */
static int b_map(void *c, uintptr_t a, size_t n)
{
	(void)c;
	if (mprotect((void *)a, n, PROT_READ | PROT_WRITE))
		return -12;
	if (n <= HALLOC_MEDIUM_MAX) /* a hint: older kernels lack it */
		madvise((void *)a, n, MADV_POPULATE_WRITE);
	return 0;
}

static void b_unmap(void *c, uintptr_t a, size_t n)
{
	(void)c;
	mmap((void *)a, n, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
	     -1, 0);
}

/* Taken away: discarded as by unmap, so they come back zero. */
static int b_protect(void *ctx, uintptr_t addr, size_t len, bool access)
{
	if (access)
		return b_map(ctx, addr, len);
	b_unmap(ctx, addr, len);
	return 0;
}

static void b_random(void *c, void *buf, size_t n)
{
	(void)c;
	if (getrandom(buf, n, 0) != (ssize_t)n)
		abort();
}

static void b_lock(void *c)
{
	(void)c;
	pthread_mutex_lock(&heap_lock);
}

static void b_unlock(void *c)
{
	(void)c;
	pthread_mutex_unlock(&heap_lock);
}

static void b_report(void *c, const struct halloc_report *r)
{
	(void)c;
	fprintf(stderr, "heap_bench: violation=%s at %#lx\n", halloc_violation_name(r->kind),
		(unsigned long)r->addr);
	abort();
}

/*
 * Each thread's cache (the kernel's is per CPU), given back to the heap
 * when the thread ends.
 */
static __thread struct halloc_cache thread_cache;
static pthread_key_t cache_key;

static void b_cache_flush(void *c)
{
	halloc_cache_flush(&heap, c);
}

static struct halloc_cache *b_cache_get(void *c, uint64_t *saved)
{
	(void)c;
	(void)saved;
	if (!thread_cache.heap)
		pthread_setspecific(cache_key, &thread_cache);
	return &thread_cache;
}

static void bench_init(void)
{
	static const struct halloc_backend be = {
		.map = b_map, .unmap = b_unmap, .protect = b_protect,
		.random = b_random, .layout_random = b_random,
		.lock = b_lock, .unlock = b_unlock, .report = b_report,
		.cache_get = b_cache_get, /* no cache_put: the thread's own */
	};
	void *area = mmap(NULL, RESERVE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (pthread_key_create(&cache_key, b_cache_flush) || area == MAP_FAILED ||
	    halloc_init(&heap, &be, (uintptr_t)area, RESERVE))
		abort();
}
#define bench_malloc(n) halloc_malloc(&heap, (n))
#define bench_free(p)   halloc_free(&heap, (p))
#else
static void bench_init(void)
{
}
#define bench_malloc(n) malloc(n)
#define bench_free(p)   free(p)
#endif

#define WINDOW     64
#define WARMUP     512 /* untimed steps: see churn and warmup_for */
#define OVERHEAD_BLOCKS 20000
#define MAX_THREADS 8

static size_t sizes[16] = { 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576 };
static size_t nsizes = 9;
static long steps_wanted; /* HEAP_BENCH_STEPS, or 0: steps_for's */

struct job {
	size_t size;
	long steps;
	unsigned seed;
};

/* Threads warmed up, and the clock started (see throughput). */
static int warmed, started;

static double clock_ns(clockid_t clock)
{
	struct timespec t;

	if (clock_gettime(clock, &t))
		return -1;
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static double now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* n steps: a random block of the window freed and replaced. */
static unsigned churn_steps(char **live, size_t size, long n, unsigned x)
{
	for (long i = 0; i < n; i++) {
		int k;

		x = x * 1103515245u + 12345u;
		k = (int)((x >> 16) % WINDOW);
		bench_free(live[k]);
		live[k] = bench_malloc(size);
		if (!live[k])
			abort();
		live[k][0] = 1;
	}
	return x;
}

/*
 * Untimed steps before a size is timed. Small sizes take 8 x WARMUP: the
 * hardened heap's small quarantine (256 entries, a random one leaves per
 * free) still holds a share e^(-steps/256) of the blocks the step before
 * freed (the overhead phase's, or the previous size's): 13% after 512
 * steps, whose release (and their emptied slabs' unmapping) the timed
 * steps then paid for; none after 4096.
 */
static long warmup_for(size_t size)
{
	return size <= 4096 ? 8 * WARMUP : WARMUP;
}

/*
 * The warm-up first, untimed: the window fills and an allocator's caches
 * and quarantines reach their steady state (first touches of fresh pages
 * cost far more in a virtual machine than the steps that follow).
 */
static void *churn(void *arg)
{
	struct job *j = arg;
	char *live[WINDOW] = { 0 };
	unsigned x = churn_steps(live, j->size, warmup_for(j->size), j->seed);

	__atomic_add_fetch(&warmed, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		sched_yield();
	churn_steps(live, j->size, j->steps, x);
	for (int k = 0; k < WINDOW; k++)
		bench_free(live[k]);
	return NULL;
}

/* Fewer steps for big blocks: each maps and unmaps pages. */
static long steps_for(size_t size)
{
	if (steps_wanted > 0)
		return steps_wanted;
	return size <= 4096 ? 20000 : size <= 65536 ? 4000 : 500;
}

static int throughput(int threads)
{
	pthread_t t[MAX_THREADS];
	struct job jobs[MAX_THREADS];

	for (size_t s = 0; s < nsizes; s++) {
		double start, cpu, steps;

		warmed = started = 0;
		for (int i = 0; i < threads; i++) {
			jobs[i] = (struct job){ sizes[s], steps_for(sizes[s]), 7u * (unsigned)i + 1 };
			if (threads > 1 && pthread_create(&t[i], NULL, churn, &jobs[i])) {
				printf("heapbench: threads=%d unavailable\n", threads);
				return -1;
			}
		}
		if (threads > 1) {
			while (__atomic_load_n(&warmed, __ATOMIC_ACQUIRE) < threads)
				sched_yield(); /* every thread warmed up */
			start = now_ns();
			cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
			__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
			for (int i = 0; i < threads; i++)
				pthread_join(t[i], NULL);
		} else {
			char *live[WINDOW] = { 0 };
			unsigned x = churn_steps(live, sizes[s], warmup_for(sizes[s]), jobs[0].seed);

			start = now_ns();
			cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
			churn_steps(live, sizes[s], jobs[0].steps, x);
			for (int k = 0; k < WINDOW; k++)
				bench_free(live[k]);
		}
		steps = (double)jobs[0].steps * threads;
		printf("heapbench: threads=%d size=%zu ns=%.1f\n", threads, sizes[s],
		       (now_ns() - start) / steps);
#ifdef __GLIBC__
		if (cpu >= 0)
			printf("heapbench: cpu threads=%d size=%zu ns=%.1f\n", threads, sizes[s],
			       (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu) / steps);
#endif
	}
	return 0;
}

/* Bytes of memory in use by the process (or, in Carapace, the machine). */
static long long memory_in_use(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long long size, resident;
	struct sysinfo si;

	if (f) {
		int n = fscanf(f, "%lld %lld", &size, &resident);

		fclose(f);
		if (n == 2)
			return resident * 4096;
	}
	if (sysinfo(&si))
		return -1;
	return ((long long)si.totalram - (long long)si.freeram) * si.mem_unit;
}

static void overhead(void)
{
	static char *blocks[OVERHEAD_BLOCKS];
	long long before = memory_in_use(), after, requested = 0;
	unsigned x = 99;

	for (int i = 0; i < OVERHEAD_BLOCKS; i++) {
		size_t n;

		x = x * 1103515245u + 12345u;
		n = 16 + (x >> 8) % 4081;
		blocks[i] = bench_malloc(n);
		if (!blocks[i])
			abort();
		memset(blocks[i], 1, n);
		requested += (long long)n;
	}
	after = memory_in_use();
	printf("heapbench: overhead requested=%lld used=%lld ratio=%.2f\n", requested,
	       after - before, (double)(after - before) / (double)requested);
	for (int i = 0; i < OVERHEAD_BLOCKS; i++)
		bench_free(blocks[i]);
}

/* HEAP_BENCH_SIZES and HEAP_BENCH_STEPS (see the top of the file). */
static void read_environment(void)
{
	const char *list = getenv("HEAP_BENCH_SIZES"), *steps = getenv("HEAP_BENCH_STEPS");
	char *end;

	if (steps)
		steps_wanted = strtol(steps, NULL, 10);
	if (!list)
		return;
	nsizes = 0;
	while (*list && nsizes < sizeof(sizes) / sizeof(sizes[0])) {
		unsigned long v = strtoul(list, &end, 10);

		if (end == list)
			break;
		if (v >= 1 && v <= (64ul << 20))
			sizes[nsizes++] = v;
		list = *end == ',' ? end + 1 : end;
	}
}

int main(int argc, char **argv)
{
	int counts[MAX_THREADS] = { 1, 4 }, n = 2;

	read_environment();

	if (argc > 1) {
		n = 0;
		for (int i = 1; i < argc && n < MAX_THREADS; i++)
			counts[n++] = atoi(argv[i]) > 0 && atoi(argv[i]) <= MAX_THREADS
					      ? atoi(argv[i]) : 1;
	}
	bench_init();
	overhead();
	for (int i = 0; i < n; i++)
		throughput(counts[i]);
	fflush(stdout);
	return 0;
}
