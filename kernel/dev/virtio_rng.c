/*
 * virtio-rng (virtio 1.x, 5.4, the entropy device): one virtqueue, the
 * driver offers a buffer the device writes random bytes into. Here it is
 * one more seed source of the kernel's generator (kernel/boot/random.c),
 * mixed in at boot and at each reseed beside RDSEED/RDRAND.
 *
 * Polled: a request is a 64-byte buffer on the queue, a notify, and a wait
 * for the used ring of at most VIRTIO_RNG_TIMEOUT_NS. A device that does not
 * answer in time, or breaks the ring protocol, is reported, reset and never
 * asked again: the boot goes on without it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/csprng.h>
#include <carapace/memory.h>
#include <carapace/random.h>
#include <carapace/virtio.h>
#include <carapace/virtqueue.h>
#include <carapace/wipe.h>

#include "arch.h"
#include "virtio_mmio.h"

#define VIRTIO_RNG_QUEUE       0   /* 5.4.2: requestq */
#define VIRTIO_RNG_QUEUE_SIZE  4   /* one request at a time is all it needs */
#define VIRTIO_RNG_BUF_SIZE    64  /* bytes asked for per request */
#define VIRTIO_RNG_TIMEOUT_NS  (100 * 1000 * 1000ull)

static struct virtio_mmio_dev dev;
static struct virtqueue vq;
static uint8_t *dma_buf;       /* the device writes here */
static uint64_t dma_phys;
static uint8_t pool[VIRTIO_RNG_BUF_SIZE]; /* bytes received, not yet handed out */
static size_t pool_len;
static bool usable;

static void give_up(const char *why)
{
	kprintf("carapace: warning: virtio-rng at 0x%llx %s: not used\n",
		(unsigned long long)dev.phys, why);
	virtio_mmio_give_up(&dev);
	usable = false;
}

/* One request: fills pool with what the device wrote. 0 or -EIO. */
static int request(void)
{
	struct virtqueue_buf b = { dma_phys, VIRTIO_RNG_BUF_SIZE, true };
	uint64_t deadline;
	uint32_t written;
	void *cookie;
	int err;

	if (!usable)
		return -EIO;
	if (virtqueue_add(&vq, &b, 1, dma_buf)) {
		give_up("has no free descriptor");
		return -EIO;
	}
	virtio_mmio_notify(&dev, &vq, VIRTIO_RNG_QUEUE);
	deadline = clock_ns() + VIRTIO_RNG_TIMEOUT_NS;
	while ((err = virtqueue_get_used(&vq, &cookie, &written)) == -EAGAIN) {
		if (clock_ns() > deadline) {
			give_up("did not answer within 100 ms");
			return -EIO;
		}
		cpu_pause();
	}
	if (err || cookie != dma_buf) {
		give_up("broke the virtqueue protocol");
		return -EIO;
	}
	memcpy(pool, dma_buf, written);
	wipe(dma_buf, VIRTIO_RNG_BUF_SIZE);
	pool_len = written;
	return 0;
}

/*
 * entropy_source.read64: 8 bytes from the pool, refilled by a request when
 * short. Called with random.c's lock held, its only caller.
 */
static int rng_read64(void *ctx, uint64_t *out)
{
	(void)ctx;
	/* A device may return fewer bytes than asked (even 0): ask twice more. */
	for (int tries = 0; tries < 3 && pool_len < sizeof(*out); tries++)
		if (request() < 0)
			return -EIO;
	if (pool_len < sizeof(*out))
		return -EIO;
	pool_len -= sizeof(*out);
	memcpy(out, pool + pool_len, sizeof(*out));
	wipe(pool + pool_len, sizeof(*out));
	return 0;
}

static struct entropy_source virtio_rng_source = {
	.name = "virtio-rng", .read64 = rng_read64,
};

void virtio_rng_init(void)
{
	uint64_t features;

	if (virtio_mmio_find(VIRTIO_ID_ENTROPY, &dev))
		return;
	if (virtio_mmio_negotiate(&dev, 0, &features)) {
		give_up("refused VIRTIO_F_VERSION_1");
		return;
	}
	dma_buf = memory_alloc_dma(VIRTIO_RNG_BUF_SIZE, &dma_phys);
	if (dma_buf == NULL ||
	    virtio_mmio_queue_setup(&dev, VIRTIO_RNG_QUEUE, &vq, VIRTIO_RNG_QUEUE_SIZE)) {
		give_up("has no usable queue (or no memory for one)");
		return;
	}
	virtio_mmio_driver_ok(&dev);
	usable = true;
	klog("virtio-rng: at 0x%llx, a queue of %u\n", (unsigned long long)dev.phys,
	     vq.size);
	random_add_source(&virtio_rng_source);
}
