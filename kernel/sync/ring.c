/* The SPSC ring: see carapace/ring.h for the memory-order argument. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <carapace/ring.h>

int ring_init(struct ring *r, void **slots, size_t capacity)
{
	if (capacity == 0 || (capacity & (capacity - 1)) != 0)
		return -EINVAL;
	r->tail = 0;
	r->head = 0;
	r->mask = capacity - 1;
	r->slots = slots;
	return 0;
}

bool ring_push(struct ring *r, void *item)
{
	size_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
	size_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

	if (tail - head > r->mask)
		return false;
	r->slots[tail & r->mask] = item;
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

bool ring_pop(struct ring *r, void **item)
{
	size_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	size_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	if (tail == head)
		return false;
	*item = r->slots[head & r->mask];
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

size_t ring_count(const struct ring *r)
{
	size_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) - head;
}
