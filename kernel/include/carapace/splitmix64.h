/*
 * splitmix64: a cheap stream of 64-bit values for choices that must not
 * be predictable from outside but happen too often for the ChaCha20
 * generator (random.h) at each one. The state is a counter and a key,
 * both seeded from a layout stream (aslr_stream_bytes, carapace/aslr.h)
 * and reseeded from it now and then by its user. The hardened heap's
 * slot and quarantine choices (hardening/halloc*.c) and the network
 * receive pools' choice of a buffer (kernel/net/netdev.c) step it.
 */
#ifndef CARAPACE_SPLITMIX64_H
#define CARAPACE_SPLITMIX64_H

#include <stdint.h>

/* A step of splitmix64 on rng (rng[0] the counter, rng[1] the key). */
static inline uint64_t splitmix64(uint64_t rng[2])
{
	uint64_t z = (rng[0] += 0x9e3779b97f4a7c15ull) ^ rng[1];

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A value in [0, n) from the stream: a multiply, not a division (bias under n / 2^64). */
static inline uint32_t splitmix64_below(uint64_t rng[2], uint32_t n)
{
	return (uint32_t)(((unsigned __int128)splitmix64(rng) * n) >> 64);
}

#endif
