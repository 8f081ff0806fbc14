/* Random bytes for the kernel (see carapace/random.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/random.h>

#include "arch.h"

/*
 * RDRAND, checked for failure. The kernel's CSPRNG (aslr/, a later issue)
 * will take over; without RDRAND the bytes are weak and the boot log says so.
 */
void random_bytes(void *buf, size_t len)
{
	static bool warned;
	uint8_t *out = buf;
	uint32_t r[4];
	uint64_t x = rdtsc() | 1;

	cpuid(1, 0, r);
	for (size_t i = 0; i < len; i++) {
		uint64_t v = 0;
		unsigned char ok = 0;

		for (int tries = 0; tries < 10 && !ok && (r[2] & (1u << 30)); tries++)
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (!ok) {
			if (!warned) {
				kprintf("carapace: warning: no RDRAND: getrandom gives weak bytes\n");
				warned = true;
			}
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v = x;
		}
		out[i] = (uint8_t)v;
	}
}

