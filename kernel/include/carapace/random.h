/*
 * Random bytes for the kernel: getrandom(), /dev/urandom, /dev/random,
 * AT_RANDOM. They come from the ChaCha20 generator of aslr/csprng.c,
 * seeded from the CPU (RDSEED, else RDRAND, each health-checked) and from
 * virtio-rng when the machine has one, and reseeded every
 * RANDOM_RESEED_BYTES; with neither instruction nor device, from TSC
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

/*
 * Adds a device's seed source (virtio-rng): its words are mixed in now and
 * at every reseed, beside the CPU's. 0; -EIO (it failed its health check:
 * not added); -ENOSPC (no room: at most 2).
 */
struct entropy_source;
int random_add_source(struct entropy_source *src);

/*
 * Once the device sources are in (kmain, after virtio_rng_init): logs the
 * sources under verbose, or prints the warning that random bytes are weak
 * when there is no hardware source at all. Before this call that warning
 * is held back, since a device may still come.
 */
void random_boot_report(void);

/* Reseeds from the hardware now. 0, or -EIO when no source answered. */
int random_reseed(void);

struct random_status {
	const char *source;    /* the sources in use: "RDRAND and virtio-rng",
				* "TSC jitter" (weak, alone), "none" */
	bool weak;             /* only the TSC jitter fallback: no hardware source */
	uint64_t reseeds, reseed_failures;
};

void random_status(struct random_status *st);

/*
 * The i-th seed source of this machine, best first, the weak fallback
 * last; NULL past the end (arch code: aslr/entropy_x86.c).
 */
struct entropy_source *arch_entropy_source(size_t i);

#endif
