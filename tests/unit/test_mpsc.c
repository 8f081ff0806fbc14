/*
 * Tests for kernel/sync/mpsc.c, under real threads: producers push numbered
 * items while one consumer pops; every item must come out exactly once and
 * each producer's items in the order it pushed them. Threads other than the
 * test's own only count what they see: cmocka's asserts must stay on the
 * thread that runs the test.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include <carapace/mpsc.h>

#define NPRODUCERS 4
#define NITEMS     200000

struct item {
	struct mpsc_node node; /* first, so a node pointer is an item pointer */
	unsigned producer;
	unsigned seq;
};

static struct item *item_of(struct mpsc_node *n)
{
	return (struct item *)n;
}

static void test_empty(void **state)
{
	struct mpsc_queue q = MPSC_QUEUE_INIT;

	(void)state;
	assert_true(mpsc_empty(&q));
	assert_null(mpsc_pop(&q));
	mpsc_init(&q);
	assert_null(mpsc_pop(&q));
}

/* Pops interleaved with pushes: the batch must drain before newer items. */
static void test_single_thread_order(void **state)
{
	struct mpsc_queue q;
	struct item it[6];
	const unsigned pops_after[6] = { 0, 2, 0, 1, 0, 3 }; /* pops after push i */
	unsigned next = 0;

	(void)state;
	mpsc_init(&q);
	for (unsigned i = 0; i < 6; i++) {
		it[i].seq = i;
		/*
		 * Only a push the consumer has not yet seen an item before
		 * says so: 0, 2 and 4 (4 while 3 still waits in the batch).
		 */
		assert_int_equal(mpsc_push(&q, &it[i].node), i % 2 == 0);
		assert_false(mpsc_empty(&q));
		for (unsigned k = 0; k < pops_after[i]; k++)
			assert_int_equal(item_of(mpsc_pop(&q))->seq, next++);
	}
	assert_int_equal(next, 6);
	assert_true(mpsc_empty(&q));
	assert_null(mpsc_pop(&q));
	/* A node popped can be pushed again. */
	assert_true(mpsc_push(&q, &it[0].node));
	assert_ptr_equal(mpsc_pop(&q), &it[0].node);
	assert_null(mpsc_pop(&q));
}

struct run {
	struct mpsc_queue q;
	struct item *items[NPRODUCERS];
	/* The consumer sleeps on this when notify is set (see consume). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool notify;
	bool kicked;
};

struct producer_arg {
	struct run *run;
	unsigned id;
};

static void *produce(void *p)
{
	struct producer_arg *a = p;
	struct run *r = a->run;

	for (unsigned i = 0; i < NITEMS; i++) {
		struct item *it = &r->items[a->id][i];

		it->producer = a->id;
		it->seq = i;
		/* Notify only on the empty -> non-empty edge, as an IPI would. */
		if (mpsc_push(&r->q, &it->node) && r->notify) {
			pthread_mutex_lock(&r->lock);
			r->kicked = true;
			pthread_cond_signal(&r->cond);
			pthread_mutex_unlock(&r->lock);
		}
		if (i % 1024 == 0)
			sched_yield();
	}
	return NULL;
}

/*
 * Sleeps until a producer kicks; false after 10 s without one, which only
 * happens when an item was pushed without the consumer hearing of it.
 */
static bool wait_for_kick(struct run *r)
{
	struct timespec until;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&r->lock);
	while (!r->kicked && ok)
		ok = pthread_cond_timedwait(&r->cond, &r->lock, &until) == 0;
	r->kicked = false;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

/* Runs NPRODUCERS producers against this thread as the one consumer. */
static void run_producers(bool notify)
{
	struct run r = { .notify = notify };
	struct producer_arg args[NPRODUCERS];
	pthread_t th[NPRODUCERS];
	unsigned next[NPRODUCERS] = { 0 };
	unsigned long got = 0, bad = 0;

	mpsc_init(&r.q);
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.cond, NULL);
	for (unsigned p = 0; p < NPRODUCERS; p++) {
		r.items[p] = calloc(NITEMS, sizeof(struct item));
		assert_non_null(r.items[p]);
		args[p] = (struct producer_arg){ &r, p };
		assert_int_equal(pthread_create(&th[p], NULL, produce, &args[p]), 0);
	}
	while (got < (unsigned long)NPRODUCERS * NITEMS) {
		struct mpsc_node *n = mpsc_pop(&r.q);

		if (!n) {
			if (!notify)
				sched_yield();
			else if (!wait_for_kick(&r))
				break;
			continue;
		}
		struct item *it = item_of(n);

		/* In order per producer: also means each item exactly once. */
		if (it->producer >= NPRODUCERS || it->seq != next[it->producer])
			bad++;
		else
			next[it->producer]++;
		got++;
	}
	for (unsigned p = 0; p < NPRODUCERS; p++)
		assert_int_equal(pthread_join(th[p], NULL), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(got, (unsigned long)NPRODUCERS * NITEMS);
	for (unsigned p = 0; p < NPRODUCERS; p++) {
		assert_int_equal(next[p], NITEMS);
		free(r.items[p]);
	}
	assert_null(mpsc_pop(&r.q));
	assert_true(mpsc_empty(&r.q));
	pthread_cond_destroy(&r.cond);
	pthread_mutex_destroy(&r.lock);
}

static void test_producers_polling(void **state)
{
	(void)state;
	run_producers(false);
}

/* The consumer sleeps whenever empty: no item may be stranded. */
static void test_producers_notify_on_empty(void **state)
{
	(void)state;
	run_producers(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_thread_order),
		cmocka_unit_test(test_producers_polling),
		cmocka_unit_test(test_producers_notify_on_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
