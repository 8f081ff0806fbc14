/*
 * Random bytes for the kernel: getrandom(), /dev/urandom, /dev/random,
 * AT_RANDOM. They come from the ChaCha20 generator of aslr/csprng.c,
 * seeded from the CPU (RDSEED, else RDRAND, each health-checked) and
 * reseeded every RANDOM_RESEED_BYTES; without either instruction from TSC
 * jitter, with a loud warning. See aslr/README.md.
 */
#ifndef CARAPACE_RANDOM_H
#define CARAPACE_RANDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RANDOM_RESEED_BYTES (1024 * 1024)

/* Seeds the generator (once; random_bytes does it too if nobody did). */
void random_init(void);

void random_bytes(void *buf, size_t len);
uint64_t random_u64(void);

/* Uniform in [0, n), without modulo bias; n = 0 gives 0. */
uint64_t random_below(uint64_t n);

/* Reseeds from the hardware now. 0, or -EIO when no source answered. */
int random_reseed(void);

struct random_status {
	const char *source;    /* the seed source in use ("none": none left) */
	bool weak;             /* the TSC jitter fallback */
	uint64_t reseeds, reseed_failures;
};

void random_status(struct random_status *st);

/*
 * The i-th seed source of this machine, best first, the weak fallback
 * last; NULL past the end (arch code: aslr/entropy_x86.c).
 */
struct entropy_source;
struct entropy_source *arch_entropy_source(size_t i);

#endif
