/*
 * minheap: an intrusive binary min-heap keyed by a 64-bit value (portable).
 *
 * The scheduler keeps each CPU's runnable threads in one (keyed by their
 * decayed runtime) and its timers in another (keyed by deadline). Each node
 * remembers its index, so any node can be removed or re-keyed in O(log n),
 * not only the minimum. The heap grows through the caller's allocator.
 */
#ifndef CARAPACE_MINHEAP_H
#define CARAPACE_MINHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct minheap_node {
	uint64_t key;
	int index; /* position in the heap, -1 when not in one */
};

struct minheap {
	struct minheap_node **items;
	int size, capacity;
	/* Returns a new array of new_capacity slots, or NULL; frees old itself. */
	struct minheap_node **(*grow)(struct minheap_node **old, int old_capacity,
				      int new_capacity);
};

void minheap_init(struct minheap *h,
		  struct minheap_node **(*grow)(struct minheap_node **, int, int));
static inline void minheap_node_init(struct minheap_node *n)
{
	n->index = -1;
}
static inline bool minheap_contains(const struct minheap_node *n)
{
	return n->index >= 0;
}
/* Returns 0, or -ENOMEM when the heap could not grow (n is then not in it). */
int minheap_insert(struct minheap *h, struct minheap_node *n);
/* The node with the smallest key (the earliest of equal ones is not promised). */
static inline struct minheap_node *minheap_min(const struct minheap *h)
{
	return h->size ? h->items[0] : NULL;
}
void minheap_remove(struct minheap *h, struct minheap_node *n);
/* Changes n's key in place and restores the order. */
void minheap_update(struct minheap *h, struct minheap_node *n, uint64_t key);

#endif
