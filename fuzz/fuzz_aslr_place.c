/*
 * Fuzzes the placement planner: the input is a request and a list of
 * placed regions (sorted or not, well-formed or not). A refusal is fine;
 * an accepted placement must be aligned, inside the area with its guards,
 * and clear of every placed region and its guards. Then the region is
 * added and placed again, so the planner also meets its own layouts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/aslr.h>
#include <carapace/csprng.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define MAX_REGIONS 32

static uint64_t take(const uint8_t **data, size_t *size)
{
	uint64_t v = 0;
	size_t n = *size < 8 ? *size : 8;

	memcpy(&v, *data, n);
	*data += n;
	*size -= n;
	return v;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void check_choice(const struct aslr_request *q, const struct aslr_region *r,
			 size_t n, const struct aslr_choice *c)
{
	uint64_t end = c->base + q->size;

	CHECK(c->slots >= 1);
	CHECK((c->base & (q->align - 1)) == 0);
	CHECK(c->base >= q->lo && c->base - q->lo >= q->guard_before);
	CHECK(end > c->base && end <= q->hi && q->hi - end >= q->guard_after);
	for (size_t i = 0; i < n; i++) {
		if (end <= r[i].start)
			CHECK(r[i].start - end >= max64(q->guard_after, r[i].guard_before));
		else
			CHECK(c->base >= r[i].end &&
			      c->base - r[i].end >= max64(r[i].guard_after, q->guard_before));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aslr_region r[MAX_REGIONS + 8];
	struct aslr_request q;
	struct aslr_choice c;
	struct csprng g;
	uint64_t seed = take(&data, &size);
	size_t n;

	csprng_init(&g, NULL, 0);
	csprng_seed(&g, &seed, sizeof(seed));
	q.lo = take(&data, &size);
	q.hi = take(&data, &size);
	q.size = take(&data, &size) >> (seed & 63);
	q.align = 1ull << (take(&data, &size) & 63);
	q.guard_before = take(&data, &size) >> ((seed >> 8) & 63);
	q.guard_after = take(&data, &size) >> ((seed >> 16) & 63);
	n = take(&data, &size) % (MAX_REGIONS + 1);
	for (size_t i = 0; i < n; i++) {
		r[i].start = take(&data, &size);
		r[i].end = take(&data, &size);
		r[i].guard_before = take(&data, &size) >> 40;
		r[i].guard_after = take(&data, &size) >> 40;
	}
	for (int round = 0; round < 8; round++) {
		int rc = aslr_plan(&q, r, n, (seed & 1) ? &g : NULL, &c);
		size_t i = n;

		CHECK(rc == 0 || rc == -EINVAL || rc == -ENOSPC);
		if (rc != 0)
			break;
		check_choice(&q, r, n, &c);
		while (i > 0 && r[i - 1].start > c.base) {
			r[i] = r[i - 1];
			i--;
		}
		r[i] = (struct aslr_region){ c.base, c.base + q.size, q.guard_before,
					     q.guard_after };
		n++;
	}
	return 0;
}
