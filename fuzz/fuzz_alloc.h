/*
 * What the VFS harnesses (fuzz_bootfs.c, fuzz_sockets.c) share: a check
 * that traps (the fuzzer reports it), and a vfs_alloc that counts the
 * blocks outstanding, which must be 0 once everything is closed.
 */
#ifndef CARAPACE_FUZZ_ALLOC_H
#define CARAPACE_FUZZ_ALLOC_H

#include <stdlib.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static long outstanding;

static void *count_alloc(void *ctx, size_t n)
{
	void *p = malloc(n);

	(void)ctx;
	if (p != NULL)
		outstanding++;
	return p;
}

static void count_free(void *ctx, void *p)
{
	(void)ctx;
	if (p != NULL)
		outstanding--;
	free(p);
}

#endif
