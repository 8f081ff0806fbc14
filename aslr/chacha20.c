/*
 * ChaCha20 as specified by RFC 8439, sections 2.1 to 2.4. Written from the
 * specification: the state is 16 little-endian 32-bit words (4 constants,
 * 8 key words, the block counter, 3 nonce words); 20 rounds, alternating
 * column and diagonal quarter rounds; the input state is added back at the
 * end so that the function cannot be run backwards.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/chacha20.h>
#include <carapace/wipe.h>

static uint32_t rotl32(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 8439 2.1: the quarter round on four words of the state. */
static void quarter_round(uint32_t s[16], int a, int b, int c, int d)
{
	s[a] += s[b]; s[d] ^= s[a]; s[d] = rotl32(s[d], 16);
	s[c] += s[d]; s[b] ^= s[c]; s[b] = rotl32(s[b], 12);
	s[a] += s[b]; s[d] ^= s[a]; s[d] = rotl32(s[d], 8);
	s[c] += s[d]; s[b] ^= s[c]; s[b] = rotl32(s[b], 7);
}

void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
		    const uint8_t nonce[CHACHA20_NONCE_SIZE],
		    uint8_t out[CHACHA20_BLOCK_SIZE])
{
	/* "expand 32-byte k" read as four little-endian words. */
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	uint32_t s[16];

	for (int i = 0; i < 8; i++)
		in[4 + i] = load_le32(key + 4 * i);
	in[12] = counter;
	for (int i = 0; i < 3; i++)
		in[13 + i] = load_le32(nonce + 4 * i);
	memcpy(s, in, sizeof(s));
	for (int round = 0; round < 10; round++) {
		quarter_round(s, 0, 4, 8, 12); /* columns */
		quarter_round(s, 1, 5, 9, 13);
		quarter_round(s, 2, 6, 10, 14);
		quarter_round(s, 3, 7, 11, 15);
		quarter_round(s, 0, 5, 10, 15); /* diagonals */
		quarter_round(s, 1, 6, 11, 12);
		quarter_round(s, 2, 7, 8, 13);
		quarter_round(s, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++)
		store_le32(out + 4 * i, s[i] + in[i]);
	/* The working state held key material: leave none on the stack. */
	wipe(s, sizeof(s));
	wipe(in, sizeof(in));
}

void chacha20_xor(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
		  const uint8_t nonce[CHACHA20_NONCE_SIZE], const uint8_t *in,
		  uint8_t *out, size_t len)
{
	uint8_t block[CHACHA20_BLOCK_SIZE];

	while (len > 0) {
		size_t n = len < sizeof(block) ? len : sizeof(block);

		chacha20_block(key, counter++, nonce, block);
		if (in == NULL) {
			memcpy(out, block, n); /* the keystream itself */
		} else {
			for (size_t i = 0; i < n; i++)
				out[i] = in[i] ^ block[i];
			in += n;
		}
		out += n;
		len -= n;
	}
	wipe(block, sizeof(block));
}
