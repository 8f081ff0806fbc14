/* The violation reporter and panic(). */
#include <stdarg.h>
#include <stdbool.h>

#include <carapace/arch.h>
#include <carapace/console.h>
#include <carapace/exit.h>
#include <carapace/fmt.h>
#include <carapace/images.h>
#include <carapace/ksym.h>
#include <carapace/layout.h>
#include <carapace/mmu.h>
#include <carapace/panic.h>
#include <carapace/power.h>
#include <carapace/report.h>

#define BACKTRACE_MAX 32
#define STACK_SCAN_WORDS 128 /* 1 KiB above rsp */
#define STACK_SCAN_MAX   8   /* text addresses printed */

extern char __text_start[], __text_end[];

static const struct {
	const char *name;
	int status;
} violations[VIOLATION_COUNT] = {
	[VIOLATION_PAGE_FAULT] = { "page-fault", EXIT_PAGE_FAULT },
	[VIOLATION_NULL_DEREF] = { "null-deref", EXIT_NULL_DEREF },
	[VIOLATION_WX] = { "wx", EXIT_WX },
	[VIOLATION_STACK_GUARD] = { "stack-guard", EXIT_STACK_GUARD },
	[VIOLATION_STACK_CANARY] = { "stack-canary", EXIT_STACK_CANARY },
	[VIOLATION_HEAP_OVERFLOW] = { "heap-overflow", EXIT_HEAP_OVERFLOW },
	[VIOLATION_DOUBLE_FREE] = { "double-free", EXIT_DOUBLE_FREE },
	[VIOLATION_INVALID_FREE] = { "invalid-free", EXIT_INVALID_FREE },
	[VIOLATION_USE_AFTER_FREE] = { "use-after-free", EXIT_USE_AFTER_FREE },
	[VIOLATION_FORTIFY] = { "fortify", EXIT_FORTIFY },
	[VIOLATION_CPU_EXCEPTION] = { "cpu-exception", EXIT_CPU_EXCEPTION },
	[VIOLATION_DOUBLE_FAULT] = { "double-fault", EXIT_DOUBLE_FAULT },
	[VIOLATION_UBSAN] = { "ubsan", EXIT_UBSAN },
	[VIOLATION_KASAN] = { "kasan", EXIT_KASAN },
	[VIOLATION_LIBC_CRASH] = { "libc-crash", EXIT_LIBC_CRASH },
};

/* The symbol table that the second kernel link adds (scripts/gen-ksyms). */
extern const struct ksym ksym_syms[];
extern const uint64_t ksym_count;
extern const char ksym_names[];
extern const uint64_t ksym_names_size;

/* The CPU whose report is under way, plus one; 0 when none is. */
static unsigned reporting_cpu;

const char *violation_name(enum violation v)
{
	return v < VIOLATION_COUNT ? violations[v].name : "?";
}

int violation_exit_status(enum violation v)
{
	return v < VIOLATION_COUNT ? violations[v].status : EXIT_PANIC;
}

/*
 * The first CPU to get here reports and stops the others; another CPU that
 * gets here meanwhile stops quietly, so reports are never interleaved.
 */
int report_enter(void)
{
	unsigned me = cpu_current_id() + 1, none = 0;

	if (__atomic_compare_exchange_n(&reporting_cpu, &none, me, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		smp_stop_others();
		return 0;
	}
	if (none == me)
		return 1;
	cpu_halt_forever();
}

bool report_under_way(void)
{
	return __atomic_load_n(&reporting_cpu, __ATOMIC_ACQUIRE) != 0;
}

void report_abort(const char *what)
{
	kprintf("carapace: panic: %s while reporting an earlier fault\n", what);
	power_exit(EXIT_PANIC);
}

/* Violations reported so far, by kind (most end the run; ubsan=recover's do not). */
static uint64_t violation_counts[VIOLATION_COUNT];

uint64_t violation_count(enum violation v)
{
	return v < VIOLATION_COUNT ? __atomic_load_n(&violation_counts[v], __ATOMIC_RELAXED) : 0;
}

void report_violation_line(enum violation v, const char *fmt, ...)
{
	va_list ap;

	if (v < VIOLATION_COUNT)
		__atomic_fetch_add(&violation_counts[v], 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	{
		char line[256];

		fmt_vsnprintf(line, sizeof(line), fmt, ap);
		/* One kprintf, one console_write: another CPU's line cannot cut it. */
		kprintf("carapace: violation=%s %s\n", violation_name(v), line);
	}
	va_end(ap);
}

const char *report_kernel_symbol(uint64_t addr, uint64_t *offset)
{
	struct ksym_table t = { ksym_syms, ksym_count, ksym_names, ksym_names_size };

	if (addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end)
		return NULL;
	return ksym_lookup(&t, addr, offset);
}

/*
 * Only kernel text is named: the symbol table knows nothing of the
 * application, whose addresses would otherwise borrow the name of
 * whatever kernel symbol lies below them.
 */
static void print_frame(int depth, uint64_t addr)
{
	uint64_t off;
	const char *name = report_kernel_symbol(addr, &off);

	if (!name && addr < LOW_HALF_END) {
		kprintf("    #%-2d 0x%016llx (application)\n", depth, (unsigned long long)addr);
		return;
	}

	if (name)
		kprintf("    #%-2d 0x%016llx %s+0x%llx\n", depth,
			(unsigned long long)addr, name, (unsigned long long)off);
	else
		kprintf("    #%-2d 0x%016llx ?\n", depth, (unsigned long long)addr);
}

/* A frame is followed only while it is aligned and mapped: never a fault here. */
static bool frame_readable(uint64_t rbp)
{
	return rbp && !(rbp & 7) && mmu_lookup(mmu_root(), rbp, NULL, NULL) &&
	       mmu_lookup(mmu_root(), rbp + 8, NULL, NULL);
}

void report_backtrace(uint64_t rip, uint64_t rbp)
{
	kprintf("  backtrace:\n");
	print_frame(0, rip);
	for (int depth = 1; depth < BACKTRACE_MAX && frame_readable(rbp); depth++) {
		uint64_t next = ((uint64_t *)rbp)[0];
		uint64_t ret = ((uint64_t *)rbp)[1];

		if (!ret)
			break;
		/* A return address points after the call: look up the call itself. */
		print_frame(depth, ret - 1);
		if (next <= rbp)
			break; /* frames go up the stack; anything else is garbage */
		rbp = next;
	}
}

void report_stack_scan(uint64_t rsp)
{
	int found = 0;

	kprintf("  stack scan (text addresses above rsp, as return addresses are; may be stale):\n");
	for (int i = 0; i < STACK_SCAN_WORDS && found < STACK_SCAN_MAX; i++) {
		uint64_t at = rsp + 8 * (uint64_t)i, word;

		/* Page by page: the scan stops at the stack's end (its guard), never faults. */
		if (at & 7 || !mmu_lookup(mmu_root(), at, NULL, NULL))
			break;
		word = *(const uint64_t *)at;
		if (!image_in_text(word - 1))
			continue;
		/* A return address points after the call: look up the call itself. */
		print_frame(found++, word - 1);
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	if (report_enter())
		report_abort("panic");
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("carapace: panic: %s\n", msg);
	report_backtrace((uint64_t)panic, (uint64_t)__builtin_frame_address(0));
	power_exit(EXIT_PANIC);
}
