/*
 * The MPSC queue: a compare-and-swap push onto a LIFO list, and a consumer
 * that takes the list whole and reverses it. See carapace/mpsc.h.
 */
#include <stdbool.h>
#include <stddef.h>

#include <carapace/mpsc.h>

void mpsc_init(struct mpsc_queue *q)
{
	q->incoming = NULL;
	q->batch = NULL;
}

/*
 * The release on success publishes n (and whatever the producer wrote into
 * the object around it) to the consumer's acquiring exchange. Every push is
 * a read-modify-write of incoming, so they all stay in one release sequence
 * and the consumer's single acquire sees all of them.
 */
bool mpsc_push(struct mpsc_queue *q, struct mpsc_node *n)
{
	struct mpsc_node *old = __atomic_load_n(&q->incoming, __ATOMIC_RELAXED);

	do {
		n->next = old;
	} while (!__atomic_compare_exchange_n(&q->incoming, &old, n, true,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	return old == NULL;
}

/* Takes everything pushed so far and turns it oldest-first. */
static struct mpsc_node *take_incoming(struct mpsc_queue *q)
{
	struct mpsc_node *n = __atomic_exchange_n(&q->incoming, NULL, __ATOMIC_ACQUIRE);
	struct mpsc_node *fifo = NULL;

	while (n) {
		struct mpsc_node *next = n->next;

		n->next = fifo;
		fifo = n;
		n = next;
	}
	return fifo;
}

struct mpsc_node *mpsc_pop(struct mpsc_queue *q)
{
	struct mpsc_node *n = q->batch;

	if (!n) {
		/* A cheap look first: an empty queue costs no exchange. */
		if (!__atomic_load_n(&q->incoming, __ATOMIC_RELAXED))
			return NULL;
		n = take_incoming(q);
	}
	q->batch = n->next;
	n->next = NULL;
	return n;
}

bool mpsc_empty(const struct mpsc_queue *q)
{
	return !q->batch && !__atomic_load_n(&q->incoming, __ATOMIC_RELAXED);
}
