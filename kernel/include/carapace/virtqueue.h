/*
 * virtqueue: the driver's side of a virtio split virtqueue (virtio 1.x,
 * 2.7 "Split Virtqueues"), independent of the transport (kernel/dev/).
 *
 * The rings live in memory the device reads and writes: the descriptor
 * table, the available ring (driver to device) and the used ring (device to
 * driver), one after the other in one region of virtqueue_ring_bytes(size).
 * Everything the driver needs to trust (which descriptors are free, how a
 * chain is linked, how much the device may write) is kept in private
 * memory, so a device that scribbles on the rings cannot make the driver
 * free a descriptor twice or believe a buffer longer than it is: what the
 * used ring says is validated before it is acted on.
 */
#ifndef CARAPACE_VIRTQUEUE_H
#define CARAPACE_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQUEUE_MAX_SIZE 32768 /* 2.7: a split queue holds at most 2^15 */

/* Descriptor flags (2.7.5). */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2 /* the device writes this buffer */
/* Available ring flag (2.7.6): the driver polls, no interrupt wanted. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
/* Used ring flag (2.7.8): the device asks not to be notified. */
#define VIRTQ_USED_F_NO_NOTIFY 1

/* The layout the device sees, little-endian (x86 is). */
struct virtq_desc {
	uint64_t addr;  /* guest-physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* size entries, then used_event (unused here) */
};

struct virtq_used_elem {
	uint32_t id;  /* head of the chain the device is done with */
	uint32_t len; /* bytes it wrote into the chain's writable buffers */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* size entries, then avail_event */
};

/* Private per-descriptor state (not visible to the device). */
struct virtqueue_slot {
	uint16_t next;      /* the chain's link, as the driver wrote it */
	uint16_t count;     /* at a head in use: descriptors in the chain */
	uint32_t write_len; /* at a head in use: bytes the device may write */
	bool head_in_use;
	void *cookie;       /* at a head in use: the caller's tag */
};

struct virtqueue {
	uint16_t size;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint64_t desc_phys, avail_phys, used_phys;
	struct virtqueue_slot *slots; /* size entries */
	uint16_t free_head;  /* first free descriptor */
	uint16_t num_free;
	uint16_t avail_idx;  /* the driver's copy of avail->idx */
	uint16_t last_used;  /* the next used ring entry to take */
	bool broken;         /* the device broke the protocol: stop */
};

/* One buffer of a chain: guest-physical address and length. */
struct virtqueue_buf {
	uint64_t phys;
	uint32_t len;
	bool device_writes;
};

/*
 * Bytes of ring memory a queue of size entries needs (size a power of two,
 * 1..VIRTQUEUE_MAX_SIZE; 0 otherwise). The region must be 16-byte aligned
 * and physically contiguous.
 */
size_t virtqueue_ring_bytes(uint16_t size);

/*
 * Sets vq up on ring memory mem (virtqueue_ring_bytes(size), guest-physical
 * address phys, zeroed here) and slots[size] (private). No interrupts are
 * asked for: the driver polls. 0, or -EINVAL (size, alignment).
 */
int virtqueue_init(struct virtqueue *vq, uint16_t size, void *mem, uint64_t phys,
		   struct virtqueue_slot *slots);

/*
 * Puts a chain of n buffers (those the device reads first, then those it
 * writes, as 2.7.4 requires) on the available ring, tagged with cookie.
 * Returns 0; -EINVAL (n == 0, a zero length, a readable buffer after a
 * writable one, more than 2^32-1 writable bytes); -ENOSPC (not enough free
 * descriptors); -EIO (the queue is broken).
 */
int virtqueue_add(struct virtqueue *vq, const struct virtqueue_buf *bufs, size_t n,
		  void *cookie);

/*
 * Interrupts for this queue (2.7.7): virtqueue_init asks for none (the
 * driver polls); an interrupt-driven driver turns them on. After turning
 * them on, look at the used ring once more: a buffer used in between
 * raised no interrupt. (A hint to the device, which may interrupt anyway.)
 */
void virtqueue_enable_interrupts(struct virtqueue *vq);
void virtqueue_disable_interrupts(struct virtqueue *vq);

/* Whether the used ring has an entry to take (virtqueue_get_used would not say -EAGAIN). */
bool virtqueue_has_used(const struct virtqueue *vq);

/* Whether the device wants to be notified after virtqueue_add (2.7.10). */
bool virtqueue_should_notify(const struct virtqueue *vq);

/*
 * Takes the next chain the device is done with: its cookie and the bytes
 * the device wrote. Returns 0; -EAGAIN (none yet); -EIO when the device
 * broke the protocol (an unknown or idle head, a length over the chain's
 * writable bytes, a used index running ahead of what was offered): the
 * queue is then marked broken and every later call fails.
 */
int virtqueue_get_used(struct virtqueue *vq, void **cookie, uint32_t *written);

#endif
