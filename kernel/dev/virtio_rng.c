/*
 * virtio-rng (virtio 1.x, 5.4, the entropy device): one virtqueue, the
 * driver offers a buffer the device writes random bytes into. Here it is
 * one more seed source of the kernel's generator (kernel/boot/random.c),
 * mixed in at boot and at each reseed beside RDSEED/RDRAND.
 *
 * Polled: a request is a 64-byte buffer on the queue, a notify, and a wait
 * for the used ring of at most VIRTIO_RNG_TIMEOUT_NS. A device that does not
 * answer in time, or breaks the ring protocol, is reported, reset and never
 * asked again: the boot goes on without it. (Seeding happens with
 * interrupts off, at boot and under random.c's lock, hence polling.)
 *
 * Where the transport gives the queue an interrupt (virtio-pci's MSI-X),
 * the in-kernel test virtio-rng-irq makes one request that waits for the
 * interrupt instead of the used ring: the proof that MSI-X delivers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/csprng.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>
#include <carapace/random.h>
#include <carapace/virtio.h>
#include <carapace/virtqueue.h>
#include <carapace/wipe.h>

#include <carapace/arch.h>

#define VIRTIO_RNG_QUEUE       0   /* 5.4.2: requestq */
#define VIRTIO_RNG_QUEUE_SIZE  4   /* one request at a time is all it needs */
#define VIRTIO_RNG_BUF_SIZE    64  /* bytes asked for per request */
#define VIRTIO_RNG_TIMEOUT_NS  (100 * 1000 * 1000ull)
#define RFLAGS_IF              (1u << 9)

static struct virtio_device *dev;
static struct virtqueue vq;
static uint8_t *dma_buf;       /* the device writes here */
static uint64_t dma_phys;
static uint8_t pool[VIRTIO_RNG_BUF_SIZE]; /* bytes received, not yet handed out */
static size_t pool_len;
static bool usable;
static bool has_irq;            /* the transport gave queue 0 an interrupt */
static unsigned interrupts;     /* how many arrived (atomic) */
static bool busy;               /* a request is in flight: the test's and random.c's exclude each other */

static void give_up(const char *why)
{
	kprintf("carapace: warning: virtio-rng (%s) %s: not used\n", dev->name, why);
	dev->ops->give_up(dev);
	usable = false;
}

static void rng_interrupt(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&interrupts, 1, __ATOMIC_RELEASE);
}

/* Whether the wait is over: an interrupt came (by_interrupt), or the used ring moved. */
static bool answered(bool by_interrupt, unsigned interrupts_before)
{
	if (by_interrupt)
		return __atomic_load_n(&interrupts, __ATOMIC_ACQUIRE) != interrupts_before;
	return virtqueue_has_used(&vq);
}

/*
 * One request: fills pool with what the device wrote. by_interrupt waits
 * for the queue's interrupt rather than the used ring. 0 or -EIO.
 */
static int request(bool by_interrupt)
{
	struct virtqueue_buf b = { dma_phys, VIRTIO_RNG_BUF_SIZE, true };
	unsigned before = __atomic_load_n(&interrupts, __ATOMIC_ACQUIRE);
	uint64_t deadline;
	uint32_t written;
	void *cookie;
	int err;

	if (!usable)
		return -EIO;
	if (by_interrupt)
		virtqueue_enable_interrupts(&vq);
	if (virtqueue_add(&vq, &b, 1, dma_buf)) {
		give_up("has no free descriptor");
		return -EIO;
	}
	dev->ops->notify(dev, &vq, VIRTIO_RNG_QUEUE);
	deadline = clock_ns() + VIRTIO_RNG_TIMEOUT_NS;
	while (!answered(by_interrupt, before)) {
		if (clock_ns() > deadline) {
			give_up(by_interrupt ? "raised no interrupt within 100 ms" :
				"did not answer within 100 ms");
			return -EIO;
		}
		cpu_pause();
	}
	virtqueue_disable_interrupts(&vq);
	err = virtqueue_get_used(&vq, &cookie, &written);
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
	int rc = 0;

	(void)ctx;
	if (__atomic_exchange_n(&busy, true, __ATOMIC_ACQUIRE))
		return -EIO; /* the test's request is in flight */
	/* A device may return fewer bytes than asked (even 0): ask twice more. */
	for (int tries = 0; tries < 3 && pool_len < sizeof(*out) && rc == 0; tries++)
		rc = request(false);
	__atomic_store_n(&busy, false, __ATOMIC_RELEASE);
	if (rc || pool_len < sizeof(*out))
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

	if (virtio_find(VIRTIO_ID_ENTROPY, &dev))
		return;
	if (dev->ops->negotiate(dev, 0, &features)) {
		give_up("refused VIRTIO_F_VERSION_1");
		return;
	}
	dma_buf = memory_alloc_dma(VIRTIO_RNG_BUF_SIZE, &dma_phys);
	if (dma_buf == NULL ||
	    dev->ops->queue_setup(dev, VIRTIO_RNG_QUEUE, &vq, VIRTIO_RNG_QUEUE_SIZE)) {
		give_up("has no usable queue (or no memory for one)");
		return;
	}
	/* An interrupt when the transport has one (before driver_ok, as virtio.h asks). */
	has_irq = dev->ops->queue_irq(dev, VIRTIO_RNG_QUEUE, rng_interrupt, NULL) == 0;
	dev->ops->driver_ok(dev);
	usable = true;
	klog("virtio-rng: %s, a queue of %u\n", dev->name, vq.size);
	random_add_source(&virtio_rng_source);
}

/*
 * test=virtio-rng-irq: one request answered by the queue's interrupt (on
 * q35, an MSI-X message). Passes only when the interrupt arrived and the
 * device's bytes are there.
 */
static int ktest_virtio_rng_irq(void)
{
	uint64_t flags = irq_save();
	int rc;

	irq_restore(flags);
	if (!usable || !has_irq || !(flags & RFLAGS_IF)) {
		kprintf("virtio-rng-irq: %s\n", !usable ? "no usable virtio-rng device" :
			!has_irq ? "the transport gave virtio-rng no interrupt" :
			"interrupts are off in tests");
		return 1;
	}
	if (__atomic_exchange_n(&busy, true, __ATOMIC_ACQUIRE)) {
		kprintf("virtio-rng-irq: a request is already in flight\n");
		return 1;
	}
	wipe(pool, sizeof(pool));
	pool_len = 0; /* so that the bytes counted below are the interrupt's */
	rc = request(true);
	__atomic_store_n(&busy, false, __ATOMIC_RELEASE);
	kprintf("virtio-rng-irq: %s, %u interrupt(s), %zu bytes\n", dev->name,
		__atomic_load_n(&interrupts, __ATOMIC_ACQUIRE), pool_len);
	return rc == 0 && pool_len > 0 ? 0 : 1;
}
KTEST("virtio-rng-irq", ktest_virtio_rng_irq);
