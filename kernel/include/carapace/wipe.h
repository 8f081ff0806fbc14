/*
 * wipe: overwrites a secret (key material, seed bytes) with zeroes where
 * the compiler cannot drop the store as dead. Portable: the kernel, the
 * host tests and the fuzzers all use it.
 */
#ifndef CARAPACE_WIPE_H
#define CARAPACE_WIPE_H

#include <stddef.h>
#include <string.h>

static inline void wipe(void *p, size_t len)
{
	memset(p, 0, len);
	__asm__ volatile("" : : "r"(p) : "memory");
}

#endif
