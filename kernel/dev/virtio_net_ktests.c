/*
 * test=net-echo: the network driver's two directions, without a TCP/IP
 * stack, for tests/net/ (whose frames.py plays the other side over the
 * launcher's --net dgram).
 *
 * The guest announces itself with a "hello" frame (EtherType 0x88b5, the
 * IEEE's local experimental type, to the broadcast address) every 100 ms
 * until a frame arrives, since frames sent before the driver posted its
 * buffers are lost. It sends every frame it receives back to its sender
 * (destination := the frame's source, source := its own MAC, the rest
 * unchanged), and stops at a "quit" frame, printing what it counted. No
 * quit within NET_ECHO_TIMEOUT_NS is a failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/net.h>
#include <carapace/netdev.h>
#include <carapace/thread.h>
#include <carapace/virtio_net.h>

#define ECHO_ETHERTYPE      0x88b5
#define ECHO_HELLO          "carapace-net-echo hello"
#define ECHO_QUIT           "carapace-net-echo quit"
#define NET_ECHO_TIMEOUT_NS (60 * 1000 * 1000 * 1000ull)
#define HELLO_EVERY_NS      (100 * 1000 * 1000ull)
#define FRAMES_SHOWN        16 /* lines of "net-echo: frame ..." at most */
#define SEND_TRIES          1000
#define SEND_RETRY_NS       (100 * 1000ull)

struct echo_state {
	struct thread *waiter;
	uint64_t frames, bytes, echoed, short_frames, send_errors;
	bool quit;
};

static uint16_t ethertype(const uint8_t *f)
{
	return (uint16_t)(f[12] << 8 | f[13]);
}

static bool is_quit(const uint8_t *f, size_t len)
{
	return len >= NETDEV_ETH_HLEN + sizeof(ECHO_QUIT) - 1 && ethertype(f) == ECHO_ETHERTYPE &&
	       memcmp(f + NETDEV_ETH_HLEN, ECHO_QUIT, sizeof(ECHO_QUIT) - 1) == 0;
}

/*
 * Sends a frame, waiting while the transmit ring is full (the device frees
 * it as it sends): an echo test must not lose frames to its own speed.
 */
static int send(struct netdev *dev, const void *frame, size_t len)
{
	int rc;

	for (int tries = 0; (rc = dev->transmit(dev, frame, len)) == -ENOBUFS &&
			    tries < SEND_TRIES; tries++)
		thread_sleep_ns(SEND_RETRY_NS);
	return rc;
}

/* In the driver's thread: count, show, send back. */
static void echo_frame(struct netdev *dev, const void *frame, size_t len, void *arg)
{
	struct echo_state *st = arg;
	uint8_t copy[VIRTIO_NET_RX_BUF_SIZE - VIRTIO_NET_HDR_SIZE];
	const uint8_t *f = frame;

	st->frames++;
	st->bytes += len;
	if (st->frames <= FRAMES_SHOWN)
		kprintf("net-echo: frame %llu, %zu bytes, type 0x%04x\n",
			(unsigned long long)st->frames, len,
			len >= NETDEV_ETH_HLEN ? ethertype(f) : 0);
	if (len < NETDEV_ETH_HLEN || len > sizeof(copy)) {
		st->short_frames++;
		return;
	}
	if (is_quit(f, len)) {
		__atomic_store_n(&st->quit, true, __ATOMIC_RELEASE);
		thread_wake(st->waiter);
		return;
	}
	memcpy(copy, f, len);
	memcpy(copy, f + 6, 6);       /* back to where it came from */
	memcpy(copy + 6, dev->mac, 6);
	if (send(dev, copy, len) == 0)
		st->echoed++;
	else
		st->send_errors++;
}

static void send_hello(struct netdev *dev)
{
	uint8_t f[NETDEV_ETH_HLEN + sizeof(ECHO_HELLO) - 1];

	memset(f, 0xff, 6);
	memcpy(f + 6, dev->mac, 6);
	f[12] = ECHO_ETHERTYPE >> 8;
	f[13] = ECHO_ETHERTYPE & 0xff;
	memcpy(f + NETDEV_ETH_HLEN, ECHO_HELLO, sizeof(ECHO_HELLO) - 1);
	dev->transmit(dev, f, sizeof(f));
}

static int ktest_net_echo(void)
{
	static struct echo_state st;
	struct virtio_net_stats stats;
	struct netdev *dev = virtio_net_device();
	uint64_t deadline = clock_ns() + NET_ECHO_TIMEOUT_NS;
	bool quit;

	if (dev == NULL) {
		kprintf("net-echo: no network device (the launcher's --net)\n");
		return 1;
	}
	kprintf("net-echo: MAC %02x:%02x:%02x:%02x:%02x:%02x\n", dev->mac[0], dev->mac[1],
		dev->mac[2], dev->mac[3], dev->mac[4], dev->mac[5]);
	st.waiter = thread_current();
	virtio_net_set_tap(echo_frame, &st);
	while (!(quit = __atomic_load_n(&st.quit, __ATOMIC_ACQUIRE)) && clock_ns() < deadline) {
		if (__atomic_load_n(&st.frames, __ATOMIC_RELAXED) == 0)
			send_hello(dev);
		sched_prepare_wait();
		if (!__atomic_load_n(&st.quit, __ATOMIC_ACQUIRE))
			sched_wait(clock_ns() + HELLO_EVERY_NS);
		sched_finish_wait();
	}
	virtio_net_set_tap(NULL, NULL);
	kprintf("net-echo: received %llu frames (%llu bytes), echoed %llu, too short %llu, "
		"send errors %llu\n", (unsigned long long)st.frames, (unsigned long long)st.bytes,
		(unsigned long long)st.echoed, (unsigned long long)st.short_frames,
		(unsigned long long)st.send_errors);
	virtio_net_get_stats(&stats);
	kprintf("net-echo: driver %s, %llu interrupts, %llu frames in, %llu out, %llu dropped\n",
		stats.polled ? "polled" : "interrupt-driven", (unsigned long long)stats.interrupts,
		(unsigned long long)stats.rx_frames, (unsigned long long)stats.tx_frames,
		(unsigned long long)stats.tx_dropped);
	if (!quit) {
		kprintf("net-echo: no quit frame within 60 s\n");
		return 1;
	}
	return 0;
}
KTEST("net-echo", ktest_net_echo);

/*
 * test=net-serve: the TCP/IP stack answers on the device (ARP, ICMP echo,
 * and TCP and UDP echo on port NET_SERVE_ECHO_PORT) until a "quit" frame,
 * which only this test sees; then the stack's counters for the device
 * (the classifier's come at exit with "verbose"). For tests/net/.
 */
#define NET_SERVE_ECHO_PORT 7

static void serve_frame(struct netdev *dev, const void *frame, size_t len, void *arg)
{
	struct echo_state *st = arg;

	st->frames++;
	if (len >= NETDEV_ETH_HLEN && is_quit(frame, len)) {
		__atomic_store_n(&st->quit, true, __ATOMIC_RELEASE);
		thread_wake(st->waiter);
		return;
	}
	netdev_receive(dev, frame, len);
}

static int ktest_net_serve(void)
{
	static struct echo_state st;
	struct netdev *dev = virtio_net_device();
	uint64_t deadline = clock_ns() + NET_ECHO_TIMEOUT_NS;
	struct netdev_stats ns;
	bool quit;

	if (dev == NULL) {
		kprintf("net-serve: no network device (the launcher's --net)\n");
		return 1;
	}
	if (net_serve_echo_start(NET_SERVE_ECHO_PORT)) {
		kprintf("net-serve: cannot start the echo services on port %d\n",
			NET_SERVE_ECHO_PORT);
		return 1;
	}
	st.waiter = thread_current();
	virtio_net_set_tap(serve_frame, &st);
	kprintf("net-serve: echo on TCP and UDP port %d\n", NET_SERVE_ECHO_PORT);
	kprintf("net-serve: MAC %02x:%02x:%02x:%02x:%02x:%02x, serving\n", dev->mac[0],
		dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4], dev->mac[5]);
	sched_prepare_wait();
	while (!(quit = __atomic_load_n(&st.quit, __ATOMIC_ACQUIRE)) && clock_ns() < deadline) {
		sched_wait(deadline);
		sched_prepare_wait();
	}
	sched_finish_wait();
	virtio_net_set_tap(NULL, NULL);
	netdev_get_stats(dev, &ns);
	kprintf("net-serve: %llu frames in, to lwIP %llu, dropped by the classifier %llu, "
		"bad length %llu; %llu frames out, %llu send errors\n",
		(unsigned long long)ns.rx_frames, (unsigned long long)ns.rx_to_stack,
		(unsigned long long)ns.rx_classifier_drops, (unsigned long long)ns.rx_bad_length,
		(unsigned long long)ns.tx_frames, (unsigned long long)ns.tx_errors);
	/* The rest of the frames in, so that a test can account for every one
	 * (scripts/fuzz-net): a socket's net channel took them, or netdev
	 * dropped them itself. */
	kprintf("net-serve: to a net channel %llu, input queue full %llu, no memory %llu, "
		"before the stack attached %llu\n",
		(unsigned long long)ns.rx_to_channel, (unsigned long long)ns.rx_queue_full,
		(unsigned long long)ns.rx_no_memory, (unsigned long long)ns.rx_not_attached);
	if (!quit) {
		kprintf("net-serve: no quit frame within 60 s\n");
		return 1;
	}
	return 0;
}
KTEST("net-serve", ktest_net_serve);

/*
 * test=net-lie-short, net-lie-long, net-lie-id: a device that says it wrote
 * less than the header, more than the buffer, or into a buffer it was never
 * given. The driver must print one line, stop using the device (transmit
 * then fails with -EIO) and go on without a fault.
 */
static int net_lie(const char *name, uint32_t id_offset, uint32_t len, bool in_handler)
{
	static const uint8_t frame[NETDEV_ETH_HLEN + 46] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct netdev *dev = virtio_net_device();
	bool refused, by_handler;
	int rc;

	if (dev == NULL) {
		kprintf("%s: no network device (the launcher's --net)\n", name);
		return 1;
	}
	refused = virtio_net_test_forge_used(id_offset, len, in_handler, &by_handler);
	rc = dev->transmit(dev, frame, sizeof(frame));
	kprintf("%s: device %s, transmit then %d, device %s%s\n", name,
		refused ? "refused" : "NOT refused", rc,
		virtio_net_device() ? "STILL LISTED" : "gone",
		!in_handler ? "" : by_handler ? ", seen by the interrupt handler" :
		", NOT seen by the interrupt handler");
	return refused && rc == -EIO && virtio_net_device() == NULL && by_handler == in_handler ?
		       0 : 1;
}

static int ktest_net_lie_short(void)
{
	return net_lie("net-lie-short", 0, VIRTIO_NET_HDR_SIZE - 7, false);
}

static int ktest_net_lie_long(void)
{
	return net_lie("net-lie-long", 0, VIRTIO_NET_RX_BUF_SIZE + 1, false);
}

static int ktest_net_lie_id(void)
{
	return net_lie("net-lie-id", 1000, 64, false); /* past the queue: a buffer never given */
}

/* The same lies, found by the interrupt handler (it takes frames itself). */
static int ktest_net_lie_irq_short(void)
{
	return net_lie("net-lie-irq-short", 0, VIRTIO_NET_HDR_SIZE - 7, true);
}

static int ktest_net_lie_irq_long(void)
{
	return net_lie("net-lie-irq-long", 0, VIRTIO_NET_RX_BUF_SIZE + 1, true);
}

static int ktest_net_lie_irq_id(void)
{
	return net_lie("net-lie-irq-id", 1000, 64, true);
}
/*
 * test=net-notify: transmit tells the device of its frames in batches
 * (netdev_defer_notify), and a thread that blocks leaves none untold
 * (the scheduler's block hook runs netdev_flush). 40 frames sent in a
 * row must cost at most NOTIFY_MOST notifies (one per 16, plus what other
 * threads' flushes add: lwIP's thread is sending too); the frames left
 * untold when the sending stops are told by the time a 1 ms sleep ends
 * (a notify came after them, or another thread's flush had already told
 * them), and the device hands every buffer back. Other threads send at
 * any time, so counts of untold or in-flight frames at one instant would
 * include theirs: the checks are on what follows the test's own frames.
 */
#define NOTIFY_FRAMES  40
#define NOTIFY_MOST    10
#define NOTIFY_WAIT_NS (2000 * 1000 * 1000ull)

static int ktest_net_notify(void)
{
	uint8_t frame[NETDEV_ETH_HLEN + 46] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct netdev *dev = virtio_net_device();
	struct virtio_net_stats before, sent, slept;
	uint64_t deadline = clock_ns() + NOTIFY_WAIT_NS;
	int failed_sends = 0;
	bool told, drained;

	if (dev == NULL) {
		kprintf("net-notify: no network device (the launcher's --net)\n");
		return 1;
	}
	memcpy(frame + 6, dev->mac, 6);
	frame[12] = ECHO_ETHERTYPE >> 8;
	frame[13] = ECHO_ETHERTYPE & 0xff;
	virtio_net_get_stats(&before);
	for (int i = 0; i < NOTIFY_FRAMES; i++)
		failed_sends += dev->transmit(dev, frame, sizeof(frame)) != 0;
	virtio_net_get_stats(&sent);
	thread_sleep_ns(1000 * 1000);
	virtio_net_get_stats(&slept);
	told = sent.tx_unnotified == 0 || slept.tx_notifies > sent.tx_notifies;
	while (!(drained = dev->tx_in_flight(dev) == 0) && clock_ns() < deadline)
		thread_sleep_ns(1000 * 1000);
	kprintf("net-notify: %d frames, %d refused, %llu notifies while sending, told after a "
		"sleep: %s, all handed back: %s\n", NOTIFY_FRAMES, failed_sends,
		(unsigned long long)(sent.tx_notifies - before.tx_notifies), told ? "yes" : "NO",
		drained ? "yes" : "NO");
	return failed_sends == 0 && sent.tx_notifies - before.tx_notifies <= NOTIFY_MOST && told &&
	       drained ? 0 : 1;
}
KTEST("net-notify", ktest_net_notify);

KTEST("net-lie-short", ktest_net_lie_short);
KTEST("net-lie-long", ktest_net_lie_long);
KTEST("net-lie-id", ktest_net_lie_id);
KTEST("net-lie-irq-short", ktest_net_lie_irq_short);
KTEST("net-lie-irq-long", ktest_net_lie_irq_long);
KTEST("net-lie-irq-id", ktest_net_lie_irq_id);
