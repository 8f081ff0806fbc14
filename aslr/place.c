/*
 * The placement planner (see carapace/aslr.h).
 *
 * A base b is valid when the region with its guards lies in the area and,
 * for every placed region P, the new body stays clear of P's body and
 * guards and P's body stays clear of the new guards. With the new region
 * below P that is b + size + max(guard_after, P.guard_before) <= P.start;
 * above P, b >= P.end + max(P.guard_after, guard_before). Sweeping the
 * placed regions in address order yields the valid bases as a list of
 * gaps; the planner counts the aligned bases in all gaps, draws one index
 * uniformly and walks the gaps again to find it. O(nplaced), no memory.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/aslr.h>
#include <carapace/csprng.h>

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Aligned values in [a, b]; *first is the lowest of them. */
static uint64_t aligned_count(uint64_t a, uint64_t b, uint64_t align,
			      uint64_t *first)
{
	uint64_t f = (a + align - 1) & ~(align - 1);

	if (f < a || f > b) /* wrapped, or nothing aligned in the gap */
		return 0;
	*first = f;
	return (b - f) / align + 1;
}

struct walk {
	uint64_t target;   /* the index of the base wanted */
	uint64_t total;    /* aligned bases seen so far */
	uint64_t base;
	bool found;
};

static void visit_gap(struct walk *w, uint64_t a, uint64_t b, uint64_t align)
{
	uint64_t first, n = aligned_count(a, b, align, &first);

	if (!w->found && w->target - w->total < n) {
		w->base = first + (w->target - w->total) * align;
		w->found = true;
	}
	w->total += n;
}

/* Visits every gap of valid bases in address order; [cursor, last] inclusive. */
static void walk_gaps(const struct aslr_request *r, const struct aslr_region *placed,
		      size_t n, struct walk *w)
{
	uint64_t cursor = r->lo + r->guard_before;
	uint64_t last = r->hi - r->guard_after - r->size;

	for (size_t i = 0; i < n && cursor <= last; i++) {
		const struct aslr_region *p = &placed[i];
		uint64_t below = max64(r->guard_after, p->guard_before);

		/* Bases in [cursor, p->start - size - below] keep clear of p. */
		if (p->start >= r->size && p->start - r->size >= below) {
			uint64_t end = p->start - r->size - below;

			if (end >= cursor)
				visit_gap(w, cursor, end < last ? end : last, r->align);
		}
		cursor = max64(cursor,
			       add_sat(p->end, max64(p->guard_after, r->guard_before)));
	}
	if (cursor <= last)
		visit_gap(w, cursor, last, r->align);
}

static bool request_ok(const struct aslr_request *r)
{
	uint64_t need = r->guard_before;

	if (r->size == 0 || r->align == 0 || (r->align & (r->align - 1)) ||
	    r->lo >= r->hi)
		return false;
	need = add_sat(add_sat(need, r->size), r->guard_after);
	return need != UINT64_MAX && need <= r->hi - r->lo;
}

/* Sorted, and no body inside a neighbour's guard (see walk_gaps's needs). */
static bool placed_ok(const struct aslr_region *placed, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct aslr_region *p = &placed[i];

		if (p->start >= p->end)
			return false;
		if (i > 0) {
			const struct aslr_region *q = &placed[i - 1];

			if (p->start < q->end || p->start - q->end < p->guard_before ||
			    p->start - q->end < q->guard_after)
				return false;
		}
	}
	return true;
}

unsigned aslr_entropy_bits(uint64_t slots)
{
	unsigned bits = 0;

	while (slots > 1) {
		slots >>= 1;
		bits++;
	}
	return bits;
}

int aslr_plan(const struct aslr_request *req, const struct aslr_region *placed,
	      size_t nplaced, struct csprng *rng, struct aslr_choice *out)
{
	struct walk w = { .target = UINT64_MAX };

	if (!request_ok(req) || (nplaced > 0 && placed == NULL) ||
	    !placed_ok(placed, nplaced))
		return -EINVAL;
	walk_gaps(req, placed, nplaced, &w);
	if (w.total == 0)
		return -ENOSPC;
	out->slots = w.total;
	out->entropy_bits = aslr_entropy_bits(w.total);
	w = (struct walk){ .target = rng ? csprng_below(rng, out->slots) : 0 };
	walk_gaps(req, placed, nplaced, &w);
	out->base = w.base;
	return 0;
}
