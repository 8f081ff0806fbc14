/*
 * The memory system calls touch only application memory (issue 11).
 *
 *   memcalls.so battery   every memory call on every kind of kernel memory
 *   memcalls.so bounds    lengths that overflow, a non-canonical clone TLS,
 *                         munmap of a huge empty range
 *   memcalls.so tmp [KIB] a write at offset 2^39 in /tmp; with KIB (the
 *                         case boots with tmp.size=KIBk), /tmp fills up at
 *                         that size with ENOSPC
 *
 * The application runs in ring 0 beside the kernel, so it can find the
 * kernel's memory itself: the IDT and GDT from sidt/sgdt, kernel text and
 * rodata from musl (linked into the kernel image), the running thread and
 * its syscall stack from the per-CPU data at %gs:8 and %gs:16, the direct
 * map's base from .ro_after_init (next to the IDT), and through it the page
 * tables (CR3) and the device window. Every call goes through syscall()
 * with exactly the arguments given (musl's wrappers round some of them).
 * After each attempt the page's table entry and, where it is stable, a
 * checksum of its bytes must be as they were.
 *
 * Prints one line per attempt and a summary; exits 0 when every attempt
 * failed with the expected errno and nothing changed, 1 if not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ull
#define LOW_HALF_END    0x0000800000000000ull
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define KHEAP_BASE      0xffffc00000000000ull
#define PHYS_MAP_BASE   0xfffff00000000000ull
#define PHYS_MAP_LIMIT  0xfffff80000000000ull
#define APP_BRK_BASE    0x0000080000000000ull
#define APP_HEAP_BASE   0x00000c0000000000ull
#define PTE_P    1ull
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_AD   (3ull << 5) /* accessed and dirty: the CPU sets them on use */
#define LARGE    0x200000ull

static int attempts, succeeded, wrong, changed;
static uint64_t direct_map;

/* The leaf entry that maps va (through the direct map), or 0. */
static uint64_t pte_of(uint64_t va)
{
	uint64_t cr3, *table;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	table = (uint64_t *)(direct_map + (cr3 & PTE_ADDR));
	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[(va >> (12 + 9 * level)) & 511];

		if (!(e & PTE_P))
			return 0;
		if (level == 0 || (e & PTE_PS))
			return e;
		table = (uint64_t *)(direct_map + (e & PTE_ADDR));
	}
	return 0;
}

/* The first present page in [lo, hi), skipping absent tables; 0 if none. */
static uint64_t first_mapped(uint64_t lo, uint64_t hi)
{
	for (uint64_t va = lo; va < hi && va >= lo;) {
		uint64_t cr3, *table, step = 0;

		__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
		table = (uint64_t *)(direct_map + (cr3 & PTE_ADDR));
		for (int level = 3; level >= 0; level--) {
			uint64_t e = table[(va >> (12 + 9 * level)) & 511];

			if (!(e & PTE_P)) {
				step = 1ull << (12 + 9 * level);
				break;
			}
			if (level == 0 || (e & PTE_PS))
				return va;
			table = (uint64_t *)(direct_map + (e & PTE_ADDR));
		}
		va = (va & ~(step - 1)) + step;
	}
	return 0;
}

/*
 * The direct map's base is a variable of .ro_after_init, the section that
 * holds the IDT: a 2 MiB-aligned value of the direct map's area within 16
 * pages of the IDT (rodata before it and data after it are mapped).
 */
static uint64_t find_direct_map(uint64_t idt)
{
	const uint64_t *p = (const uint64_t *)((idt & ~(PAGE - 1)) - 16 * PAGE);

	for (size_t i = 0; i < 32 * PAGE / 8; i++)
		if (p[i] >= DIRECT_MAP_BASE && p[i] < KHEAP_BASE && !(p[i] & (LARGE - 1)))
			return p[i];
	return 0;
}

static uint64_t checksum(uint64_t page)
{
	const uint64_t *p = (const uint64_t *)page;
	uint64_t sum = 0;

	for (size_t i = 0; i < PAGE / 8; i++)
		sum = (sum ^ p[i]) * 0x100000001b3ull;
	return sum;
}

struct target {
	const char *name;
	uint64_t page;
	int stable; /* its bytes do not change by themselves: checksum them */
};

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case EEXIST: return "EEXIST";
	case EACCES: return "EACCES";
	default: return "other";
	}
}

/* One attempt: rc is the call's result (-1 and errno on failure). */
static void report(const char *call, const char *what, long rc, int err, int want)
{
	const char *verdict = "ok";

	attempts++;
	if (rc != -1) {
		succeeded++;
		verdict = "SUCCEEDED";
	} else if (err != want) {
		wrong++;
		verdict = "WRONG ERRNO";
	}
	printf("memcalls: %s(%s) = %s %s\n", call, what,
	       rc == -1 ? errname(err) : "success", verdict);
}

static long sc(long nr, long a, long b, long c, long d, long e, long f)
{
	errno = 0;
	return syscall(nr, a, b, c, d, e, f);
}

#define TRY(call, what, want, nr, a, b, c, d, e, f) \
	do { long rc_ = sc(nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)); \
	     report(call, what, rc_, errno, want); } while (0)

static void try_all(const struct target *t)
{
	uint64_t p = t->page, pte = pte_of(p), sum = 0, brk0;
	const char *n = t->name;

	if (t->stable && pte)
		sum = checksum(p);
	TRY("mmap-fixed", n, ENOMEM, SYS_mmap, p, PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	TRY("mmap-noreplace", n, ENOMEM, SYS_mmap, p, PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	TRY("munmap", n, EINVAL, SYS_munmap, p, PAGE, 0, 0, 0, 0);
	TRY("mremap-shrink", n, EINVAL, SYS_mremap, p, 2 * PAGE, PAGE, 0, 0, 0);
	TRY("mremap-same", n, EINVAL, SYS_mremap, p, PAGE, PAGE, 0, 0, 0);
	TRY("madvise", n, ENOMEM, SYS_madvise, p, PAGE, MADV_DONTNEED, 0, 0, 0);
	TRY("msync", n, ENOMEM, SYS_msync, p, PAGE, MS_SYNC, 0, 0, 0);
	TRY("mlock", n, ENOMEM, SYS_mlock, p, PAGE, 0, 0, 0, 0);
	TRY("munlock", n, ENOMEM, SYS_munlock, p, PAGE, 0, 0, 0, 0);
	TRY("mlock2", n, ENOMEM, SYS_mlock2, p, PAGE, 0, 0, 0, 0);
	brk0 = (uint64_t)syscall(SYS_brk, 0);
	attempts++;
	if ((uint64_t)syscall(SYS_brk, p) != brk0 || (uint64_t)syscall(SYS_brk, 0) != brk0) {
		succeeded++;
		printf("memcalls: brk(%s) moved the break SUCCEEDED\n", n);
	} else {
		printf("memcalls: brk(%s) = old break ok\n", n);
	}
	/* The attacks last: on a kernel without the checks they break the run. */
	TRY("mprotect-none", n, ENOMEM, SYS_mprotect, p, PAGE, PROT_NONE, 0, 0, 0);
	TRY("mprotect-rw", n, ENOMEM, SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
	if (((pte_of(p) ^ pte) & ~PTE_AD) || (t->stable && pte && checksum(p) != sum)) {
		changed++;
		printf("memcalls: %s at %#lx CHANGED\n", n, (unsigned long)p);
	} else {
		printf("memcalls: %s at %#lx unchanged\n", n, (unsigned long)p);
	}
}

/* Ranges that start in application memory and leave it, or wrap. */
static void try_edges(void)
{
	char *app = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t a = (uint64_t)app, wrap = -a, top = LOW_HALF_END - PAGE;

	if (app == MAP_FAILED) {
		printf("memcalls: mmap of an application page FAILED\n");
		wrong++;
		return;
	}
	memset(app, 0x5a, PAGE);
	TRY("munmap", "app..2^64", EINVAL, SYS_munmap, a, wrap, 0, 0, 0, 0);
	TRY("munmap", "app..kernel", EINVAL, SYS_munmap, a, DIRECT_MAP_BASE - a + PAGE, 0, 0, 0, 0);
	TRY("mprotect", "app..2^64", ENOMEM, SYS_mprotect, a, wrap, PROT_READ, 0, 0, 0);
	TRY("mprotect", "low-half-end", ENOMEM, SYS_mprotect, top, 2 * PAGE, PROT_READ, 0, 0, 0);
	TRY("mmap-fixed", "low-half-end", ENOMEM, SYS_mmap, top, 2 * PAGE, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	TRY("mremap-shrink", "app..2^64", EINVAL, SYS_mremap, a, wrap, PAGE, 0, 0, 0);
	TRY("mremap-old-len-overflow", "app", EINVAL, SYS_mremap, a, -1L, PAGE, 0, 0, 0);
	TRY("mremap-new-len-overflow", "app", EINVAL, SYS_mremap, a, PAGE, -1L, 0, 0, 0);
	TRY("madvise", "app..2^64", EINVAL, SYS_madvise, a, wrap - 1, MADV_DONTNEED, 0, 0, 0);
	TRY("msync", "app..2^64", ENOMEM, SYS_msync, a, wrap, MS_SYNC, 0, 0, 0);
	TRY("mlock", "app..2^64", EINVAL, SYS_mlock, a, wrap, 0, 0, 0, 0);
	TRY("mmap-fixed", "app + 1 TiB, more than RAM", ENOMEM, SYS_mmap, a, 1ull << 40,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	TRY("munmap", "empty", EINVAL, SYS_munmap, a, 0, 0, 0, 0, 0);
	TRY("mmap", "empty", EINVAL, SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY("mprotect", "unaligned", EINVAL, SYS_mprotect, a + 1, PAGE, PROT_READ, 0, 0, 0);
	TRY("msync", "bad flags", EINVAL, SYS_msync, a, PAGE, MS_SYNC | MS_ASYNC, 0, 0, 0);
	TRY("mlockall", "bad flags", EINVAL, SYS_mlockall, 0, 0, 0, 0, 0, 0);
	if (pte_of(a) == 0 || app[0] != 0x5a || app[PAGE - 1] != 0x5a) {
		changed++;
		printf("memcalls: the application page CHANGED\n");
	} else {
		printf("memcalls: the application page unchanged\n");
	}
	/* And the calls still work on application memory (one at a time, in order). */
	{
		long lock = sc(SYS_mlock, a, PAGE, 0, 0, 0, 0);
		long sync = sc(SYS_msync, a, PAGE, MS_SYNC, 0, 0, 0);
		long advise = sc(SYS_madvise, a, PAGE, MADV_WILLNEED, 0, 0, 0);
		long protect = sc(SYS_mprotect, a, PAGE, PROT_READ, 0, 0, 0);
		long unmap = sc(SYS_munmap, a, PAGE, 0, 0, 0, 0);

		printf("memcalls: on application memory: mlock %ld msync %ld madvise %ld "
		       "mprotect %ld munmap %ld\n", lock, sync, advise, protect, unmap);
		wrong += lock || sync || advise || protect || unmap;
	}
}

static int battery(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr, gdtr;
	uint64_t thread, stack_top, cr3;
	struct timespec ten_ms = { 0, 10000000 };

	__asm__ volatile("sidt %0" : "=m"(idtr));
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("mov %%gs:8, %0" : "=r"(thread));
	__asm__ volatile("mov %%gs:16, %0" : "=r"(stack_top));
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	direct_map = find_direct_map(idtr.base);
	if (!direct_map) {
		printf("memcalls: the direct map's base was not found FAILED\n");
		return 1;
	}
	{
		const struct target targets[] = {
			{ "kernel-rodata", (uint64_t)strerror(EINVAL) & ~(PAGE - 1), 1 },
			{ "idt", idtr.base & ~(PAGE - 1), 1 },
			{ "gdt", gdtr.base & ~(PAGE - 1), 0 },
			{ "kernel-heap", thread & ~(PAGE - 1), 0 },
			{ "guard-page", stack_top, 0 },
			{ "direct-map", first_mapped(direct_map, KHEAP_BASE), 1 },
			{ "device-window", first_mapped(PHYS_MAP_BASE, PHYS_MAP_LIMIT), 0 },
			{ "page-tables", direct_map + (cr3 & PTE_ADDR), 0 },
			{ "syscall-stack", stack_top - PAGE, 0 },
			{ "kernel-text", (uint64_t)&printf & ~(PAGE - 1), 1 },
		};

		for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
			if (targets[i].page < LOW_HALF_END) {
				printf("memcalls: %s not found FAILED\n", targets[i].name);
				wrong++;
				continue;
			}
			try_all(&targets[i]);
			fflush(stdout);
		}
	}
	try_edges();
	/* The application's own text is its memory: mprotect works there, W^X still holds. */
	{
		uint64_t text = (uint64_t)&battery & ~(PAGE - 1);
		long rx = sc(SYS_mprotect, text, PAGE, PROT_READ | PROT_EXEC, 0, 0, 0);
		long rwx = sc(SYS_mprotect, text, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0);
		int rwx_errno = errno;

		printf("memcalls: own text: mprotect r-x %ld, rwx %s\n", rx,
		       rwx == -1 ? errname(rwx_errno) : "success");
		wrong += rx != 0 || rwx != -1 || rwx_errno != EACCES;
	}
	/* The run goes on: a timer interrupt (through the IDT) and system calls. */
	printf("memcalls: after: nanosleep %d getpid %d\n", nanosleep(&ten_ms, NULL),
	       getpid() > 0);
	printf("memcalls: %d attempts, %d succeeded, %d wrong errno, %d changed\n", attempts,
	       succeeded, wrong, changed);
	return succeeded || wrong || changed;
}

/* clone with a non-canonical TLS: the child (if any) exits at once. */
static long clone_bad_tls(void *stack)
{
	long rc;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = (long)0x8000000000000000ull;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(rc)
			 : "a"(SYS_clone), "D"(0x00010000 | 0x00000100 | 0x00000800 | 0x00080000),
			   "S"(stack), "d"(0), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return rc;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static int bounds(void)
{
	char *stack = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct timespec t0;
	long rc;

	rc = clone_bad_tls(stack + 16 * PAGE);
	report("clone", "tls=0x8000000000000000", rc < 0 ? -1 : rc, rc < 0 ? (int)-rc : 0, EINVAL);
	TRY("arch_prctl-set-fs", "0x8000000000000000", EPERM, SYS_arch_prctl, 0x1002,
	    0x8000000000000000ull, 0, 0, 0, 0);
	TRY("mremap-old-len-overflow", "stack", EINVAL, SYS_mremap, stack, -1L, PAGE, 0, 0, 0);
	TRY("mremap-new-len-overflow", "stack", EINVAL, SYS_mremap, stack, PAGE, -1L, 0, 0, 0);
	/* brk's 4 TiB window: nothing is mapped there (the application never calls brk). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sc(SYS_munmap, APP_BRK_BASE, APP_HEAP_BASE - APP_BRK_BASE, 0, 0, 0, 0);
	printf("memcalls: munmap of an empty 4 TiB range = %ld in %s\n", rc,
	       ms_since(&t0) < 1000 ? "under a second" : "MORE THAN A SECOND");
	stack[0] = 1; /* still mapped */
	/*
	 * munmap finds PROT_NONE pages too (their frames stay in the table
	 * entries): 64 rounds of 64 such pages must give every frame back.
	 */
	{
		struct sysinfo before, after;
		long lost;

		sysinfo(&before);
		for (int i = 0; i < 64; i++) {
			void *p = mmap(NULL, 64 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED || munmap(p, 64 * PAGE) != 0)
				wrong++;
		}
		sysinfo(&after);
		lost = ((long)before.freeram - (long)after.freeram) * (long)before.mem_unit / 1024;
		printf("memcalls: 16 MiB of PROT_NONE mapped and unmapped: %s\n",
		       lost < 1024 ? "frames returned" : "FRAMES LOST");
		wrong += lost >= 1024;
	}
	printf("memcalls: %d attempts, %d succeeded, %d wrong errno, %d changed\n", attempts,
	       succeeded, wrong, changed);
	return succeeded || wrong || rc != 0;
}

/* Offsets near 2^39, and /tmp's limit when limit_kib is not 0. */
static int tmp(long limit_kib)
{
	static char chunk[64 * 1024];
	int fd = open("/tmp/big", O_CREAT | O_RDWR | O_TRUNC, 0644);
	long total = 0, rc;
	int bad = 0;

	TRY("pwrite", "offset 2^39", EFBIG, SYS_pwrite64, fd, "x", 1, 1ll << 39, 0, 0);
	lseek(fd, 1ll << 39, SEEK_SET);
	TRY("write", "after lseek to 2^39", EFBIG, SYS_write, fd, "x", 1, 0, 0, 0);
	TRY("ftruncate", "2^39", EFBIG, SYS_ftruncate, fd, 1ll << 39, 0, 0, 0, 0);
	lseek(fd, 0, SEEK_SET);
	if (!limit_kib)
		goto done;
	memset(chunk, 'c', sizeof(chunk));
	while ((rc = write(fd, chunk, sizeof(chunk))) > 0 && total < (8l << 20))
		total += rc;
	printf("memcalls: /tmp took %ld KiB, then %s\n", total / 1024,
	       rc < 0 ? errname(errno) : "no error");
	bad |= !(rc < 0 && errno == ENOSPC && total <= limit_kib * 1024);
	close(fd);
	unlink("/tmp/big");
	fd = open("/tmp/again", O_CREAT | O_RDWR | O_TRUNC, 0644);
	rc = write(fd, chunk, sizeof(chunk));
	printf("memcalls: after unlink a new file takes %ld bytes\n", rc);
	bad |= rc != (long)sizeof(chunk);
done:
	printf("memcalls: %d attempts, %d succeeded, %d wrong errno\n", attempts, succeeded, wrong);
	return bad || succeeded || wrong;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "battery";

	if (strcmp(what, "battery") == 0)
		return battery();
	if (strcmp(what, "bounds") == 0)
		return bounds();
	if (strcmp(what, "tmp") == 0)
		return tmp(argc > 2 ? atol(argv[2]) : 0);
	printf("memcalls: unknown part %s\n", what);
	return 2;
}
