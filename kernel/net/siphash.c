/*
 * SipHash-2-4, written from the paper's description: four 64-bit words of
 * state from the key, two ARX rounds per 8-byte word of input, the length
 * in the last word's top byte, four rounds to finish.
 */
#include <stddef.h>
#include <stdint.h>

#include <carapace/siphash.h>

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/*
 * The last len & 7 bytes at p in the low bytes of a word, as the byte loop
 * would place them: four, two and one bytes at a time (under TCG a flow
 * key's 6-byte tail took 36 instructions byte by byte, 14 this way).
 */
static uint64_t load_tail(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	if (n & 4) {
		v = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
		    (uint64_t)p[3] << 24;
		i = 4;
	}
	if (n & 2) {
		v |= ((uint64_t)p[i] | (uint64_t)p[i + 1] << 8) << (8 * i);
		i += 2;
	}
	if (n & 1)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void sip_absorb(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	struct sip_state s = {
		k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
		k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull,
	};
	size_t whole = len & ~(size_t)7;
	uint64_t last = (uint64_t)(len & 0xff) << 56;

	for (size_t i = 0; i < whole; i += 8)
		sip_absorb(&s, load_le64(in + i));
	sip_absorb(&s, last | load_tail(in + whole, len & 7));
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
