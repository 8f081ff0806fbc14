/*
 * csprng: a ChaCha20 random generator with fast key erasure, and the
 * health checks its entropy sources pass through (portable: aslr/csprng.c,
 * aslr/entropy.c; see aslr/README.md for the design).
 *
 * A generator holds only a 256-bit key. Each request runs ChaCha20 with
 * that key: the first 32 bytes of the stream become the next key, the rest
 * is the output; the old key is then overwritten, so whoever reads the
 * state later cannot recompute anything already handed out. The generator
 * reseeds itself from its entropy source after `reseed_after` bytes.
 */
#ifndef CARAPACE_CSPRNG_H
#define CARAPACE_CSPRNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/chacha20.h>

#define CSPRNG_SEED_WORDS 4 /* 256 bits from a source per (re)seed */

/*
 * A source of seed material, one 64-bit word at a time. read64 returns 0,
 * or -EIO when the hardware says it has nothing (after its own retries).
 * entropy_gather adds the health checks and marks a source that fails one
 * as failed for good.
 */
struct entropy_source {
	const char *name;   /* "RDSEED", "RDRAND", "TSC jitter", ... */
	int (*read64)(void *ctx, uint64_t *out);
	void *ctx;
	bool weak;          /* a fallback: its output is guessable */
	/* Health state, kept by entropy_gather. */
	bool failed;
	bool has_last;
	uint64_t last;
	const char *why;    /* why it failed, when it did */
};

/*
 * Fills out[0..nwords) from src. A word that repeats the previous one, or
 * is all zeros or all ones, means a stuck source: the source is marked
 * failed and -EIO returned, as it is when read64 fails. 0 on success.
 */
int entropy_gather(struct entropy_source *src, uint64_t *out, size_t nwords);

struct csprng {
	uint8_t key[CHACHA20_KEY_SIZE];
	bool seeded;
	struct entropy_source *source; /* NULL: a fixed seed, never reseeded */
	uint64_t reseed_after;         /* bytes between reseeds; 0: never */
	uint64_t since_reseed;         /* bytes handed out since the last one */
	uint64_t reseeds;              /* successful reseeds after the first seed */
	uint64_t reseed_failures;
};

/* An unseeded generator drawing on src (may be NULL). */
void csprng_init(struct csprng *g, struct entropy_source *src,
		 uint64_t reseed_after);

/*
 * Replaces the whole state with one derived from seed alone: two
 * generators seeded alike give the same output (used for aslr.seed=N and
 * the tests). The generator then never reseeds.
 */
void csprng_seed(struct csprng *g, const void *seed, size_t len);

/* Mixes data into the key: the result is unpredictable if either was. */
void csprng_mix(struct csprng *g, const void *data, size_t len);

/* Pulls CSPRNG_SEED_WORDS from the source and mixes them in. 0 or -EIO. */
int csprng_reseed(struct csprng *g);

/*
 * Fills buf. An unseeded generator seeds itself from its source first;
 * returns -EAGAIN (buf zeroed) when it cannot. A failed scheduled reseed is
 * counted and the generator carries on with its current key.
 */
int csprng_bytes(struct csprng *g, void *buf, size_t len);

/* A uniform 64-bit value; 0 when the generator cannot be seeded. */
uint64_t csprng_u64(struct csprng *g);

/* A uniform value in [0, n), without modulo bias (rejection); n = 0 gives 0. */
uint64_t csprng_below(struct csprng *g, uint64_t n);

#endif
