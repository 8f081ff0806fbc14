/* In-kernel tests (boot option test=NAME); see carapace/ktests.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/ktests.h>
#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>
#include <carapace/panic.h>
#include <carapace/pfa.h>
#include <carapace/percpu.h>
#include <carapace/thread.h>

/* Keeps the compiler from deciding what a deliberately bad access does. */
#define OPAQUE(x) ({ __typeof__(x) v_ = (x); __asm__ volatile("" : "+r"(v_)); v_; })

extern char __text_start[], __data_start[];

__attribute__((noinline)) static int ktest_null_deref(void)
{
	volatile int *p = OPAQUE((int *)0);

	return *p;
}

__attribute__((noinline)) static int ktest_write_text(void)
{
	volatile uint8_t *p = OPAQUE((uint8_t *)ktest_write_text);

	*p = 0xc3;
	return 1;
}

/* A "ret" placed in the data section, then called. */
static uint8_t data_code[16] = { 0xc3 };

__attribute__((noinline)) static int ktest_exec_data(void)
{
	void (*fn)(void) = OPAQUE((void (*)(void))data_code);

	fn();
	return 1;
}

/* Reads the guard page just below the page-fault handler's own stack. */
__attribute__((noinline)) static int ktest_ist_guard(void)
{
	uint64_t top = cpu_get_ist(IST_PAGE_FAULT);
	const struct vm_region *r = memory_region(top - 1);
	volatile uint8_t *guard;

	if (!r) {
		kprintf("ist-guard: the page-fault IST stack is not guard-paged\n");
		return 1;
	}
	guard = OPAQUE((uint8_t *)(r->start - 1));
	return *guard;
}

/*
 * Points the page-fault IST slot at the bottom of its stack, as if the
 * handler had used it all, then faults: the CPU cannot push the exception
 * frame into the guard page and raises a double fault instead.
 */
__attribute__((noinline)) static int ktest_double_fault(void)
{
	const struct vm_region *r = memory_region(cpu_get_ist(IST_PAGE_FAULT) - 1);

	if (!r)
		return 1;
	cpu_set_ist(IST_PAGE_FAULT, r->start);
	return ktest_null_deref();
}

__attribute__((noinline)) static int ktest_gp(void)
{
	volatile uint64_t *p = OPAQUE((uint64_t *)0x8000000000000000ull);

	return (int)*p; /* a non-canonical address: #GP */
}

__attribute__((noinline)) static int ktest_panic(void)
{
	panic("ktest: a deliberate panic");
}

static int ktest_hang(void)
{
	cpu_halt_forever();
}

struct wx_audit {
	uint64_t mappings, writable_exec, exec_outside_text, direct_exec, at_link_address;
};

static void wx_audit_page(void *ctx, uint64_t va, uint64_t pte, uint64_t size)
{
	struct wx_audit *a = ctx;
	extern char __text_end[];

	(void)size;
	a->mappings++;
	if ((pte & PTE_W) && !(pte & PTE_NX))
		a->writable_exec++;
	if (!(pte & PTE_NX) && (va < (uint64_t)__text_start || va >= (uint64_t)__text_end))
		a->exec_outside_text++;
	if (va >= DIRECT_MAP_BASE && va < KHEAP_BASE && !(pte & PTE_NX))
		a->direct_exec++;
	/* Once the image is slid, its old place (a known address) is empty. */
	if (kernel_image_slide && va >= KERNEL_VMA)
		a->at_link_address++;
}

/* Walks the live page tables: W^X everywhere, code only in kernel text, no page 0. */
static int ktest_wx_audit(void)
{
	struct wx_audit a = { 0 };
	bool page0 = mmu_lookup(mmu_root(), 0, NULL, NULL);

	mmu_walk(mmu_root(), wx_audit_page, &a);
	kprintf("wx-audit: %llu mappings, %llu writable+executable, %llu executable "
		"outside kernel text, page 0 %s, %llu at the image's link address\n",
		(unsigned long long)a.mappings, (unsigned long long)a.writable_exec,
		(unsigned long long)a.exec_outside_text, page0 ? "MAPPED" : "unmapped",
		(unsigned long long)a.at_link_address);
	return a.mappings == 0 || a.writable_exec || a.exec_outside_text || a.direct_exec ||
	       page0 || a.at_link_address;
}

/* Takes every free frame, checks the count and the clean -ENOMEM, gives all back. */
static int ktest_pfa(void)
{
	struct pfa *pfa = memory_pfa();
	uint64_t before = pfa->free_frames, taken = 0, phys, first = 0;
	int err;

	while ((err = pfa_alloc(pfa, 1, 1, &phys)) == 0) {
		/* Chain the frames through their own first word: no other memory needed. */
		*(uint64_t *)mmu_phys_to_virt(phys) = first;
		first = phys;
		taken++;
	}
	kprintf("pfa: took %llu frames of %llu free, then %s\n",
		(unsigned long long)taken, (unsigned long long)before,
		err == -ENOMEM ? "-ENOMEM" : "an unexpected error");
	while (first) {
		uint64_t next = *(uint64_t *)mmu_phys_to_virt(first);

		if (pfa_free(pfa, first, 1))
			return 1;
		first = next;
	}
	return taken != before || err != -ENOMEM || pfa->free_frames != before;
}

/* A frame freed twice is caught: the second free panics (128), never returns. */
static int ktest_pfa_double_free(void)
{
	uint64_t phys;

	if (pfa_alloc(memory_pfa(), 1, 1, &phys))
		return 1;
	memory_free_frame(phys);
	kprintf("pfa-double-free: frame 0x%llx freed once, freeing it again\n",
		(unsigned long long)phys);
	memory_free_frame(phys);
	kprintf("pfa-double-free: the second free was not caught\n");
	return 1;
}

/* Kernel heap on real page tables: many sizes, contents intact, all returned. */
static int ktest_kheap(void)
{
	enum { N = 128, ROUNDS = 2, MAX_SIZE = 6000 };
	static uint8_t *blocks[N];
	uint64_t frames_before = memory_free_frames();

	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < N; i++) {
			size_t size = 1 + (size_t)(i * 37 % MAX_SIZE);

			blocks[i] = kmalloc(size);
			if (!blocks[i])
				return 1;
			memset(blocks[i], i & 0xff, size);
		}
		for (int i = 0; i < N; i++) {
			size_t size = 1 + (size_t)(i * 37 % MAX_SIZE);

			for (size_t j = 0; j < size; j++)
				if (blocks[i][j] != (i & 0xff))
					return 1;
			kfree(blocks[i]);
		}
	}
	kprintf("kheap: %d blocks x %d rounds ok, %lld frames not returned\n", N, ROUNDS,
		(long long)(frames_before - memory_free_frames()));
	return 0;
}

/* The clock never goes back, and a 1 ms busy wait ends. */
static int ktest_clock(void)
{
	uint64_t t0 = clock_ns(), prev = t0, now = t0, reads = 0;

	while (now - t0 < 1000000 && reads < 100000000) {
		now = clock_ns();
		if (now < prev) {
			kprintf("clock: went back from %llu to %llu ns\n",
				(unsigned long long)prev, (unsigned long long)now);
			return 1;
		}
		prev = now;
		reads++;
	}
	kprintf("clock: %s, %llu kHz, a 1 ms wait took %llu reads\n", clock_source(),
		(unsigned long long)(clock_tsc_hz() / 1000), (unsigned long long)reads);
	return now - t0 < 1000000;
}

KTEST("null-deref", ktest_null_deref);
KTEST("write-text", ktest_write_text);
KTEST("exec-data", ktest_exec_data);
KTEST("ist-guard", ktest_ist_guard);
KTEST("double-fault", ktest_double_fault);
KTEST("gp", ktest_gp);
KTEST("panic", ktest_panic);
/*
 * test=console-lines: one writer per CPU prints lines that kprintf
 * formats in pieces (literal runs and conversions); every line must reach
 * the console whole. Before kprintf gathered a line into one
 * console_write, another CPU's piece (or a thread preempting the writer)
 * could land in the middle of it. Checked in the console's log, which
 * holds the same bytes as the serial port.
 */
#define CONSOLE_LINES 30
#define CONSOLE_WRITERS_MAX 4

static char console_fill[CONSOLE_WRITERS_MAX][41];

static void console_writer(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg;

	for (unsigned i = 0; i < CONSOLE_LINES; i++)
		kprintf("console-lines: writer %u line %u: %s%s end\n", w, i, console_fill[w], "|");
}

static bool console_log_has(const char *log, size_t n, const char *line, size_t len)
{
	for (size_t i = 0; i + len <= n; i++)
		if (!memcmp(log + i, line, len))
			return true;
	return false;
}

static int ktest_console_lines(void)
{
	unsigned writers = cpu_count < CONSOLE_WRITERS_MAX ? cpu_count : CONSOLE_WRITERS_MAX;
	struct thread *t[CONSOLE_WRITERS_MAX];
	size_t size = 16384, n, whole = 0;
	char *log, line[96];

	if (writers < 2)
		writers = 2; /* on one CPU, preemption between the pieces */
	for (unsigned w = 0; w < writers; w++) {
		memset(console_fill[w], 'a' + (int)w, 40);
		console_fill[w][40] = '\0';
	}
	for (unsigned w = 0; w < writers; w++) {
		struct thread_attr attr = { .name = "console-writer", .cpu = (int)(w % cpu_count) };

		if (!(t[w] = thread_create(console_writer, (void *)(uintptr_t)w, &attr)))
			return 1;
	}
	for (unsigned w = 0; w < writers; w++)
		thread_join(t[w]);
	if (!(log = kmalloc(size)))
		return 1;
	n = console_log_copy(log, size);
	for (unsigned w = 0; w < writers; w++) {
		for (unsigned i = 0; i < CONSOLE_LINES; i++) {
			int len = fmt_snprintf(line, sizeof(line), "console-lines: writer %u line %u: %s| end\n",
					       w, i, console_fill[w]);

			whole += console_log_has(log, n, line, (size_t)len);
		}
	}
	kfree(log);
	kprintf("console-lines: %zu of %u lines whole\n", whole, writers * CONSOLE_LINES);
	return whole == writers * CONSOLE_LINES ? 0 : 1;
}

KTEST("hang", ktest_hang);
KTEST("wx-audit", ktest_wx_audit);
KTEST("pfa", ktest_pfa);
KTEST("pfa-double-free", ktest_pfa_double_free);
KTEST("kheap", ktest_kheap);
KTEST("clock", ktest_clock);
KTEST("console-lines", ktest_console_lines);

/* The linker script gathers every KTEST between these two symbols. */
extern const struct ktest __ktests_start[], __ktests_end[];

int ktest_run(const char *name, char *err, unsigned long err_size)
{
	int n = 0;

	const struct ktest *t;

	for (t = __ktests_start; t < __ktests_end; t++)
		if (strcmp(name, t->name) == 0)
			return t->run();
	n = fmt_snprintf(err, err_size, "unknown test '%s' (known:", name);
	for (t = __ktests_start; t < __ktests_end && n > 0 && (unsigned long)n < err_size; t++)
		n += fmt_snprintf(err + n, err_size - n, " %s", t->name);
	if (n > 0 && (unsigned long)n < err_size)
		fmt_snprintf(err + n, err_size - n, ")");
	return -ENOENT;
}
