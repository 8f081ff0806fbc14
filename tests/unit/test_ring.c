/*
 * Tests for kernel/sync/ring.c: the edges (full, empty, capacity 1, the
 * counters wrapping) on one thread, then a producer thread and this thread
 * as consumer passing 1,000,000 numbered items through a small ring.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <carapace/ring.h>

#define NITEMS   1000000
#define CAPACITY 64

static void *item(uintptr_t i)
{
	return (void *)(i + 1);
}

static void test_init_capacity(void **state)
{
	static const struct {
		size_t capacity;
		int ret;
	} cases[] = {
		{ 0, -EINVAL }, { 1, 0 }, { 2, 0 }, { 3, -EINVAL }, { 6, -EINVAL },
		{ 64, 0 }, { 65, -EINVAL }, { (size_t)1 << 40, 0 },
	};
	struct ring r;
	void *slots[1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ring_init(&r, slots, cases[i].capacity), cases[i].ret);
}

/* Fills and drains a ring whose counters start just below SIZE_MAX. */
static void fill_and_drain(size_t capacity, size_t start)
{
	void *slots[CAPACITY];
	void *got;
	struct ring r;

	assert_int_equal(ring_init(&r, slots, capacity), 0);
	r.head = r.tail = start;
	assert_false(ring_pop(&r, &got));
	for (size_t i = 0; i < capacity; i++) {
		assert_int_equal(ring_count(&r), i);
		assert_true(ring_push(&r, item(i)));
	}
	assert_false(ring_push(&r, item(capacity)));
	assert_int_equal(ring_count(&r), capacity);
	for (size_t i = 0; i < capacity; i++) {
		assert_true(ring_pop(&r, &got));
		assert_ptr_equal(got, item(i));
	}
	assert_false(ring_pop(&r, &got));
	assert_int_equal(ring_count(&r), 0);
}

static void test_full_and_empty(void **state)
{
	static const size_t capacities[] = { 1, 2, 8, CAPACITY };

	(void)state;
	for (size_t i = 0; i < sizeof(capacities) / sizeof(capacities[0]); i++) {
		fill_and_drain(capacities[i], 0);
		fill_and_drain(capacities[i], SIZE_MAX - capacities[i] / 2);
	}
}

static void *produce(void *p)
{
	struct ring *r = p;

	for (uintptr_t i = 0; i < NITEMS; i++)
		while (!ring_push(r, item(i)))
			sched_yield();
	return NULL;
}

static void test_one_producer_one_consumer(void **state)
{
	void *slots[CAPACITY];
	struct ring r;
	pthread_t th;
	uintptr_t next = 0, bad = 0;

	(void)state;
	assert_int_equal(ring_init(&r, slots, CAPACITY), 0);
	assert_int_equal(pthread_create(&th, NULL, produce, &r), 0);
	while (next < NITEMS) {
		void *got;

		if (!ring_pop(&r, &got)) {
			sched_yield();
			continue;
		}
		if (got != item(next))
			bad++;
		next++;
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(ring_count(&r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_capacity),
		cmocka_unit_test(test_full_and_empty),
		cmocka_unit_test(test_one_producer_one_consumer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
