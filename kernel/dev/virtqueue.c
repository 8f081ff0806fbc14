/*
 * Split virtqueues, the driver's side (virtio 1.x, 2.7). Portable: the
 * transport (virtio_mmio.c) tells the device where the rings are and
 * notifies it; this file only reads and writes the rings.
 *
 * Ordering (2.7.13): the driver fills descriptors and the ring entry, then
 * publishes avail->idx with release order; it reads used->idx with acquire
 * order before the entries it covers. A full fence separates publishing
 * from reading the device's "no notify" flag.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/virtqueue.h>

#define DESC_ALIGN  16 /* 2.7: descriptor table alignment */
#define USED_ALIGN  4  /* 2.7: used ring alignment (avail needs 2) */

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static bool valid_size(uint16_t size)
{
	return size != 0 && (size & (size - 1)) == 0;
}

/* flags, idx, ring[size], used_event */
static size_t avail_bytes(uint16_t size)
{
	return 2 * sizeof(uint16_t) + (size_t)size * sizeof(uint16_t) + sizeof(uint16_t);
}

static size_t used_offset(uint16_t size)
{
	return align_up((size_t)size * sizeof(struct virtq_desc) + avail_bytes(size),
			USED_ALIGN);
}

size_t virtqueue_ring_bytes(uint16_t size)
{
	if (!valid_size(size))
		return 0;
	/* flags, idx, ring[size], avail_event */
	return used_offset(size) + 2 * sizeof(uint16_t) +
	       (size_t)size * sizeof(struct virtq_used_elem) + sizeof(uint16_t);
}

int virtqueue_init(struct virtqueue *vq, uint16_t size, void *mem, uint64_t phys,
		   struct virtqueue_slot *slots)
{
	size_t avail_off = (size_t)size * sizeof(struct virtq_desc), used_off;

	if (!valid_size(size) || mem == NULL || slots == NULL ||
	    ((uintptr_t)mem | phys) & (DESC_ALIGN - 1))
		return -EINVAL;
	used_off = used_offset(size);
	memset(mem, 0, virtqueue_ring_bytes(size));
	memset(vq, 0, sizeof(*vq));
	vq->size = size;
	vq->desc = mem;
	vq->avail = (struct virtq_avail *)((char *)mem + avail_off);
	vq->used = (struct virtq_used *)((char *)mem + used_off);
	vq->desc_phys = phys;
	vq->avail_phys = phys + avail_off;
	vq->used_phys = phys + used_off;
	vq->slots = slots;
	for (uint16_t i = 0; i < size; i++)
		slots[i] = (struct virtqueue_slot){ .next = (uint16_t)(i + 1) };
	vq->num_free = size;
	vq->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	return 0;
}

/* Checks a chain before anything is written: readable buffers, then writable. */
static int check_chain(const struct virtqueue_buf *bufs, size_t n, uint32_t *write_len)
{
	uint64_t writable = 0;
	bool seen_writable = false;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (bufs[i].len == 0 || (seen_writable && !bufs[i].device_writes))
			return -EINVAL;
		if (bufs[i].device_writes) {
			seen_writable = true;
			writable += bufs[i].len;
		}
	}
	if (writable > UINT32_MAX)
		return -EINVAL;
	*write_len = (uint32_t)writable;
	return 0;
}

int virtqueue_add(struct virtqueue *vq, const struct virtqueue_buf *bufs, size_t n,
		  void *cookie)
{
	uint16_t head = vq->free_head, d = head;
	uint32_t write_len;
	int err;

	if (vq->broken)
		return -EIO;
	err = check_chain(bufs, n, &write_len);
	if (err)
		return err;
	if (n > vq->num_free)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		struct virtq_desc *desc = &vq->desc[d];

		desc->addr = bufs[i].phys;
		desc->len = bufs[i].len;
		desc->flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		desc->next = i + 1 < n ? vq->slots[d].next : 0;
		if (i + 1 < n)
			d = vq->slots[d].next;
	}
	vq->free_head = vq->slots[d].next;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->slots[head].count = (uint16_t)n;
	vq->slots[head].write_len = write_len;
	vq->slots[head].head_in_use = true;
	vq->slots[head].cookie = cookie;

	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	return 0;
}

bool virtqueue_should_notify(const struct virtqueue *vq)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY);
}

void virtqueue_enable_interrupts(struct virtqueue *vq)
{
	/* Seen by the device before any later look at the used ring. */
	__atomic_store_n(&vq->avail->flags, 0, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void virtqueue_disable_interrupts(struct virtqueue *vq)
{
	__atomic_store_n(&vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
}

bool virtqueue_has_used(const struct virtqueue *vq)
{
	return !vq->broken &&
	       __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) != vq->last_used;
}

static int broken(struct virtqueue *vq)
{
	vq->broken = true;
	return -EIO;
}

/* Gives a finished chain's descriptors back to the free list (private links). */
static void free_chain(struct virtqueue *vq, uint16_t head)
{
	struct virtqueue_slot *s = &vq->slots[head];
	uint16_t last = head;

	for (uint16_t i = 1; i < s->count; i++)
		last = vq->slots[last].next;
	vq->slots[last].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + s->count);
	s->head_in_use = false;
	s->count = 0;
	s->cookie = NULL;
}

int virtqueue_get_used(struct virtqueue *vq, void **cookie, uint32_t *written)
{
	uint16_t used_idx, pending, in_flight = (uint16_t)(vq->avail_idx - vq->last_used);
	struct virtqueue_slot *s;
	uint32_t id, len;

	if (vq->broken)
		return -EIO;
	used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	pending = (uint16_t)(used_idx - vq->last_used);
	if (pending == 0)
		return -EAGAIN;
	if (pending > in_flight)
		return broken(vq);
	/* Each field read once: the device may change them under us. */
	id = __atomic_load_n(&vq->used->ring[vq->last_used & (vq->size - 1)].id,
			     __ATOMIC_RELAXED);
	len = __atomic_load_n(&vq->used->ring[vq->last_used & (vq->size - 1)].len,
			      __ATOMIC_RELAXED);
	if (id >= vq->size)
		return broken(vq);
	s = &vq->slots[id];
	if (!s->head_in_use || len > s->write_len)
		return broken(vq);
	vq->last_used++;
	*cookie = s->cookie;
	*written = len;
	free_chain(vq, (uint16_t)id);
	return 0;
}
