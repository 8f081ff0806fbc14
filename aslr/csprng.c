/*
 * The ChaCha20 random generator (see carapace/csprng.h and aslr/README.md).
 *
 * Output: ChaCha20 (RFC 8439) under the current key with a fixed nonce and
 * the block counter from 0. Block 0's first 32 bytes are the next key
 * ("fast key erasure", D. J. Bernstein, 2017); everything after them is
 * output. The key is replaced before the request returns, and every
 * request starts a fresh stream under a fresh key, so the counter never
 * repeats under one key.
 *
 * Mixing (seeding, reseeding): the key absorbs the data 32 bytes at a
 * time, key = first half of ChaCha20_block(key XOR chunk), with the chunk's
 * index as the counter and the total length in the nonce (so "ab" and
 * "ab\0" differ). The block function adds its input back, so a key cannot
 * be recovered from the next one; the result is unpredictable as long as
 * either the old key or the data was.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/chacha20.h>
#include <carapace/csprng.h>
#include <carapace/wipe.h>

/* Bytes per key: a longer request is served in chunks, each rekeyed. */
#define CSPRNG_CHUNK (64 * 1024)

static const uint8_t output_nonce[CHACHA20_NONCE_SIZE] = "csprng-out";

void csprng_init(struct csprng *g, struct entropy_source *src,
		 uint64_t reseed_after)
{
	memset(g, 0, sizeof(*g));
	g->source = src;
	g->reseed_after = reseed_after;
}

void csprng_mix(struct csprng *g, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t nonce[CHACHA20_NONCE_SIZE] = "mix";
	uint8_t block[CHACHA20_BLOCK_SIZE];
	uint64_t total = len;
	uint32_t index = 0;

	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(total >> (8 * i));
	do {
		size_t n = len < CHACHA20_KEY_SIZE ? len : CHACHA20_KEY_SIZE;

		for (size_t i = 0; i < n; i++)
			g->key[i] ^= p[i];
		chacha20_block(g->key, index++, nonce, block);
		memcpy(g->key, block, CHACHA20_KEY_SIZE);
		p += n;
		len -= n;
	} while (len > 0);
	wipe(block, sizeof(block));
}

void csprng_seed(struct csprng *g, const void *seed, size_t len)
{
	wipe(g->key, sizeof(g->key));
	csprng_mix(g, seed, len);
	g->seeded = true;
	g->source = NULL;
	g->since_reseed = 0;
}

int csprng_reseed(struct csprng *g)
{
	uint64_t words[CSPRNG_SEED_WORDS];
	int rc = entropy_gather(g->source, words, CSPRNG_SEED_WORDS);

	if (rc == 0) {
		csprng_mix(g, words, sizeof(words));
		if (g->seeded)
			g->reseeds++;
		g->seeded = true;
		g->since_reseed = 0;
	}
	wipe(words, sizeof(words));
	return rc;
}

/* One chunk of at most CSPRNG_CHUNK bytes under one key, then a new key. */
static void generate_chunk(struct csprng *g, uint8_t *out, size_t len)
{
	uint8_t block[CHACHA20_BLOCK_SIZE];
	size_t first = CHACHA20_BLOCK_SIZE - CHACHA20_KEY_SIZE;
	uint8_t next_key[CHACHA20_KEY_SIZE];

	chacha20_block(g->key, 0, output_nonce, block);
	memcpy(next_key, block, CHACHA20_KEY_SIZE);
	if (first > len)
		first = len;
	memcpy(out, block + CHACHA20_KEY_SIZE, first);
	if (len > first)
		chacha20_xor(g->key, 1, output_nonce, NULL, out + first, len - first);
	memcpy(g->key, next_key, sizeof(next_key));
	wipe(next_key, sizeof(next_key));
	wipe(block, sizeof(block));
}

int csprng_bytes(struct csprng *g, void *buf, size_t len)
{
	uint8_t *out = buf;

	if (!g->seeded && csprng_reseed(g) < 0) {
		memset(buf, 0, len);
		return -EAGAIN;
	}
	if (g->source && g->reseed_after && g->since_reseed >= g->reseed_after &&
	    csprng_reseed(g) < 0)
		g->reseed_failures++;
	g->since_reseed += len;
	do {
		size_t n = len < CSPRNG_CHUNK ? len : CSPRNG_CHUNK;

		generate_chunk(g, out, n);
		out += n;
		len -= n;
	} while (len > 0);
	return 0;
}

uint64_t csprng_u64(struct csprng *g)
{
	uint64_t v;

	if (csprng_bytes(g, &v, sizeof(v)) < 0)
		return 0;
	return v;
}

/*
 * 2^64 mod n values at the bottom would make the small results of x % n
 * more likely: draw again when x falls there (at most half the range, so
 * the expected number of draws is below 2).
 */
uint64_t csprng_below(struct csprng *g, uint64_t n)
{
	uint64_t reject, x;

	if (n == 0)
		return 0;
	reject = (0 - n) % n; /* 2^64 mod n */
	do {
		if (csprng_bytes(g, &x, sizeof(x)) < 0)
			return 0;
	} while (x < reject);
	return x % n;
}
