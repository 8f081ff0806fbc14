/* minheap: order, removal from the middle, re-keying, growth failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/minheap.h>

#define N 5000

static struct minheap_node **grow_malloc(struct minheap_node **old, int old_cap, int new_cap)
{
	struct minheap_node **items = malloc(sizeof(*items) * (size_t)new_cap);

	if (items && old)
		memcpy(items, old, sizeof(*items) * (size_t)old_cap);
	free(old);
	return items;
}

static struct minheap_node **grow_fail(struct minheap_node **old, int old_cap, int new_cap)
{
	(void)old;
	(void)old_cap;
	(void)new_cap;
	return NULL;
}

static uint32_t rng = 12345;
static uint32_t next_random(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Every index back-pointer is right and every parent is <= its children. */
static void check_heap(const struct minheap *h)
{
	for (int i = 0; i < h->size; i++) {
		assert_int_equal(h->items[i]->index, i);
		if (i > 0)
			assert_true(h->items[(i - 1) / 2]->key <= h->items[i]->key);
	}
}

static void test_sorted_output(void **state)
{
	static struct minheap_node nodes[N];
	struct minheap h;
	uint64_t prev = 0;

	(void)state;
	minheap_init(&h, grow_malloc);
	for (int i = 0; i < N; i++) {
		minheap_node_init(&nodes[i]);
		nodes[i].key = next_random() % 1000;
		assert_int_equal(minheap_insert(&h, &nodes[i]), 0);
	}
	check_heap(&h);
	for (int i = 0; i < N; i++) {
		struct minheap_node *m = minheap_min(&h);

		assert_non_null(m);
		assert_true(m->key >= prev);
		prev = m->key;
		minheap_remove(&h, m);
		assert_false(minheap_contains(m));
	}
	assert_null(minheap_min(&h));
	free(h.items);
}

/* Random removals and re-keys against a model: the minimum is always right. */
static void test_random_against_model(void **state)
{
	static struct minheap_node nodes[N];
	struct minheap h;

	(void)state;
	minheap_init(&h, grow_malloc);
	for (int i = 0; i < N; i++)
		minheap_node_init(&nodes[i]);
	for (int step = 0; step < 40000; step++) {
		struct minheap_node *n = &nodes[next_random() % N];
		uint64_t model_min = UINT64_MAX;

		switch (next_random() % 3) {
		case 0:
			if (!minheap_contains(n)) {
				n->key = next_random() % 100000;
				assert_int_equal(minheap_insert(&h, n), 0);
			}
			break;
		case 1:
			minheap_remove(&h, n);
			assert_false(minheap_contains(n));
			break;
		default:
			minheap_update(&h, n, next_random() % 100000);
			break;
		}
		for (int i = 0; i < N; i++)
			if (minheap_contains(&nodes[i]) && nodes[i].key < model_min)
				model_min = nodes[i].key;
		if (h.size)
			assert_int_equal(minheap_min(&h)->key, model_min);
		else
			assert_int_equal(model_min, UINT64_MAX);
	}
	check_heap(&h);
	free(h.items);
}

static void test_grow_failure_leaves_node_out(void **state)
{
	struct minheap h;
	struct minheap_node n;

	(void)state;
	minheap_init(&h, grow_fail);
	minheap_node_init(&n);
	assert_int_equal(minheap_insert(&h, &n), -12 /* -ENOMEM */);
	assert_false(minheap_contains(&n));
	assert_int_equal(h.size, 0);
	minheap_remove(&h, &n); /* not in it: no effect */
	assert_int_equal(h.size, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_output),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_grow_failure_leaves_node_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
