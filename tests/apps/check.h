/*
 * For the test applications that run in Carapace only (stream_api.c,
 * dgram_api.c, kernel_buffers.c): the count of failed checks, check(),
 * and gs_word() to find the kernel's memory they aim bad pointers at.
 * Define CHECK_PREFIX (the lines' first word, "stream") before including
 * it; with CHECK_FAILURES_ONLY, check() prints only what failed.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdint.h>
#include <stdio.h>

#ifndef CHECK_PREFIX
#error "define CHECK_PREFIX before including check.h"
#endif

static int failures;

/* One check: "PREFIX: NAME ok" or "PREFIX: NAME FAILED", counted. */
static void check(const char *name, int ok)
{
#ifdef CHECK_FAILURES_ONLY
	if (ok)
		return;
#endif
	printf(CHECK_PREFIX ": %s %s\n", name, ok ? "ok" : "FAILED");
	failures += !ok;
}

/*
 * The word at offset in this CPU's kernel data (GS base, ring 0): 8 is
 * the running struct thread, 16 the top of its syscall stack
 * (kernel/include/carapace/percpu.h).
 */
static uint64_t gs_word(unsigned offset)
{
	uint64_t v;

	__asm__ volatile("mov %%gs:(%1), %0" : "=r"(v) : "r"((uint64_t)offset));
	return v;
}

#endif
