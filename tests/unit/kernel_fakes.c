/*
 * The fake kernel of kernel_fakes.h. Every function below stands in for a
 * kernel one of the same name; the comment on each group says what it
 * keeps of the real behaviour.
 */
#define _GNU_SOURCE /* MAP_FIXED_NOREPLACE */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <carapace/arch.h>
#include <carapace/aslr.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fs.h>
#include <carapace/memory.h>
#include <carapace/panic.h>
#include <carapace/power.h>
#include <carapace/random.h>
#include <carapace/thread.h>

#include "kernel_fakes.h"
#include <carapace/layout.h>
#include <carapace/mmu.h>
#include <carapace/net.h>
#include <carapace/percpu.h>
#include "sys_kernel.h"
#include <carapace/tlb.h>

static enum fake_sched_mode mode;

/* ---- the network's /etc files (kernel/net/net_names.c needs lwIP) ---- */

int net_hosts_format(char *buf, size_t len)
{
	return snprintf(buf, len, "127.0.0.1\tlocalhost\n");
}

int net_resolv_conf_format(char *buf, size_t len)
{
	return snprintf(buf, len, "# no network in the host tests\n");
}

/* No network in the host tests: nothing is ever in flight. */
bool net_quiesce(uint64_t timeout_ns)
{
	(void)timeout_ns;
	return true;
}

/* ---- heap, console, random, panic ---- */

/*
 * The kernel heap is finite: past these, kmalloc answers NULL as the
 * kernel's does when its area is full (the fuzzer would otherwise end on
 * the host's allocation limit).
 */
#define KHEAP_ONE_MAX  (16u << 20)
#define KHEAP_ALL_MAX  (256u << 20)
static size_t kheap_used, kheap_largest;

size_t fake_kmalloc_largest(void)
{
	return __atomic_exchange_n(&kheap_largest, 0, __ATOMIC_RELAXED);
}

void *kmalloc(size_t size)
{
	void *p;
	size_t was = __atomic_load_n(&kheap_largest, __ATOMIC_RELAXED);

	while (size > was && !__atomic_compare_exchange_n(&kheap_largest, &was, size, false,
							   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	if (size > KHEAP_ONE_MAX || __atomic_load_n(&kheap_used, __ATOMIC_RELAXED) > KHEAP_ALL_MAX)
		return NULL;
	if ((p = malloc(size ? size : 1)))
		__atomic_add_fetch(&kheap_used, malloc_usable_size(p), __ATOMIC_RELAXED);
	return p;
}

void *kcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > KHEAP_ONE_MAX / size)
		return NULL;
	if ((p = kmalloc(nmemb * size)))
		memset(p, 0, nmemb * size);
	return p;
}

void kfree(void *ptr)
{
	if (ptr)
		__atomic_sub_fetch(&kheap_used, malloc_usable_size(ptr), __ATOMIC_RELAXED);
	free(ptr);
}

bool console_verbose;
static char console_buf[4096];
static size_t console_len;
static pthread_mutex_t console_lock = PTHREAD_MUTEX_INITIALIZER;

void console_write(const char *s, size_t n)
{
	pthread_mutex_lock(&console_lock);
	for (size_t i = 0; i < n; i++) {
		if (console_len == sizeof(console_buf) - 1) {
			memmove(console_buf, console_buf + 1024, console_len - 1024);
			console_len -= 1024;
		}
		console_buf[console_len++] = s[i];
	}
	console_buf[console_len] = '\0';
	pthread_mutex_unlock(&console_lock);
}

const char *fake_console(void)
{
	return console_buf;
}

void fake_console_clear(void)
{
	pthread_mutex_lock(&console_lock);
	console_len = 0;
	console_buf[0] = '\0';
	pthread_mutex_unlock(&console_lock);
}

int kprintf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	console_write(line, strlen(line));
	return n;
}

int klog(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

void random_bytes(void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(0x3c ^ i);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fake kernel: panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

void *mmu_phys_to_virt(uint64_t phys)
{
	panic("mmu_phys_to_virt(%#llx): no physical memory here", (unsigned long long)phys);
}

static bool app_wx;

bool mmu_app_wx(void)
{
	return app_wx;
}

void fake_set_app_wx(bool allow)
{
	app_wx = allow;
}

static uint64_t shootdowns;

void tlb_shootdown(void)
{
	__atomic_add_fetch(&shootdowns, 1, __ATOMIC_RELAXED);
}

uint64_t fake_tlb_shootdowns(void)
{
	return shootdowns;
}

/* The lowest fit, as with aslr=off: placements are reproducible. */
int aslr_pick_base(const char *name, const struct aslr_request *req,
		   const struct aslr_region *placed, size_t nplaced, uint64_t *base)
{
	struct aslr_choice c;
	int rc = aslr_plan(req, placed, nplaced, NULL, &c);

	(void)name;
	if (rc < 0)
		return rc;
	*base = c.base;
	return 0;
}

/* ---- exit ---- */

jmp_buf *fake_exit_jump;
int fake_exit_status = -1;

void power_exit(int status)
{
	fake_exit_status = status;
	if (!fake_exit_jump)
		panic("power_exit(%d) with no test waiting for it", status);
	longjmp(*fake_exit_jump, 1);
}

void thread_exit(void)
{
	fake_exit_status = -2;
	if (!fake_exit_jump)
		panic("thread_exit with no test waiting for it");
	longjmp(*fake_exit_jump, 1);
}

__attribute__((noreturn)) void app_thread_enter(const struct syscall_frame *f)
{
	(void)f;
	panic("app_thread_enter: the host starts no application threads");
}

/* ---- clock, threads and the wait protocol ---- */

static uint64_t virtual_now = 1000000000ull;
static uint64_t slept;

static uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The wall clock (ramfs's times, through mount.c): the host's. */
uint64_t rtc_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_ns(void)
{
	return mode == FAKE_SCHED_REAL ? host_ns() : __atomic_load_n(&virtual_now, __ATOMIC_RELAXED);
}

struct thread {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool woken;
	uint64_t id, fs_base, clear_child_tid, signals_pending, signal_mask;
	uintptr_t signal_wait;
	char name[THREAD_NAME_MAX];
};

/* A fixed pool: a thread of the host keeps its slot for the run (no leak to report). */
#define FAKE_THREADS 64
static struct thread threads[FAKE_THREADS];
static unsigned nthreads;
static __thread struct thread *self;

struct thread *thread_current(void)
{
	if (!self) {
		unsigned i = __atomic_fetch_add(&nthreads, 1, __ATOMIC_RELAXED);
		pthread_condattr_t attr;

		if (i >= FAKE_THREADS)
			panic("more than %d host threads", FAKE_THREADS);
		self = &threads[i];
		pthread_mutex_init(&self->lock, NULL);
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&self->cond, &attr);
		pthread_condattr_destroy(&attr);
		self->id = i + 1;
		snprintf(self->name, sizeof(self->name), "host%u", i);
	}
	return self;
}

const char *thread_name(const struct thread *t)
{
	return t->name;
}

void thread_set_name(struct thread *t, const char *name)
{
	snprintf(t->name, sizeof(t->name), "%s", name);
}

uint64_t thread_id(const struct thread *t)
{
	return t->id;
}

bool thread_running_elsewhere(const struct thread *t)
{
	(void)t;
	return false;
}

void sched_prepare_wait(void)
{
	struct thread *t = thread_current();

	pthread_mutex_lock(&t->lock);
	t->woken = false;
	pthread_mutex_unlock(&t->lock);
}

/*
 * REAL: sleeps on the thread's condition until thread_wake or the deadline.
 * NEVER_BLOCK: nothing else runs, so a wait with no wake-up pending can only
 * end at its deadline: the virtual clock jumps there (a wait with none, too,
 * times out: the fuzzer must not hang).
 */
int sched_wait(uint64_t deadline_ns)
{
	struct thread *t = thread_current();
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	while (!t->woken && rc == 0) {
		if (mode == FAKE_SCHED_NEVER_BLOCK) {
			if (deadline_ns > virtual_now)
				virtual_now = deadline_ns;
			rc = -ETIMEDOUT;
		} else if (deadline_ns == 0) {
			pthread_cond_wait(&t->cond, &t->lock);
		} else {
			struct timespec ts = { (time_t)(deadline_ns / 1000000000ull),
					       (long)(deadline_ns % 1000000000ull) };

			if (pthread_cond_timedwait(&t->cond, &t->lock, &ts) == ETIMEDOUT)
				rc = -ETIMEDOUT;
		}
	}
	if (t->woken)
		rc = 0;
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void sched_finish_wait(void)
{
}

bool thread_wake(struct thread *t)
{
	pthread_mutex_lock(&t->lock);
	t->woken = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return true;
}

/* The fake's threads are host threads, which the host schedules: nothing to hold off. */
void sched_preempt_disable(void)
{
}

void sched_preempt_enable(void)
{
}

/* The fake's threads live in a fixed pool for the whole run: a pin has nothing to hold. */
void thread_pin(struct thread *t)
{
	(void)t;
}

void thread_unpin(struct thread *t)
{
	(void)t;
}

void thread_yield(void)
{
	sched_yield();
}

/* No real sleep: the time is counted, and moves the virtual clock. */
void thread_sleep_ns(uint64_t ns)
{
	__atomic_add_fetch(&slept, ns, __ATOMIC_RELAXED);
	if (mode == FAKE_SCHED_NEVER_BLOCK)
		__atomic_add_fetch(&virtual_now, ns < (1ull << 62) ? ns : 1ull << 62, __ATOMIC_RELAXED);
}

uint64_t fake_slept_ns(void)
{
	return slept;
}

void thread_set_fs_base(uint64_t base)
{
	thread_current()->fs_base = base;
}

uint64_t thread_fs_base(void)
{
	return thread_current()->fs_base;
}

void thread_signal_raise(int sig)
{
	__atomic_fetch_or(&thread_current()->signals_pending, 1ull << (sig - 1), __ATOMIC_RELAXED);
}

bool thread_signal_raise_id(uint64_t id, int sig)
{
	for (unsigned i = 0; i < nthreads; i++)
		if (threads[i].id == id) {
			if (sig > 0)
				__atomic_fetch_or(&threads[i].signals_pending, 1ull << (sig - 1),
						  __ATOMIC_RELAXED);
			return true;
		}
	return false;
}

bool thread_signal_blocks_id(uint64_t id, int sig)
{
	for (unsigned i = 0; i < nthreads; i++)
		if (threads[i].id == id)
			return (threads[i].signal_mask >> (sig - 1)) & 1;
	return false;
}

void thread_set_signal_wait(uintptr_t how)
{
	__atomic_store_n(&thread_current()->signal_wait, how, __ATOMIC_SEQ_CST);
}

/* As the kernel's (kernel/sched/thread.c), without its lock and pins: the
 * pool's slots are never freed. */
unsigned thread_signal_interrupt(uint64_t id, uint64_t sigbit,
				 void (*wake)(struct thread *t, uintptr_t how))
{
	unsigned n = 0;

	for (unsigned i = 0; i < __atomic_load_n(&nthreads, __ATOMIC_ACQUIRE) && i < FAKE_THREADS;
	     i++) {
		struct thread *t = &threads[i];
		uintptr_t how = __atomic_load_n(&t->signal_wait, __ATOMIC_SEQ_CST);

		if (id ? t->id != id : !how || (__atomic_load_n(&t->signal_mask,
							       __ATOMIC_RELAXED) & sigbit))
			continue;
		if (how) {
			wake(t, how);
			n++;
		}
		if (id)
			break;
	}
	return n;
}

uint64_t thread_signal_peek(void)
{
	return __atomic_load_n(&thread_current()->signals_pending, __ATOMIC_RELAXED);
}

uint64_t *thread_signal_mask(void)
{
	return &thread_current()->signal_mask;
}

uint64_t thread_signal_take(void)
{
	return __atomic_exchange_n(&thread_current()->signals_pending, 0, __ATOMIC_RELAXED);
}

void thread_set_clear_child_tid(uint64_t addr)
{
	thread_current()->clear_child_tid = addr;
}

uint64_t thread_clear_child_tid(void)
{
	return thread_current()->clear_child_tid;
}

/* No application thread is started on the host (clone's frame is ring 0's). */
struct thread *thread_create(void (*fn)(void *arg), void *arg, const struct thread_attr *attr)
{
	(void)fn;
	(void)arg;
	(void)attr;
	return NULL;
}

/* ---- the application's page map ---- */

#define FAKE_PAGES_MAX 8192

struct fake_page {
	uint64_t va;
	unsigned prot;
	bool backed;
};

static struct fake_page pages[FAKE_PAGES_MAX]; /* sorted by va */
static size_t npages;
static uint64_t outside;
static pthread_mutex_t pages_lock = PTHREAD_MUTEX_INITIALIZER;

/* The first page at or above va. */
static size_t page_index(uint64_t va)
{
	size_t lo = 0, hi = npages;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pages[mid].va < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* What memory.c's memory_app_range says: aligned, non-empty, wholly in the application's part. */
bool memory_app_range(uint64_t va, size_t len)
{
	return len && !((va | len) & (PAGE_SIZE - 1)) && va >= APP_AREA_START &&
	       va < LOW_HALF_END && len <= LOW_HALF_END - va;
}

/* The check of a call that would act: one outside the low half is counted (none must reach here). */
static bool app_range(uint64_t va, size_t len)
{
	if (va >= LOW_HALF_END || len > LOW_HALF_END - va)
		__atomic_add_fetch(&outside, 1, __ATOMIC_RELAXED);
	return memory_app_range(va, len);
}

static int host_prot(unsigned prot)
{
	return ((prot & MEMORY_PROT_READ) ? PROT_READ : 0) |
	       ((prot & MEMORY_PROT_WRITE) ? PROT_READ | PROT_WRITE : 0) |
	       ((prot & MEMORY_PROT_EXEC) ? PROT_READ : 0); /* host code never runs there */
}

static void unmap_locked(uint64_t va, size_t len)
{
	size_t first = page_index(va), last = first;

	while (last < npages && pages[last].va - va < len)
		last++;
	for (size_t i = first; i < last; i++)
		if (pages[i].backed)
			munmap((void *)pages[i].va, PAGE_SIZE);
	memmove(&pages[first], &pages[last], (npages - last) * sizeof(pages[0]));
	npages -= last - first;
}

int memory_map_anon(uint64_t va, size_t len, unsigned prot)
{
	size_t n = len / PAGE_SIZE, at;
	bool backed;
	void *m;

	if (!app_range(va, len))
		return -EINVAL;
	if ((prot & MEMORY_PROT_WRITE) && (prot & MEMORY_PROT_EXEC) && !app_wx)
		return -EACCES;
	pthread_mutex_lock(&pages_lock);
	unmap_locked(va, len);
	if (n > FAKE_PAGES_MAX - npages) {
		pthread_mutex_unlock(&pages_lock);
		return -ENOMEM;
	}
	m = mmap((void *)va, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	backed = m == (void *)va;
	if (m != MAP_FAILED && !backed)
		munmap(m, len); /* an old kernel put it elsewhere */
	/* The handlers write only into the mmap area: there the pages must be real. */
	if (!backed && va < APP_MMAP_LIMIT && va + len > APP_MMAP_BASE) {
		pthread_mutex_unlock(&pages_lock);
		return -ENOMEM;
	}
	if (backed)
		mprotect(m, len, host_prot(prot));
	at = page_index(va);
	memmove(&pages[at + n], &pages[at], (npages - at) * sizeof(pages[0]));
	for (size_t i = 0; i < n; i++)
		pages[at + i] = (struct fake_page){ va + i * PAGE_SIZE, prot, backed };
	npages += n;
	pthread_mutex_unlock(&pages_lock);
	return 0;
}

void memory_unmap(uint64_t va, size_t len)
{
	if (!app_range(va, len))
		return;
	pthread_mutex_lock(&pages_lock);
	unmap_locked(va, len);
	pthread_mutex_unlock(&pages_lock);
}

int memory_protect(uint64_t va, size_t len, unsigned prot)
{
	size_t first;

	if (!app_range(va, len))
		return -EINVAL;
	if ((prot & MEMORY_PROT_WRITE) && (prot & MEMORY_PROT_EXEC) && !app_wx)
		return -EACCES;
	pthread_mutex_lock(&pages_lock);
	first = page_index(va);
	/* Every page of the range mapped, else nothing changes. */
	if (len / PAGE_SIZE > npages - first ||
	    pages[first + len / PAGE_SIZE - 1].va != va + len - PAGE_SIZE) {
		pthread_mutex_unlock(&pages_lock);
		return -ENOMEM;
	}
	for (size_t i = first; i < first + len / PAGE_SIZE; i++) {
		pages[i].prot = prot;
		if (pages[i].backed)
			mprotect((void *)pages[i].va, PAGE_SIZE, host_prot(prot));
	}
	pthread_mutex_unlock(&pages_lock);
	return 0;
}

bool memory_app_mapped(uint64_t va, size_t len)
{
	size_t first;
	bool all;

	/* A question, not an act: the kernel's own checks the range first too. */
	if (!memory_app_range(va, len))
		return false;
	pthread_mutex_lock(&pages_lock);
	first = page_index(va);
	all = len / PAGE_SIZE <= npages - first &&
	      pages[first + len / PAGE_SIZE - 1].va == va + len - PAGE_SIZE;
	pthread_mutex_unlock(&pages_lock);
	return all;
}

/* Frames: the fake's page budget. */
uint64_t memory_usable_frames(void)
{
	return FAKE_PAGES_MAX;
}

uint64_t memory_free_frames(void)
{
	return FAKE_PAGES_MAX - npages;
}

/* /proc's generators (kernel/fs/proc_system.c): two CPUs, no TSC rate, no threads to list. */
unsigned cpu_count = 2;

uint64_t clock_tsc_hz(void)
{
	return 0;
}

void thread_for_each(void (*fn)(const struct thread_info *ti, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
}

/* The fake application has no main stack of the kernel's. */
bool memory_in_main_stack(uint64_t va, size_t len)
{
	(void)va;
	(void)len;
	return false;
}

bool fake_page(uint64_t va, unsigned *prot, bool *backed)
{
	size_t i;
	bool found;

	pthread_mutex_lock(&pages_lock);
	i = page_index(va & ~(uint64_t)(PAGE_SIZE - 1));
	found = i < npages && pages[i].va == (va & ~(uint64_t)(PAGE_SIZE - 1));
	if (found && prot)
		*prot = pages[i].prot;
	if (found && backed)
		*backed = pages[i].backed;
	pthread_mutex_unlock(&pages_lock);
	return found;
}

/*
 * No page tables here (mmu_phys_to_virt panics): MADV_DONTNEED finds no
 * page to zero on the host; the guest's zeroing is tested by
 * tests/apps/posix_more.c (differential).
 */
uint64_t mmu_root(void)
{
	return 0;
}

bool mmu_lookup(uint64_t root, uint64_t va, uint64_t *pte, uint64_t *page_size)
{
	(void)root;
	(void)va;
	(void)pte;
	(void)page_size;
	return false;
}

uint64_t fake_pages(void)
{
	return npages;
}

uint64_t fake_outside_requests(void)
{
	return outside;
}

/* ---- the env ---- */

#define USER_RANGES 2
static struct { uintptr_t start; size_t len; bool writable; } user[USER_RANGES];

void fake_user_memory(void *rw, size_t rw_len, const void *ro, size_t ro_len)
{
	user[0].start = (uintptr_t)rw;
	user[0].len = rw_len;
	user[0].writable = true;
	user[1].start = (uintptr_t)ro;
	user[1].len = ro_len;
	user[1].writable = false;
}

/* The registered ranges, or backed pages of the page map with the access asked. */
static bool user_range(void *ctx, uintptr_t addr, size_t len, bool want_write)
{
	(void)ctx;
	if (len == 0 || addr + (len - 1) < addr)
		panic("check_user_range(%#lx, %zu): the layer promised neither empty nor wrapping",
		      (unsigned long)addr, len);
	for (int i = 0; i < USER_RANGES; i++)
		if (addr >= user[i].start && len <= user[i].len &&
		    addr - user[i].start <= user[i].len - len)
			return want_write ? user[i].writable : true;
	for (uintptr_t p = addr & ~(uintptr_t)(PAGE_SIZE - 1); p < addr + len; p += PAGE_SIZE) {
		unsigned prot;
		bool backed;

		if (!fake_page(p, &prot, &backed) || !backed || !(prot & MEMORY_PROT_READ) ||
		    (want_write && !(prot & MEMORY_PROT_WRITE)))
			return false;
		if (p + PAGE_SIZE < p)
			break;
	}
	return true;
}

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	kprintf("%s\n", line);
}

static uint64_t env_clock(void *ctx, enum syscall_clock c)
{
	(void)ctx;
	return clock_ns() + (c == SYSCALL_CLOCK_REALTIME ? 1700000000000000000ull : 0);
}

static int env_sleep(void *ctx, uint64_t ns, uint64_t *left_ns)
{
	(void)ctx;
	(void)left_ns;
	thread_sleep_ns(ns); /* no signal comes on the fake kernel */
	return 0;
}

static void env_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	random_bytes(buf, len);
}

static int env_gettid(void *ctx)
{
	(void)ctx;
	return (int)thread_id(thread_current());
}

static void env_set_clear_child_tid(void *ctx, uintptr_t addr)
{
	(void)ctx;
	thread_set_clear_child_tid(addr);
}

static void env_meminfo(void *ctx, uint64_t *total, uint64_t *free)
{
	(void)ctx;
	*total = 64u << 20;
	*free = (uint64_t)(FAKE_PAGES_MAX - npages) * PAGE_SIZE;
}

static void env_nofile_get(void *ctx, uint64_t *cur, uint64_t *max)
{
	(void)ctx;
	sys_files_nofile(cur, max);
}

static int env_nofile_set(void *ctx, uint64_t cur, uint64_t max)
{
	(void)ctx;
	return sys_files_set_nofile(cur, max);
}

static syscall_handler_fn handlers[SYSCALL_TABLE_SIZE];
static struct syscall_log_limit log_limit;
static const struct syscall_env env = {
	.check_user_range = user_range,
	.log = log_line,
	.clock_ns = env_clock,
	.sleep_ns = env_sleep,
	.random = env_random,
	.gettid = env_gettid,
	.set_clear_child_tid = env_set_clear_child_tid,
	.meminfo = env_meminfo,
	.nofile_get = env_nofile_get,
	.nofile_set = env_nofile_set,
	.kernel_handlers = handlers,
	.log_limit = &log_limit,
	.pid = 1,
	.nodename = "fake",
	.cpu_count = 2,
	.clock_res_ns = 1,
	.stack_limit = THREAD_STACK_DEFAULT,
};

const struct syscall_env *syscall_kernel_env(void)
{
	return &env;
}

const struct syscall_env *fake_env(void)
{
	return &env;
}

long fake_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	return syscall_dispatch(&env, nr, a0, a1, a2, a3, a4, a5);
}

void fake_kernel_init(enum fake_sched_mode m)
{
	static struct boot_info bi; /* no modules: an empty ramfs at / */
	char err[128];

	mode = m;
	if (fs_init(&bi, 64ull << 20, err, sizeof(err))) /* a 64 MiB /tmp */
		panic("fs_init: %s", err);
	sys_signal_register(handlers);
	sys_files_register(handlers);
	sys_file_sync_register(handlers);
	sys_memory_register(handlers);
	sys_poll_register(handlers);
	sys_thread_register(handlers);
	sys_itimer_register(handlers);
	sys_timer_register(handlers);
	sys_prctl_register(handlers);
}

void fake_register_epoll(void)
{
	sys_epoll_register(handlers);
}

void fake_kernel_add_sockets(void)
{
	sys_net_register(handlers);
	sys_epoll_register(handlers);
}
