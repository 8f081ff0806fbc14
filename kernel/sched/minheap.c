/* An intrusive binary min-heap with index back-pointers (see minheap.h). */
#include <errno.h>
#include <stddef.h>

#include <carapace/minheap.h>

#define MINHEAP_FIRST_CAPACITY 64

void minheap_init(struct minheap *h,
		  struct minheap_node **(*grow)(struct minheap_node **, int, int))
{
	h->items = NULL;
	h->size = 0;
	h->capacity = 0;
	h->grow = grow;
}

static void place(struct minheap *h, int i, struct minheap_node *n)
{
	h->items[i] = n;
	n->index = i;
}

static void sift_up(struct minheap *h, int i)
{
	struct minheap_node *n = h->items[i];

	while (i > 0) {
		int parent = (i - 1) / 2;

		if (h->items[parent]->key <= n->key)
			break;
		place(h, i, h->items[parent]);
		i = parent;
	}
	place(h, i, n);
}

static void sift_down(struct minheap *h, int i)
{
	struct minheap_node *n = h->items[i];

	for (;;) {
		int child = 2 * i + 1;

		if (child >= h->size)
			break;
		if (child + 1 < h->size && h->items[child + 1]->key < h->items[child]->key)
			child++;
		if (n->key <= h->items[child]->key)
			break;
		place(h, i, h->items[child]);
		i = child;
	}
	place(h, i, n);
}

int minheap_insert(struct minheap *h, struct minheap_node *n)
{
	if (h->size == h->capacity) {
		int cap = h->capacity ? h->capacity * 2 : MINHEAP_FIRST_CAPACITY;
		struct minheap_node **items = h->grow ? h->grow(h->items, h->capacity, cap) : NULL;

		if (!items)
			return -ENOMEM;
		h->items = items;
		h->capacity = cap;
	}
	place(h, h->size++, n);
	sift_up(h, n->index);
	return 0;
}

void minheap_remove(struct minheap *h, struct minheap_node *n)
{
	int i = n->index;
	struct minheap_node *last;

	if (i < 0 || i >= h->size || h->items[i] != n)
		return; /* not in this heap */
	last = h->items[--h->size];
	n->index = -1;
	if (last == n)
		return;
	place(h, i, last);
	sift_up(h, i);
	sift_down(h, last->index);
}

void minheap_update(struct minheap *h, struct minheap_node *n, uint64_t key)
{
	n->key = key;
	if (n->index < 0 || n->index >= h->size || h->items[n->index] != n)
		return;
	sift_up(h, n->index);
	sift_down(h, n->index);
}
