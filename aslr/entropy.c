/*
 * Health checks for entropy sources. A hardware generator that fails may
 * keep answering "success" with a constant (AMD's RDRAND returning all
 * ones after a suspend is the known case): one repeated 64-bit word, or a
 * word of all zeros or all ones, has probability 2^-63 from a working
 * source, so any of these retires the source for good.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/csprng.h>

static int source_fail(struct entropy_source *src, const char *why)
{
	src->failed = true;
	src->why = why;
	return -EIO;
}

int entropy_gather(struct entropy_source *src, uint64_t *out, size_t nwords)
{
	if (src == NULL || src->failed)
		return -EIO;
	for (size_t i = 0; i < nwords; i++) {
		uint64_t v;

		if (src->read64(src->ctx, &v) < 0)
			return source_fail(src, "no output (retries exhausted)");
		if (v == 0 || v == UINT64_MAX)
			return source_fail(src, "stuck: all-zero or all-one output");
		if (src->has_last && v == src->last)
			return source_fail(src, "stuck: the same value twice in a row");
		src->last = v;
		src->has_last = true;
		out[i] = v;
	}
	return 0;
}
