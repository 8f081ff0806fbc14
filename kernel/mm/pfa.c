/*
 * pfa: physical frames as a bitmap, one bit per 4 KiB frame (1 = not free).
 *
 * Allocation is next fit: the search starts where the last one ended and
 * wraps around once, so frames are handed out in address order and a run
 * just freed is not reused at once. Whole 64-bit words are skipped when
 * they are all used or all free, so a search over mostly-used memory is
 * quick. The counts are updated from the bits that actually change, so they
 * stay exact whatever ranges the boot code passes in.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/kasan.h>
#include <carapace/pfa.h>

#define BITS 64u

size_t pfa_bitmap_bytes(uint64_t phys_end)
{
	uint64_t nframes = phys_end / PFA_PAGE_SIZE;

	return (size_t)((nframes + BITS - 1) / BITS * sizeof(uint64_t));
}

void pfa_init(struct pfa *pfa, void *bitmap, uint64_t phys_end)
{
	pfa->bitmap = bitmap;
	pfa->nframes = phys_end / PFA_PAGE_SIZE;
	pfa->free_frames = 0;
	pfa->usable_frames = 0;
	pfa->next = 0;
	/* The tail bits of the last word are set too: never found free. */
	if (pfa->nframes > 0)
		memset(bitmap, 0xff, pfa_bitmap_bytes(phys_end));
}

/* Bits [from, to) of the word that holds bit "from" (to within that word). */
static uint64_t word_mask(uint64_t from, uint64_t to)
{
	uint64_t lo = from % BITS, n = to - from;

	return (n == BITS ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << lo;
}

/*
 * Sets (set = 1) or clears frames [from, to); returns how many bits
 * actually changed, which is what the counts must move by.
 */
static uint64_t change_range(struct pfa *pfa, uint64_t from, uint64_t to,
			     int set)
{
	uint64_t changed = 0;

	while (from < to) {
		uint64_t end = (from / BITS + 1) * BITS;
		uint64_t *w = &pfa->bitmap[from / BITS];
		uint64_t mask;

		if (end > to)
			end = to;
		mask = word_mask(from, end);
		if (set) {
			changed += (uint64_t)__builtin_popcountll(~*w & mask);
			*w |= mask;
		} else {
			changed += (uint64_t)__builtin_popcountll(*w & mask);
			*w &= ~mask;
		}
		from = end;
	}
	return changed;
}

/*
 * First frame in [from, to) whose bit equals want_set, or to if none.
 * Works a word at a time.
 */
static uint64_t find_bit(const struct pfa *pfa, uint64_t from, uint64_t to,
			 int want_set)
{
	while (from < to) {
		uint64_t w = pfa->bitmap[from / BITS];
		uint64_t hits;

		if (!want_set)
			w = ~w;
		hits = w & (~(uint64_t)0 << (from % BITS));
		if (hits != 0) {
			uint64_t at = from / BITS * BITS +
				      (uint64_t)__builtin_ctzll(hits);

			return at < to ? at : to;
		}
		from = (from / BITS + 1) * BITS;
	}
	return to;
}

/* Rounds frame x up to a multiple of align; returns limit on overflow. */
static uint64_t align_up(uint64_t x, uint64_t align, uint64_t limit)
{
	uint64_t r = x % align;

	if (r == 0)
		return x;
	if (align - r > limit - x)
		return limit;
	return x + (align - r);
}

void pfa_add_range(struct pfa *pfa, uint64_t start, uint64_t end)
{
	uint64_t first = start / PFA_PAGE_SIZE + (start % PFA_PAGE_SIZE != 0);
	uint64_t last = end / PFA_PAGE_SIZE;
	uint64_t n;

	if (last > pfa->nframes)
		last = pfa->nframes;
	if (first >= last)
		return;
	n = change_range(pfa, first, last, 0);
	pfa->free_frames += n;
	pfa->usable_frames += n;
}

void pfa_reserve_range(struct pfa *pfa, uint64_t start, uint64_t end)
{
	uint64_t first = start / PFA_PAGE_SIZE;
	uint64_t last = end / PFA_PAGE_SIZE + (end % PFA_PAGE_SIZE != 0);

	if (end <= start)
		return;
	if (last > pfa->nframes)
		last = pfa->nframes;
	if (first >= last)
		return;
	pfa->free_frames -= change_range(pfa, first, last, 1);
	kasan_frames_used(first * PFA_PAGE_SIZE, last - first);
}

/*
 * Looks for n free frames starting at an aligned frame in [from, limit),
 * the run ending by pfa->nframes. Returns the first frame or UINT64_MAX.
 */
static uint64_t search(const struct pfa *pfa, uint64_t from, uint64_t limit,
		       uint64_t n, uint64_t align)
{
	uint64_t total = pfa->nframes;

	for (;;) {
		uint64_t cand = align_up(from, align, total);
		uint64_t used;

		if (cand >= limit || n > total - cand)
			return UINT64_MAX;
		used = find_bit(pfa, cand, cand + n, 1);
		if (used == cand + n)
			return cand;
		/* Skip the used frames that broke this run. */
		from = find_bit(pfa, used, total, 0);
	}
}

int pfa_alloc(struct pfa *pfa, uint64_t n, uint64_t align_frames,
	      uint64_t *phys)
{
	uint64_t start = pfa->next < pfa->nframes ? pfa->next : 0;
	uint64_t at;

	if (n == 0 || align_frames == 0)
		return -EINVAL;
	if (n > pfa->free_frames)
		return -ENOMEM;
	at = search(pfa, start, pfa->nframes, n, align_frames);
	if (at == UINT64_MAX && start > 0)
		at = search(pfa, 0, start, n, align_frames);
	if (at == UINT64_MAX)
		return -ENOMEM;
	change_range(pfa, at, at + n, 1);
	pfa->free_frames -= n;
	pfa->next = at + n;
	*phys = at * PFA_PAGE_SIZE;
	kasan_frames_used(*phys, n);
	return 0;
}

int pfa_free(struct pfa *pfa, uint64_t phys, uint64_t n)
{
	uint64_t first = phys / PFA_PAGE_SIZE;

	if (n == 0 || phys % PFA_PAGE_SIZE != 0)
		return -EINVAL;
	if (first >= pfa->nframes || n > pfa->nframes - first)
		return -EINVAL;
	if (find_bit(pfa, first, first + n, 0) != first + n)
		return -EINVAL; /* part of it is free already: a double free */
	change_range(pfa, first, first + n, 0);
	pfa->free_frames += n;
	kasan_frames_freed(phys, n);
	return 0;
}
