/*
 * The kernel's side of the syscall layer (kernel/syscall/ is the portable
 * part): the MSRs that make the SYSCALL instruction enter syscall_entry.S,
 * the environment the dispatcher asks about memory, clocks and the calling
 * thread, and in-kernel tests and benchmarks of the whole path.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fs.h>
#include <carapace/hardening.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>
#include <carapace/netdev.h>
#include <carapace/percpu.h>
#include <carapace/random.h>
#include <carapace/syscall.h>
#include <carapace/thread.h>

#include <carapace/arch.h>
#include <carapace/layout.h>
#include <carapace/mmu.h>
#include "sys_kernel.h"

#define MSR_STAR        0xc0000081
#define MSR_LSTAR       0xc0000082
#define MSR_FMASK       0xc0000084
#define EFER_SCE        (1u << 0)
/* Cleared on entry: interrupts, direction, single-step, alignment check. */
#define SYSCALL_FMASK   (0x200 | 0x400 | 0x100 | 0x40000)

void syscall_entry(void);

/*
 * Memory the application may hand the kernel as a syscall buffer. Both
 * ways: the low half (its objects, heap, mappings and thread stacks), its
 * main stack (a region flagged VM_REGION_APP_MEMORY), musl's data and bss
 * in the image (.libc_data: stdin's buffer, the thread list lock clone
 * clears), and the stack the calling thread made this call from (the
 * in-kernel tests' buffers; found from the caller's RSP in the syscall frame).
 * Reads only: the image's text and rodata, the same bytes in every boot's
 * binary (musl's string constants are there). Everything else in the
 * kernel's half is refused both ways, so a call can neither write kernel
 * memory nor copy it out to a file: the kernel's own data and bss, the
 * heap, every other stack (interrupt, syscall and IST stacks, other
 * threads'), the direct map (and the page tables in it), the device window.
 */
extern char __libc_data_start[], __libc_data_end[];
extern char __text_start[], __rodata_end[];

static bool between(uint64_t addr, const char *start, const char *end)
{
	return addr >= (uint64_t)start && addr < (uint64_t)end;
}

static bool app_may_use(uint64_t addr, bool want_write)
{
	const struct vm_region *r;
	uint64_t caller_sp;

	if (addr < LOW_HALF_END || between(addr, __libc_data_start, __libc_data_end))
		return true;
	if (!want_write && between(addr, __text_start, __rodata_end))
		return true;
	r = memory_region(addr);
	if (!r || r->kind != VM_REGION_STACK)
		return false;
	if (r->flags & VM_REGION_APP_MEMORY)
		return true;
	caller_sp = syscall_current_frame()->rsp;
	return caller_sp > r->start && caller_sp <= r->end;
}

/*
 * Every page of [addr, addr+len) present, the application's (app_may_use)
 * and, for a write, writable. The dispatcher has already refused a range
 * that wraps or ends at 2^64; this walk refuses it again rather than
 * compute an end that wraps to 0 and check no page.
 */
static bool check_user_range(void *ctx, uintptr_t addr, size_t len, bool want_write)
{
	uint64_t page = addr & ~(uint64_t)(PAGE_SIZE - 1), last, root = mmu_root();
	uint64_t bits = want_write ? PTE_W : 0;

	(void)ctx;
	if (len == 0 || len > UINTPTR_MAX - addr)
		return false;
	last = (addr + len - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	for (;;) {
		/* The mapped pages from here on, a leaf table at a time (a
		 * 64 KiB receive buffer was 16 walks from the top). */
		size_t run = mmu_present_run(root, page, (last - page) / PAGE_SIZE + 1, bits);

		if (run == 0)
			return false;
		/* The low half is the application's, page after page. */
		if (last < LOW_HALF_END) {
			if (page + (run - 1) * PAGE_SIZE == last)
				return true;
			page += run * PAGE_SIZE;
			continue;
		}
		for (size_t i = 0; i < run; i++, page += PAGE_SIZE) {
			if (!app_may_use(page, want_write))
				return false;
			if (page == last)
				return true;
		}
	}
}

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	kprintf("%s\n", line);
}

static uint64_t read_clock(void *ctx, enum syscall_clock clock)
{
	(void)ctx;
	switch (clock) {
	case SYSCALL_CLOCK_THREAD:
	case SYSCALL_CLOCK_PROCESS:
		return thread_cpu_time_ns(thread_current());
	case SYSCALL_CLOCK_REALTIME:
		return rtc_realtime_ns();
	default:
		return clock_ns();
	}
}

static int sleep_thread(void *ctx, uint64_t ns, uint64_t *left_ns)
{
	(void)ctx;
	return sys_signal_sleep(ns, left_ns);
}

static void random_for_syscalls(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	random_bytes(buf, len);
}

static int current_tid(void *ctx)
{
	(void)ctx;
	return (int)thread_id(thread_current());
}

static void set_clear_child_tid(void *ctx, uintptr_t addr)
{
	(void)ctx;
	thread_set_clear_child_tid(addr);
}

static void meminfo(void *ctx, uint64_t *total, uint64_t *free)
{
	(void)ctx;
	*total = memory_usable_frames() * PAGE_SIZE;
	*free = memory_free_frames() * PAGE_SIZE;
}

static void nofile_get(void *ctx, uint64_t *cur, uint64_t *max)
{
	(void)ctx;
	sys_files_nofile(cur, max);
}

static int nofile_set(void *ctx, uint64_t cur, uint64_t max)
{
	(void)ctx;
	return sys_files_set_nofile(cur, max);
}

static struct syscall_log_limit log_limit;
/*
 * The handlers that need the kernel's subsystems (sys_files.c,
 * sys_memory.c, sys_signal.c, sys_thread.c, sys_poll.c).
 */
static syscall_handler_fn kernel_handlers[SYSCALL_TABLE_SIZE] __ro_after_init;
/*
 * Its function pointers (the range check first) are written at boot only:
 * read-only after boot. log_limit points at the writable rate-limit state.
 */
static struct syscall_env env __ro_after_init = {
	.check_user_range = check_user_range,
	.log = log_line,
	.clock_ns = read_clock,
	.sleep_ns = sleep_thread,
	.random = random_for_syscalls,
	.gettid = current_tid,
	.set_clear_child_tid = set_clear_child_tid,
	.meminfo = meminfo,
	.nofile_get = nofile_get,
	.nofile_set = nofile_set,
	.kernel_handlers = kernel_handlers,
	.log_limit = &log_limit,
	.pid = 1,
	.nodename = "carapace",
	.cpu_count = 1,
	.clock_res_ns = 1,
	.stack_limit = THREAD_STACK_DEFAULT,
};

const struct syscall_env *syscall_kernel_env(void)
{
	return &env;
}

long syscall_from_entry(struct syscall_frame *f);

#define NR_RT_SIGRETURN 15

long syscall_from_entry(struct syscall_frame *f)
{
	long ret;

	/* The one call that changes the frame it returns through. */
	if (f->nr == NR_RT_SIGRETURN)
		ret = sys_signal_return(&env, f);
	else
		ret = syscall_dispatch(&env, (long)f->nr, (long)f->rdi, (long)f->rsi,
				       (long)f->rdx, (long)f->r10, (long)f->r8, (long)f->r9);
	/* The frames the call sent, told to their device after its locks went. */
	netdev_flush();
	/* A signal the call raised, or one its new mask let through. */
	sys_signal_deliver(&env, f, &ret);
	return ret;
}

/*
 * On every CPU: SYSCALL enters syscall_entry in the kernel's own segments.
 * The boot CPU comes first (sched_init, before the others start) and fills
 * the kernel handlers.
 */
void syscall_init_cpu(void)
{
	static bool handlers_ready;

	if (!handlers_ready) {
		sys_signal_register(kernel_handlers);
		sys_signalfd_register(kernel_handlers);
		sys_files_register(kernel_handlers);
		sys_file_sync_register(kernel_handlers);
		sys_memory_register(kernel_handlers);
		sys_poll_register(kernel_handlers);
		sys_net_register(kernel_handlers);
		sys_epoll_register(kernel_handlers);
		sys_thread_register(kernel_handlers);
		sys_itimer_register(kernel_handlers);
		sys_timer_register(kernel_handlers);
		sys_prctl_register(kernel_handlers);
		/* What /proc/self tells of the process (kernel/fs may not ask us). */
		fs_app_set_process(&(struct fs_app_process){ env.pid, sys_signal_thread_count,
							     sys_signal_masks });
		handlers_ready = true;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)GDT_KERNEL_CODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, SYSCALL_FMASK);
}

/* Once every CPU is up, before the environment becomes read-only. */
void syscall_set_cpu_count(unsigned n)
{
	env.cpu_count = n ? n : 1;
}

/* ---- tests and benchmarks ---- */

/* The SYSCALL instruction as musl issues it: only RCX and R11 are clobbered. */
long sys_raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * Every register but RAX, RCX and R11 survives SYSCALL, and the caller's red
 * zone is not written: the values go in, the marker sits 64 bytes below
 * RSP, and what comes out is stored through RBX.
 */
static int registers_survive(void)
{
	uint64_t before[7] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777 };
	uint64_t after[8];
	register uint64_t *in __asm__("r15") = before;

	__asm__ volatile(
		"mov 0(%[in]), %%rdi; mov 8(%[in]), %%rsi; mov 16(%[in]), %%rdx\n\t"
		"mov 24(%[in]), %%r10; mov 32(%[in]), %%r8; mov 40(%[in]), %%r9\n\t"
		"mov 48(%[in]), %%r12\n\t"
		"movq $0x5a5a5a5a, -64(%%rsp)\n\t"
		"mov $39, %%eax\n\t" /* getpid */
		"syscall\n\t"
		"mov %%rdi, 0(%%rbx); mov %%rsi, 8(%%rbx); mov %%rdx, 16(%%rbx)\n\t"
		"mov %%r10, 24(%%rbx); mov %%r8, 32(%%rbx); mov %%r9, 40(%%rbx)\n\t"
		"mov %%r12, 48(%%rbx); mov -64(%%rsp), %%rax; mov %%rax, 56(%%rbx)\n\t"
		: : [in] "r"(in), "b"(after)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "memory");
	return memcmp(before, after, sizeof(before)) == 0 && after[7] == 0x5a5a5a5a;
}

struct syscall_case {
	const char *what;
	long nr, a0, a1, a2;
	long want; /* 0: any non-negative result */
};

static int ktest_syscall(void)
{
	char uts[390], buf[16];
	uint64_t ts[2];
	const struct syscall_case cases[] = {
		{ "getpid", 39, 0, 0, 0, 1 },
		{ "uname", 63, (long)uts, 0, 0, 0 },
		{ "clock_gettime(MONOTONIC)", 228, 1, (long)ts, 0, 0 },
		{ "getrandom", 318, (long)buf, sizeof(buf), 0, sizeof(buf) },
		{ "uname into kernel text", 63, (long)ktest_syscall, 0, 0, -EFAULT },
		{ "uname into page 0", 63, 16, 0, 0, -EFAULT },
		{ "clock_gettime into a non-canonical address", 228, 1, (long)0x8000000000000000ull, 0,
		  -EFAULT },
		{ "getrandom with unknown flags", 318, (long)buf, sizeof(buf), 0x100, -EINVAL },
		{ "an unknown call", 999, 0, 0, 0, -ENOSYS },
	};
	int failed = 0;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct syscall_case *c = &cases[i];
		long got = sys_raw_syscall(c->nr, c->a0, c->a1, c->a2, 0, 0, 0);
		bool ok = c->want ? got == c->want : got >= 0;

		kprintf("syscall: %-45s -> %ld %s\n", c->what, got, ok ? "ok" : "WRONG");
		failed += !ok;
	}
	if (strcmp(uts, "Carapace") != 0) {
		kprintf("syscall: uname gave sysname '%s'\n", uts);
		failed++;
	}
	if (!registers_survive()) {
		kprintf("syscall: registers or the red zone changed across SYSCALL\n");
		failed++;
	}
	kprintf("syscall: %d wrong\n", failed);
	return failed != 0;
}
KTEST("syscall", ktest_syscall);

/* getpid through the function path, and through the SYSCALL instruction. */
static int ktest_bench_syscall(void)
{
	enum { N = 200000 };
	uint64_t t0, t1, t2;

	t0 = clock_ns();
	for (int i = 0; i < N; i++)
		syscall_dispatch(&env, 39, 0, 0, 0, 0, 0, 0);
	t1 = clock_ns();
	for (int i = 0; i < N; i++)
		sys_raw_syscall(39, 0, 0, 0, 0, 0, 0);
	t2 = clock_ns();
	kprintf("bench: getpid-function-call %llu ns\n", (unsigned long long)((t1 - t0) / N));
	kprintf("bench: getpid-syscall-instruction %llu ns\n", (unsigned long long)((t2 - t1) / N));
	return 0;
}
KTEST("bench-syscall", ktest_bench_syscall);
