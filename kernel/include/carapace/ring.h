/*
 * ring: a bounded single-producer single-consumer ring of pointers
 * (portable).
 *
 * The caller gives the slot array; its length must be a power of two, so a
 * slot index is a mask away from a free-running counter. head and tail only
 * grow (wrapping at SIZE_MAX is harmless) and tail - head is the fill. Each
 * side writes its own counter only, with release, and reads the other's
 * with acquire: a push's slot write is visible to the pop that sees its
 * tail, and a pop's slot read is finished before the push that sees its
 * head reuses the slot. Both calls are wait-free.
 *
 * The two counters sit a cache line apart so the two sides do not bounce
 * one line between CPUs on every call.
 */
#ifndef CARAPACE_RING_H
#define CARAPACE_RING_H

#include <stdbool.h>
#include <stddef.h>

#define RING_CACHE_LINE 64

struct ring {
	size_t tail; /* the next slot to fill: written by the producer only */
	char pad1[RING_CACHE_LINE - sizeof(size_t)];
	size_t head; /* the next slot to empty: written by the consumer only */
	char pad2[RING_CACHE_LINE - sizeof(size_t)];
	size_t mask;  /* capacity - 1 */
	void **slots; /* the caller's array of capacity pointers */
};

/* Returns 0, or -EINVAL when capacity is not a power of two. */
int ring_init(struct ring *r, void **slots, size_t capacity);
/* The producer only. Returns false when the ring is full. */
bool ring_push(struct ring *r, void *item);
/* The consumer only. Returns false when the ring is empty. */
bool ring_pop(struct ring *r, void **item);
/* Items in the ring; exact for either side about its own calls. */
size_t ring_count(const struct ring *r);

#endif
