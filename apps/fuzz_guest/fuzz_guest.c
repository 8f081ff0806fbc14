/*
 * fuzz_guest: a syscall fuzzer that runs inside Carapace (scripts/carapace
 * fuzz-guest; fuzz/README.md). It issues seeded random programs of system
 * calls over a pool of resources — files, directories, pipes, eventfds,
 * mappings, futex words — through the engine the host harness
 * fuzz_syscall_prog uses (fuzz/prog/syscall_prog.c), with arguments that
 * favour edge values and addresses no call may touch: the guard pages
 * around its scratch memory, non-canonical addresses, and kernel memory
 * (kernel text, this CPU's struct cpu), which the application can name
 * because it shares ring 0 with the kernel.
 *
 *   fuzz_guest --seed N --seconds S [--calls C] [--show-from K]
 *                                                  a seeded run (from call K on,
 *                                                  each call, its result and the pool)
 *   fuzz_guest --replay FILE                       the records of FILE
 *
 * The seed's stream of records is splitmix64's output, 16 bytes a record;
 * scripts/fuzz-guest makes the same stream on the host to reduce a
 * failing run to a short program. A line "fuzz-guest: seed=N calls=C"
 * comes every 2 s and at the end ("done"); a check that fails prints
 * "fuzz-guest: FAILED ..." and exits with status 3. A kernel that panics
 * or reports a violation ends the run with its own status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "prog/syscall_prog.h"

#define PAGE          4096
#define SCRATCH_SIZE  (2 * PAGE)
#define MSR_GS_BASE   0xc0000101u
#define REPORT_EVERY_NS 2000000000ull
#define EXIT_CHECK_FAILED 3
#define SHOW_CALLS_MAX 200 /* a replay this short prints each call and its result */

static uint64_t seed, calls, show_from = UINT64_MAX;
/* Calls made and calls that succeeded, by the record's first byte (show_stats). */
static uint64_t made[256], succeeded[256];
static uintptr_t no_access[5], no_write[2];

static long real_sys(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r = syscall(nr, a0, a1, a2, a3, a4, a5);

	return r == -1 ? -errno : r;
}

static void failed(const char *what)
{
	printf("fuzz-guest: FAILED at call %llu (seed %llu): %s\n", (unsigned long long)calls,
	       (unsigned long long)seed, what);
	fflush(stdout);
	exit(EXIT_CHECK_FAILED);
}

static struct prog_platform platform =
	PROG_PLATFORM(real_sys, failed, SCRATCH_SIZE, no_access, no_write);

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void set_up(void)
{
	uint8_t *m = mmap(NULL, SCRATCH_SIZE + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + PAGE, SCRATCH_SIZE, PROT_READ | PROT_WRITE) != 0) {
		printf("fuzz-guest: cannot map the scratch memory\n");
		exit(1);
	}
	/* A write to a pipe without a reader must answer EPIPE, not end the run. */
	signal(SIGPIPE, SIG_IGN);
	platform.scratch = m + PAGE;
	no_access[0] = (uintptr_t)m;                              /* the guard before */
	no_access[1] = (uintptr_t)(m + PAGE + SCRATCH_SIZE);      /* the guard after */
	no_access[2] = 0x0000800000000000ul;                      /* non-canonical */
	no_access[3] = (uintptr_t)-PAGE;
	no_access[4] = 16;                                        /* the null page */
	no_write[0] = (uintptr_t)&printf & ~(uintptr_t)(PAGE - 1); /* kernel text (its musl) */
	no_write[1] = (uintptr_t)rdmsr(MSR_GS_BASE);              /* this CPU's struct cpu */
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void report(const char *end)
{
	printf("fuzz-guest: seed=%llu calls=%llu%s\n", (unsigned long long)seed,
	       (unsigned long long)calls, end);
	fflush(stdout);
}

/*
 * One line at the end of a seeded run: each call's name, how often it was
 * made and how often it succeeded ("read 81234/5012"), summed over the
 * first bytes that name it; what a run reaches and what it only knocks at.
 */
static const char *name_of(unsigned first_byte)
{
	const uint8_t rec[PROG_RECORD] = { (uint8_t)first_byte };

	return prog_call_name(rec);
}

static void show_stats(void)
{
	printf("fuzz-guest: calls made/succeeded:");
	for (unsigned b = 0; b < 256; b++) {
		uint64_t n = 0, ok = 0;
		unsigned first = 0;

		while (strcmp(name_of(first), name_of(b)))
			first++;
		if (first < b)
			continue; /* counted with the first byte that names it */
		for (unsigned k = b; k < 256; k++)
			if (!strcmp(name_of(k), name_of(b)))
				n += made[k], ok += succeeded[k];
		printf(" %s %llu/%llu", name_of(b), (unsigned long long)n, (unsigned long long)ok);
	}
	printf("\n");
}

static int run_seeded(uint64_t seconds, uint64_t max_calls)
{
	struct prog_state s;
	uint64_t state = seed, start = now_ns(), next = start + REPORT_EVERY_NS;

	prog_init(&s, &platform);
	while (calls < max_calls && now_ns() - start < seconds * 1000000000ull) {
		uint8_t rec[PROG_RECORD];
		uint64_t a = splitmix64(&state), b = splitmix64(&state);

		memcpy(rec, &a, 8);
		memcpy(rec + 8, &b, 8);
		if (calls >= show_from) {
			printf("fuzz-guest: pool:");
			for (unsigned i = 0; i < s.nfds; i++)
				printf(" %d/%d", s.fds[i].fd, (int)s.fds[i].kind);
			printf(" (next victim %u)\nfuzz-guest: call %llu %s ...\n", s.fd_victim % PROG_MAX_FDS,
			       (unsigned long long)calls, prog_call_name(rec));
			fflush(stdout);
		}
		long r = prog_run_call(&s, rec);

		made[rec[0]]++;
		succeeded[rec[0]] += r >= 0;
		if (calls >= show_from) {
			printf("fuzz-guest: call %llu -> %ld\n", (unsigned long long)calls, r);
			fflush(stdout);
		}
		calls++;
		if (now_ns() >= next) {
			report("");
			next += REPORT_EVERY_NS;
		}
	}
	prog_reset(&s);
	show_stats();
	report(" done");
	return 0;
}

static int run_file(const char *path)
{
	struct prog_state s;
	uint8_t rec[PROG_RECORD];
	FILE *f = fopen(path, "rb");

	if (!f) {
		printf("fuzz-guest: cannot open %s\n", path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	bool show = ftell(f) <= SHOW_CALLS_MAX * PROG_RECORD; /* a long replay is a reduction step */
	fseek(f, 0, SEEK_SET);
	prog_init(&s, &platform);
	while (fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
		long r = prog_run_call(&s, rec);

		if (show)
			printf("fuzz-guest: call %llu %s -> %ld\n", (unsigned long long)calls,
			       prog_call_name(rec), r);
		calls++;
	}
	fclose(f);
	prog_reset(&s);
	printf("fuzz-guest: replayed %llu calls done\n", (unsigned long long)calls);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seconds = 10, max_calls = UINT64_MAX;
	const char *replay = NULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--show-from"))
			show_from = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--calls"))
			max_calls = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--replay"))
			replay = argv[i + 1];
		else {
			printf("fuzz-guest: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	set_up();
	if (replay)
		return run_file(replay);
	printf("fuzz-guest: seed=%llu, %llu s\n", (unsigned long long)seed,
	       (unsigned long long)seconds);
	return run_seeded(seconds, max_calls);
}
