/*
 * virtio-net (virtio 1.x, 5.1) on any virtio transport (carapace/virtio.h).
 *
 * Two queues: receive (0), kept full of buffers of one header and the
 * largest frame, and transmit (1), one buffer per frame copied in. Only
 * VIRTIO_F_VERSION_1, the MAC and transmit checksum offload (VIRTIO_NET_F_CSUM,
 * when offered) are negotiated: no mergeable buffers, no segmentation
 * offload, no receive offload, so every frame is whole in one buffer and a
 * received frame's header is all zeros. With VIRTIO_NET_F_CSUM, the
 * header of a sent TCP or UDP packet asks the device to compute its
 * checksum (virtio_net_tx_csum): lwIP skipped it (netdev.h,
 * tx_csum_offload). QEMU offers the feature only with a backend that takes
 * the header (tap, vhost), not with its user networking.
 *
 * The interrupt handler takes received frames itself while the stack has
 * pbufs made ahead for them (netdev_receive_irq): a frame for a socket's
 * net channel wakes its reader from there, with no switch to the driver's
 * thread. What it leaves (no pbuf ready, frames for lwIP's own input, a
 * device that broke a rule) it hands to the driver's thread, which also
 * makes the pbufs ahead, takes the frames of a test's tap, and reclaims
 * sent buffers. One of the two takes the receive queue at a time
 * (rx_busy): the handler never waits for it, the thread spins the short
 * while the handler holds it on another CPU. Where the transport has no
 * interrupt for a queue, the thread polls every VIRTIO_NET_POLL_NS; where it
 * has one, the thread still looks every VIRTIO_NET_CHECK_NS, and falls back
 * to polling when buffers wait without an interrupt.
 *
 * The device is untrusted: the used ring is validated by virtqueue.c, every
 * receive length by virtio_net_rx_check, the MAC by virtio_net_mac_check.
 * A device that breaks the rules gets one line saying what it did, is reset
 * and never used again; nothing it wrote is acted upon.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/memory.h>
#include <carapace/mutex.h>
#include <carapace/netdev.h>
#include <carapace/random.h>
#include <carapace/spinlock.h>
#include <carapace/thread.h>
#include <carapace/virtio.h>
#include <carapace/virtio_net.h>
#include <carapace/virtqueue.h>

#define RX_QUEUE            0
#define TX_QUEUE            1
#define RX_BUFS             128  /* receive buffers kept on the ring */
#define TX_BUFS             64   /* frames in flight to the device */
/* Frames queued untold at most: the device is told at once at the 16th. */
#define TX_NOTIFY_BATCH     16
#define BUF_STRIDE          2048 /* a receive or transmit buffer; two per page */
#define PAGE_SIZE           4096
#define BUFS_PER_PAGE       (PAGE_SIZE / BUF_STRIDE)
#define VIRTIO_NET_POLL_NS  (2 * 1000 * 1000ull)
#define VIRTIO_NET_CHECK_NS (100 * 1000 * 1000ull) /* interrupt-driven: a look anyway */
#define ETH_MTU             1500
#define ERR_SIZE            160

_Static_assert(VIRTIO_NET_RX_BUF_SIZE <= BUF_STRIDE, "a receive buffer fits its stride");
_Static_assert(sizeof(struct virtio_net_hdr) == VIRTIO_NET_HDR_SIZE, "the 1.x header");

struct net_buf {
	uint8_t *data;
	uint64_t phys;
};

struct virtio_net {
	struct virtio_device *dev;
	struct netdev netdev;
	struct virtqueue rx, tx;
	struct net_buf rx_bufs[RX_BUFS];
	struct net_buf tx_bufs[TX_BUFS];
	uint16_t tx_free[TX_BUFS]; /* indices of tx_bufs not on the ring */
	unsigned tx_free_count;
	unsigned tx_usable;         /* tx_bufs the ring has room for */
	struct mutex tx_lock;      /* the transmit queue and tx_free */
	struct thread *worker;
	bool polled;               /* no interrupt: the worker polls */
	bool work;                 /* set by the interrupt handler */
	bool failed;               /* the device broke a rule: never touched again */
	bool tx_csum;              /* VIRTIO_NET_F_CSUM negotiated */
	struct virtio_net_stats stats;
	unsigned tx_unnotified;    /* frames queued that the device was not told of (atomic) */
	bool rx_busy;              /* the receive queue is being taken: by the worker or the handler */
	char irq_err[ERR_SIZE];    /* what the device did wrong, seen by the handler */
	bool irq_broke;            /* irq_err is set: the worker fails the device */
	virtio_net_tap_fn tap;     /* a test's, in place of the stack */
	void *tap_arg;
};

static struct virtio_net net;

/* Once: one line, then the device is reset and left alone. */
static void fail(const char *what)
{
	if (__atomic_exchange_n(&net.failed, true, __ATOMIC_ACQ_REL))
		return;
	kprintf("carapace: warning: virtio-net (%s) %s: not used any more\n", net.dev->name,
		what);
	net.dev->ops->give_up(net.dev);
}

static bool failed(void)
{
	return __atomic_load_n(&net.failed, __ATOMIC_ACQUIRE);
}

/* Fills bufs[n] with DMA buffers of BUF_STRIDE, two to a page. */
static int alloc_bufs(struct net_buf *bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i += BUFS_PER_PAGE) {
		uint64_t phys;
		uint8_t *page = memory_alloc_dma(PAGE_SIZE, &phys);

		if (page == NULL)
			return -ENOMEM;
		for (unsigned j = 0; j < BUFS_PER_PAGE && i + j < n; j++) {
			bufs[i + j].data = page + j * BUF_STRIDE;
			bufs[i + j].phys = phys + j * BUF_STRIDE;
		}
	}
	return 0;
}

/* To the test's tap when there is one (virtio_net_set_tap), else to the stack. */
static void deliver(const void *frame, size_t len)
{
	virtio_net_tap_fn tap = __atomic_load_n(&net.tap, __ATOMIC_ACQUIRE);

	if (tap)
		tap(&net.netdev, frame, len, __atomic_load_n(&net.tap_arg, __ATOMIC_ACQUIRE));
	else
		netdev_receive(&net.netdev, frame, len);
}

static int post_rx(struct net_buf *b)
{
	struct virtqueue_buf vb = { b->phys, VIRTIO_NET_RX_BUF_SIZE, true };

	return virtqueue_add(&net.rx, &vb, 1, b);
}

/* Whether cookie is one of the receive buffers (it comes from private slots). */
static bool rx_buf_valid(const struct net_buf *b)
{
	return b >= net.rx_bufs && b < net.rx_bufs + RX_BUFS;
}

/* The receive queue to one taker at a time; false: the other has it. */
static bool rx_try_take(void)
{
	return !__atomic_exchange_n(&net.rx_busy, true, __ATOMIC_ACQUIRE);
}

static void rx_give(void)
{
	__atomic_store_n(&net.rx_busy, false, __ATOMIC_RELEASE);
}

/*
 * Takes the next used receive buffer: checks it, hands its frame on (from
 * the interrupt handler to netdev_receive_irq, else to deliver) and gives
 * the buffer back. 0: one taken; -EAGAIN: none used; -EIO: the device
 * broke a rule, said in err. The handler's loop and the thread's share it.
 */
static int take_frame(bool in_handler, char *err, size_t size)
{
	struct net_buf *b;
	uint32_t used_len;
	size_t frame_len;
	void *cookie;
	int rc = virtqueue_get_used(&net.rx, &cookie, &used_len);

	if (rc == -EIO)
		fmt_snprintf(err, size, "broke the receive queue's protocol (an unknown buffer, "
			     "or a length over it)");
	if (rc)
		return rc;
	b = cookie;
	if (!rx_buf_valid(b)) {
		fmt_snprintf(err, size, "returned a receive buffer the driver does not know");
		return -EIO;
	}
	if (virtio_net_rx_check(used_len, VIRTIO_NET_RX_BUF_SIZE, &frame_len, err, size))
		return -EIO;
	__atomic_fetch_add(&net.stats.rx_frames, 1, __ATOMIC_RELAXED);
	if (in_handler)
		netdev_receive_irq(&net.netdev, b->data + VIRTIO_NET_HDR_SIZE, frame_len);
	else
		deliver(b->data + VIRTIO_NET_HDR_SIZE, frame_len);
	if (post_rx(b)) {
		fmt_snprintf(err, size, "left no room for a receive buffer it gave back");
		return -EIO;
	}
	return 0;
}

/*
 * In the interrupt handler: takes received frames while the stack has
 * pbufs made ahead for them (netdev_receive_irq: a frame for a socket's
 * net channel wakes its reader from here), gives each buffer back, then
 * asks for an interrupt and looks once more. Returns true when the queue
 * is empty and nothing waits for the worker; false: the worker goes on (no
 * pbuf ready, frames for lwIP's input, or the device broke a rule, said in
 * irq_err for the worker to act on).
 */
static bool receive_in_interrupt(void)
{
	do {
		unsigned reposted = 0;
		int rc = 0;

		virtqueue_disable_interrupts(&net.rx);
		while (netdev_receive_ready(&net.netdev) &&
		       (rc = take_frame(true, net.irq_err, sizeof(net.irq_err))) == 0)
			reposted++;
		if (reposted)
			net.dev->ops->notify(net.dev, &net.rx, RX_QUEUE);
		virtqueue_enable_interrupts(&net.rx);
		if (rc == -EIO) {
			__atomic_store_n(&net.irq_broke, true, __ATOMIC_RELEASE);
			return false;
		}
		if (rc == 0)
			return false; /* frames wait and no pbuf is ready */
	} while (virtqueue_has_used(&net.rx));
	return !netdev_receive_pending(&net.netdev);
}

/*
 * Takes every received frame, hands it to the stack and gives the buffer
 * back; then asks for an interrupt and looks once more, for a frame that
 * came in between.
 */
static void receive(void)
{
	char err[ERR_SIZE];

	while (!rx_try_take())
		__builtin_ia32_pause(); /* the handler, on another CPU: it is short */
	if (__atomic_load_n(&net.irq_broke, __ATOMIC_ACQUIRE)) {
		fail(net.irq_err);
		rx_give();
		return;
	}
	netdev_receive_thread(&net.netdev);
	do {
		unsigned reposted = 0;
		int rc;

		virtqueue_disable_interrupts(&net.rx);
		while ((rc = take_frame(false, err, sizeof(err))) == 0)
			reposted++;
		if (rc == -EIO) {
			fail(err);
			break;
		}
		if (reposted)
			net.dev->ops->notify(net.dev, &net.rx, RX_QUEUE);
		virtqueue_enable_interrupts(&net.rx);
	} while (virtqueue_has_used(&net.rx));
	rx_give();
}

/* Puts the buffers of sent frames back on the free list. Under tx_lock. */
static int reclaim_tx_locked(void)
{
	uint32_t written;
	void *cookie;
	int rc;

	while ((rc = virtqueue_get_used(&net.tx, &cookie, &written)) == 0) {
		struct net_buf *b = cookie;

		if (b < net.tx_bufs || b >= net.tx_bufs + TX_BUFS ||
		    net.tx_free_count == TX_BUFS)
			return -EIO;
		net.tx_free[net.tx_free_count++] = (uint16_t)(b - net.tx_bufs);
	}
	return rc == -EAGAIN ? 0 : rc;
}

/* netdev's tx_in_flight: frames on the transmit ring the device has not handed back. */
static unsigned tx_in_flight(struct netdev *nd)
{
	unsigned n;
	int rc;

	(void)nd;
	if (failed())
		return 0; /* given up on: it sends nothing more */
	mutex_lock(&net.tx_lock);
	rc = reclaim_tx_locked();
	n = net.tx_usable - net.tx_free_count;
	mutex_unlock(&net.tx_lock);
	if (rc) {
		fail("broke the transmit queue's protocol");
		return 0;
	}
	return n;
}

static void reclaim_tx(void)
{
	int rc;

	mutex_lock(&net.tx_lock);
	rc = reclaim_tx_locked();
	mutex_unlock(&net.tx_lock);
	if (rc)
		fail("broke the transmit queue's protocol");
}

/* netdev's flush: tells the device about the frames transmit queued. */
static void flush_tx(struct netdev *nd)
{
	(void)nd;
	if (__atomic_exchange_n(&net.tx_unnotified, 0, __ATOMIC_ACQ_REL) && !failed()) {
		__atomic_fetch_add(&net.stats.tx_notifies, 1, __ATOMIC_RELAXED);
		net.dev->ops->notify(net.dev, &net.tx, TX_QUEUE);
	}
}

static int transmit(struct netdev *nd, const void *frame, size_t len)
{
	struct virtqueue_buf vb;
	struct net_buf *b;
	bool added = false;
	int rc;

	(void)nd;
	if (len < NETDEV_ETH_HLEN || len > (size_t)net.netdev.mtu + NETDEV_ETH_HLEN)
		return -EMSGSIZE;
	if (failed())
		return -EIO;
	mutex_lock(&net.tx_lock);
	rc = reclaim_tx_locked();
	if (rc == 0 && net.tx_free_count == 0)
		rc = -ENOBUFS;
	if (rc == 0) {
		b = &net.tx_bufs[net.tx_free[--net.tx_free_count]];
		memset(b->data, 0, VIRTIO_NET_HDR_SIZE);
		memcpy(b->data + VIRTIO_NET_HDR_SIZE, frame, len);
		if (net.tx_csum && virtio_net_tx_csum(b->data + VIRTIO_NET_HDR_SIZE, len,
						      (struct virtio_net_hdr *)b->data))
			net.stats.tx_csum_offloaded++;
		vb = (struct virtqueue_buf){ b->phys, (uint32_t)(VIRTIO_NET_HDR_SIZE + len), false };
		rc = virtqueue_add(&net.tx, &vb, 1, b);
		if (rc == 0) {
			net.stats.tx_frames++;
			added = true;
		} else {
			net.tx_free[net.tx_free_count++] = (uint16_t)(b - net.tx_bufs);
		}
	}
	if (rc == -ENOBUFS)
		net.stats.tx_dropped++;
	mutex_unlock(&net.tx_lock);
	/*
	 * The device is told later (flush_tx), outside every lock: the notify is
	 * an exit to the hypervisor (under TCG one that waits for QEMU's global
	 * lock), and the threads waiting for tx_lock, or for the socket's
	 * locks its caller holds, would spin all the while.
	 */
	if (added) {
		if (__atomic_add_fetch(&net.tx_unnotified, 1, __ATOMIC_RELAXED) >= TX_NOTIFY_BATCH)
			flush_tx(nd);
		else
			netdev_defer_notify();
	}
	if (rc == -EIO)
		fail("broke the transmit queue's protocol");
	return rc;
}

/*
 * In interrupt context: received frames are taken here when the stack has
 * pbufs ready for them and no test's tap is set (receive_in_interrupt);
 * the worker is woken only for what is left.
 */
static void queue_interrupt(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&net.stats.interrupts, 1, __ATOMIC_RELAXED);
	if (!failed() && __atomic_load_n(&net.tap, __ATOMIC_ACQUIRE) == NULL && rx_try_take()) {
		bool done = receive_in_interrupt();

		rx_give();
		if (done)
			return;
	}
	__atomic_store_n(&net.work, true, __ATOMIC_RELEASE);
	thread_wake(net.worker);
}

/*
 * An interrupt that never comes (a line wired elsewhere than the transport
 * believes) would leave frames waiting for ever: when used buffers wait at
 * two checks in a row with no interrupt in between, say so once and poll.
 */
static void check_interrupts(unsigned *quiet_checks, uint64_t *last_interrupts)
{
	uint64_t interrupts = __atomic_load_n(&net.stats.interrupts, __ATOMIC_RELAXED);
	bool waiting = virtqueue_has_used(&net.rx); /* sent buffers raise no interrupt */

	*quiet_checks = interrupts == *last_interrupts && waiting ? *quiet_checks + 1 : 0;
	*last_interrupts = interrupts;
	if (*quiet_checks < 2)
		return;
	kprintf("carapace: warning: virtio-net (%s): its interrupt does not arrive; polling "
		"every 2 ms\n", net.dev->name);
	net.polled = true;
}

/*
 * The driver's thread. It never exits, so a late interrupt never wakes a
 * freed thread; once the device has failed it only sleeps.
 */
static void worker(void *arg)
{
	unsigned quiet_checks = 0;
	uint64_t last_interrupts = 0;

	(void)arg;
	for (;;) {
		uint64_t wait = net.polled ? VIRTIO_NET_POLL_NS : VIRTIO_NET_CHECK_NS;
		bool timed_out = false;

		sched_prepare_wait();
		while (!failed() && !__atomic_exchange_n(&net.work, false, __ATOMIC_ACQ_REL)) {
			if (sched_wait(clock_ns() + wait) == -ETIMEDOUT) {
				timed_out = true;
				break;
			}
			sched_prepare_wait();
		}
		sched_finish_wait();
		if (failed()) {
			thread_sleep_ns(VIRTIO_NET_CHECK_NS); /* a dead device: sleep for good */
			continue;
		}
		if (timed_out && !net.polled)
			check_interrupts(&quiet_checks, &last_interrupts);
		receive();
		if (!failed())
			reclaim_tx();
	}
}

/* The MAC the device gives, or a random locally administered one. */
static void read_mac(uint64_t features)
{
	char err[ERR_SIZE];
	uint64_t r;

	if (features & VIRTIO_NET_F_MAC) {
		if (net.dev->ops->config_read(net.dev, VIRTIO_NET_CONFIG_MAC, net.netdev.mac, 6))
			kprintf("carapace: warning: virtio-net (%s): its MAC cannot be read\n",
				net.dev->name);
		else if (virtio_net_mac_check(net.netdev.mac, err, sizeof(err)))
			kprintf("carapace: warning: virtio-net (%s) %s: a random MAC is used\n",
				net.dev->name, err);
		else
			return;
	}
	random_bytes(&r, sizeof(r));
	memcpy(net.netdev.mac, &r, 6);
	net.netdev.mac[0] = (uint8_t)((net.netdev.mac[0] & ~1u) | 2u); /* unicast, local */
}

static int setup_queues(void)
{
	int rc;

	if (alloc_bufs(net.rx_bufs, RX_BUFS) || alloc_bufs(net.tx_bufs, TX_BUFS))
		return -ENOMEM;
	rc = net.dev->ops->queue_setup(net.dev, RX_QUEUE, &net.rx, RX_BUFS);
	if (rc == 0)
		rc = net.dev->ops->queue_setup(net.dev, TX_QUEUE, &net.tx, TX_BUFS);
	if (rc)
		return rc;
	for (unsigned i = 0; i < RX_BUFS && i < net.rx.size; i++)
		if (post_rx(&net.rx_bufs[i]))
			return -EIO;
	for (unsigned i = 0; i < TX_BUFS && i < net.tx.size; i++)
		net.tx_free[net.tx_free_count++] = (uint16_t)i;
	net.tx_usable = net.tx_free_count;
	return 0;
}

void virtio_net_init(void)
{
	struct thread_attr attr = { .name = "virtio-net", .detached = true };
	uint64_t features;
	int rc;

	if (virtio_find(VIRTIO_ID_NET, &net.dev))
		return;
	mutex_init(&net.tx_lock);
	if (net.dev->ops->negotiate(net.dev, VIRTIO_NET_F_MAC | VIRTIO_NET_F_CSUM, &features)) {
		fail("refused VIRTIO_F_VERSION_1");
		return;
	}
	net.tx_csum = (features & VIRTIO_NET_F_CSUM) != 0;
	if (setup_queues()) {
		fail("has no usable queues (or no memory for them)");
		return;
	}
	read_mac(features);
	net.netdev.mtu = ETH_MTU;
	net.netdev.transmit = transmit;
	net.netdev.tx_in_flight = tx_in_flight;
	net.netdev.flush = flush_tx;
	net.netdev.tx_csum_offload = net.tx_csum;
	net.netdev.priv = &net;
	net.polled = net.dev->ops->queue_irq(net.dev, RX_QUEUE, queue_interrupt, NULL) != 0 ||
		     net.dev->ops->queue_irq(net.dev, TX_QUEUE, queue_interrupt, NULL) != 0;
	net.worker = thread_create(worker, NULL, &attr);
	if (net.worker == NULL) {
		fail("has no driver thread (out of memory)");
		return;
	}
	virtqueue_enable_interrupts(&net.rx);
	/*
	 * No interrupt for sent buffers: transmit reclaims them before it takes
	 * one, and the worker whenever it runs. An interrupt per sent frame cost
	 * a wake-up of the worker for nothing else.
	 */
	virtqueue_disable_interrupts(&net.tx);
	net.dev->ops->driver_ok(net.dev);
	net.dev->ops->notify(net.dev, &net.rx, RX_QUEUE);
	klog("virtio-net: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, queues of %u and %u, %s%s\n",
	     net.dev->name, net.netdev.mac[0], net.netdev.mac[1], net.netdev.mac[2],
	     net.netdev.mac[3], net.netdev.mac[4], net.netdev.mac[5], net.rx.size, net.tx.size,
	     net.polled ? "polled" : "interrupts", net.tx_csum ? ", checksum offload" : "");
	rc = netdev_register(&net.netdev);
	if (rc)
		kprintf("carapace: warning: virtio-net (%s): the stack refused it (%d)\n",
			net.dev->name, rc);
}

void virtio_net_get_stats(struct virtio_net_stats *out)
{
	out->rx_frames = __atomic_load_n(&net.stats.rx_frames, __ATOMIC_RELAXED);
	out->tx_frames = __atomic_load_n(&net.stats.tx_frames, __ATOMIC_RELAXED);
	out->tx_dropped = __atomic_load_n(&net.stats.tx_dropped, __ATOMIC_RELAXED);
	out->interrupts = __atomic_load_n(&net.stats.interrupts, __ATOMIC_RELAXED);
	out->tx_notifies = __atomic_load_n(&net.stats.tx_notifies, __ATOMIC_RELAXED);
	out->tx_unnotified = __atomic_load_n(&net.tx_unnotified, __ATOMIC_RELAXED);
	out->tx_csum_offloaded = __atomic_load_n(&net.stats.tx_csum_offloaded, __ATOMIC_RELAXED);
	out->polled = net.polled;
}

struct netdev *virtio_net_device(void)
{
	return net.worker && !failed() ? &net.netdev : NULL;
}

void virtio_net_set_tap(virtio_net_tap_fn fn, void *arg)
{
	/* The argument first: the driver thread that sees the new fn sees its arg. */
	__atomic_store_n(&net.tap_arg, arg, __ATOMIC_RELEASE);
	__atomic_store_n(&net.tap, fn, __ATOMIC_RELEASE);
}

/*
 * For test=net-lie-*: makes the device look like it lied, without a race
 * with the real one. The device is reset first (it then leaves the rings
 * alone), then the used ring gets the entry a lying device would write for
 * the next receive buffer: its head moved by id_offset, and len. The
 * driver's thread is woken to take it. Returns whether the driver then
 * failed the device within a second.
 */
bool virtio_net_test_forge_used(uint32_t id_offset, uint32_t len, bool in_handler,
				bool *by_handler)
{
	struct virtqueue *vq = &net.rx;
	/* Long enough for a loaded host's TCG (a CI run under load 7 saw the
	 * stack not ready within 1 s, and the worker, not the handler, took
	 * the entry); each wait ends as soon as its condition holds. */
	uint64_t deadline = clock_ns() + 20 * 1000 * 1000 * 1000ull;
	uint16_t idx, slot;

	*by_handler = false;
	if (net.worker == NULL || failed())
		return false;
	/* The handler takes frames only once the stack has pbufs ready. */
	while (in_handler && !netdev_receive_ready(&net.netdev) && clock_ns() < deadline)
		thread_sleep_ns(1000 * 1000);
	deadline = clock_ns() + 20 * 1000 * 1000 * 1000ull;
	net.dev->ops->give_up(net.dev);
	/*
	 * After the reset, from the device's own index: frames it completed
	 * that the worker has not taken yet stay before the forged entry.
	 * (From last_used, an index behind the device's made the worker read
	 * stale slots: a CI run saw "wrote 0 bytes" instead of this test's.)
	 */
	idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	slot = idx & (vq->size - 1);
	vq->used->ring[slot].id = vq->avail->ring[slot] + id_offset;
	vq->used->ring[slot].len = len;
	__atomic_store_n(&vq->used->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	if (in_handler) {
		uint64_t flags = spin_irq_save(); /* as an interrupt would find it */

		queue_interrupt(NULL);
		spin_irq_restore(flags);
	} else {
		__atomic_store_n(&net.work, true, __ATOMIC_RELEASE);
		thread_wake(net.worker);
	}
	while (!failed() && clock_ns() < deadline)
		thread_sleep_ns(1000 * 1000);
	*by_handler = __atomic_load_n(&net.irq_broke, __ATOMIC_ACQUIRE);
	return failed();
}
