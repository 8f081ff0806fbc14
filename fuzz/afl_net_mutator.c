/*
 * AFL++'s custom mutator for fuzz_net (AFL_CUSTOM_MUTATOR_LIBRARY; scripts/fuzz
 * sets it when build/fuzz/afl/NAME-mutator.so exists): the same
 * structure-aware mutator as libFuzzer's (net_frames.c), with byte
 * mutations of its own in place of LLVMFuzzerMutate. AFL++ runs its own
 * mutations too; this one adds frames that keep their lengths and
 * checksums.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net_frames.h"

struct mutator {
	uint32_t rng;
	uint8_t *buf;
	size_t cap;
};

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A few random bytes set, flipped, inserted or removed. */
static size_t bytes_mutate(uint8_t *buf, size_t len, size_t cap, unsigned seed)
{
	uint32_t rng = seed | 1;
	unsigned n = 1 + next_rand(&rng) % 4;

	for (unsigned i = 0; i < n; i++) {
		size_t at = len ? next_rand(&rng) % len : 0;

		switch (next_rand(&rng) % 4) {
		case 0:
			if (len)
				buf[at] = (uint8_t)next_rand(&rng);
			break;
		case 1:
			if (len)
				buf[at] ^= (uint8_t)(1u << (next_rand(&rng) % 8));
			break;
		case 2:
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (uint8_t)next_rand(&rng);
				len++;
			}
			break;
		default:
			if (len) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			}
			break;
		}
	}
	return len;
}

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct mutator *m = calloc(1, sizeof(*m));

	(void)afl;
	if (m)
		m->rng = seed | 1;
	return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
	struct mutator *m = data;

	(void)add_buf, (void)add_buf_size;
	if (m->cap < max_size) {
		uint8_t *grown = realloc(m->buf, max_size);

		if (!grown) {
			*out_buf = buf;
			return buf_size;
		}
		m->buf = grown;
		m->cap = max_size;
	}
	size_t n = buf_size < max_size ? buf_size : max_size;

	memcpy(m->buf, buf, n);
	*out_buf = m->buf;
	return net_frames_mutate(m->buf, n, max_size, next_rand(&m->rng), bytes_mutate);
}

void afl_custom_deinit(void *data)
{
	struct mutator *m = data;

	free(m->buf);
	free(m);
}
