/*
 * mpsc: an intrusive multi-producer single-consumer queue (portable).
 *
 * It carries cross-CPU wake-ups: each CPU has one as its incoming queue of
 * threads to make runnable, filled by any CPU and by interrupt handlers.
 *
 * Design: producers push onto a LIFO list with one compare-and-swap (a
 * Treiber stack that is never popped from the top); the consumer takes the
 * whole list with one exchange and reverses it into a private batch, which
 * it then hands out from the front. We chose this over Vyukov's intrusive
 * queue because a Vyukov producer briefly leaves the list unlinked between
 * its exchange and its store, and a producer preempted in that window makes
 * the consumer wait for it; here a push is a single atomic step, and the
 * consumer never waits for a producer. ABA cannot hurt: producers only
 * link a node in front of the value they compare against, and the consumer
 * takes everything at once.
 *
 * Order: items come out in the order their pushes took effect (the order of
 * the successful compare-and-swaps), so in particular each producer's items
 * come out in the order it pushed them (per-producer FIFO).
 *
 * Progress: push is lock-free (it retries only when another push won), and
 * safe in interrupt handlers; pop and mpsc_empty are wait-free apart from
 * the reversal, which is amortised O(1) per item.
 *
 * Wake-ups: mpsc_push returns true when the consumer had already taken
 * every earlier item (the incoming list was empty). If a producer notifies
 * the consumer (an IPI) only in that case, and the consumer, once notified,
 * pops until mpsc_pop returns NULL, no item is ever left unnoticed.
 */
#ifndef CARAPACE_MPSC_H
#define CARAPACE_MPSC_H

#include <stdbool.h>

/* Embed one in each object to be queued; an object sits in one queue at a time. */
struct mpsc_node {
	struct mpsc_node *next;
};

struct mpsc_queue {
	struct mpsc_node *incoming; /* producers push here, newest first */
	struct mpsc_node *batch;    /* the consumer's, oldest first */
};

#define MPSC_QUEUE_INIT { 0, 0 }

void mpsc_init(struct mpsc_queue *q);
/*
 * Any thread or interrupt handler. Returns true when the consumer had taken
 * every earlier push (it may still be handing them out from its batch).
 */
bool mpsc_push(struct mpsc_queue *q, struct mpsc_node *n);
/* The consumer only. Returns the oldest item, or NULL when empty. */
struct mpsc_node *mpsc_pop(struct mpsc_queue *q);
/* The consumer only. */
bool mpsc_empty(const struct mpsc_queue *q);

#endif
