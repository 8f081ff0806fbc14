/*
 * test=net-netdev: the driver interface (carapace/netdev.h) with a fake
 * device whose transmit records what lwIP sends. Registering it starts
 * DHCP: its DISCOVER must leave through transmit, well formed and with the
 * device's MAC, and lwIP's DHCP timer must send it again about 2 s later
 * (no server answers). With the boot option ip=, the device takes that
 * address instead, and an ARP request for it must get lwIP's reply. Frames
 * handed to netdev_receive are counted by path: a runt is dropped for its
 * length, a bad IPv4 header by the classifier, an ARP request is queued
 * for lwIP. Bad devices are refused. 0
 * when all of it held, 1 when not.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/netdev.h>
#include <carapace/sem.h>
#include <carapace/spinlock.h>
#include <carapace/thread.h>

#include "net_impl.h"

#define MS                    1000000ull
#define ETHERTYPE_IPV4        0x0800
#define ETHERTYPE_ARP         0x0806
#define IPPROTO_UDP           17
#define BOOTP_CLIENT_PORT     68
#define BOOTP_SERVER_PORT     67
#define BOOTP_CHADDR          28  /* offsets in the BOOTP message */
#define BOOTP_COOKIE          236
#define BOOTP_OPTIONS         240
#define DHCP_MAGIC_COOKIE     0x63825363u
#define DHCP_OPT_MESSAGE_TYPE 53
#define DHCP_OPT_END          255
#define DHCP_DISCOVER         1

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The DHCP message type of an Ethernet frame from mac to port 67, or 0
 * when it is not one. Every length is checked against the frame's.
 */
static int dhcp_message_type(const uint8_t *f, size_t len, const uint8_t *mac)
{
	size_t ihl, bootp, i;

	if (len < 14 + 20 || be16(f + 12) != ETHERTYPE_IPV4 || memcmp(f + 6, mac, 6) != 0)
		return 0;
	ihl = (size_t)(f[14] & 0xf) * 4;
	if (ihl < 20 || f[23] != IPPROTO_UDP || len < 14 + ihl + 8)
		return 0;
	if (be16(f + 14 + ihl) != BOOTP_CLIENT_PORT || be16(f + 14 + ihl + 2) != BOOTP_SERVER_PORT)
		return 0;
	bootp = 14 + ihl + 8;
	if (len < bootp + BOOTP_OPTIONS || f[bootp] != 1 /* BOOTREQUEST */ ||
	    memcmp(f + bootp + BOOTP_CHADDR, mac, 6) != 0 ||
	    be32(f + bootp + BOOTP_COOKIE) != DHCP_MAGIC_COOKIE)
		return 0;
	for (i = bootp + BOOTP_OPTIONS; i < len && f[i] != DHCP_OPT_END;) {
		if (f[i] == 0) { /* pad */
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + f[i + 1] > len)
			return 0;
		if (f[i] == DHCP_OPT_MESSAGE_TYPE && f[i + 1] == 1)
			return f[i + 2];
		i += 2 + (size_t)f[i + 1];
	}
	return 0;
}

/* Whether f is an ARP reply from mac saying it has ip (network order bytes). */
static bool is_arp_reply(const uint8_t *f, size_t len, const uint8_t *mac, const uint8_t *ip)
{
	return len >= 42 && be16(f + 12) == ETHERTYPE_ARP && be16(f + 20) == 2 /* reply */ &&
	       memcmp(f + 22, mac, 6) == 0 && memcmp(f + 28, ip, 4) == 0;
}

struct fake_dev {
	struct netdev dev;
	struct spinlock lock;
	unsigned frames, discovers;
	uint64_t discover_ns[2];
	struct sem second_discover;
	uint8_t ip[4];             /* the static address, when ip= gave one */
	struct sem arp_reply;
};

static int fake_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct fake_dev *fake = dev->priv;
	uint64_t flags = spin_lock_irqsave(&fake->lock);
	bool second = false;

	fake->frames++;
	if (dhcp_message_type(frame, len, dev->mac) == DHCP_DISCOVER) {
		if (fake->discovers < 2)
			fake->discover_ns[fake->discovers] = clock_ns();
		second = ++fake->discovers == 2;
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	if (second)
		sem_up(&fake->second_discover);
	if (is_arp_reply(frame, len, dev->mac, fake->ip))
		sem_up(&fake->arp_reply);
	return 0;
}

/* A broadcast ARP request for 192.0.2.1 (TEST-NET-1) from 02:00:00:00:00:02. */
static uint8_t arp_request[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x06,
	0, 1, 0x08, 0, 6, 4, 0, 1,            /* Ethernet, IPv4, request */
	0x02, 0, 0, 0, 0, 0x02, 192, 0, 2, 2, /* sender */
	0, 0, 0, 0, 0, 0, 192, 0, 2, 1,       /* target */
};

/* An IPv4 header with IHL 3 (12 bytes, under the minimum 20): the classifier drops it. */
static const uint8_t bad_ihl[34] = {
	0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,
	0x43, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1,
};

/* Devices netdev_register must refuse, each for one reason. */
static bool bad_devices_refused(void)
{
	static struct netdev bad[4];
	static const uint8_t good_mac[6] = { 0x02, 0, 0, 0, 0, 0x10 };
	static const char *const why[4] = { "no transmit", "multicast MAC", "zero MAC",
					    "MTU too small" };
	bool ok = true;

	for (int i = 0; i < 4; i++) {
		memcpy(bad[i].mac, good_mac, 6);
		bad[i].mtu = 1500;
		bad[i].transmit = fake_transmit;
	}
	bad[0].transmit = NULL;
	bad[1].mac[0] = 0x01;
	memset(bad[2].mac, 0, 6);
	bad[3].mtu = NETDEV_MTU_MIN - 1;
	for (int i = 0; i < 4; i++) {
		int rc = netdev_register(&bad[i]);

		if (rc != -EINVAL) {
			kprintf("net-netdev: a device with %s: %d, not -EINVAL FAILED\n", why[i], rc);
			ok = false;
		}
	}
	kprintf("net-netdev: devices with no transmit, a multicast or zero MAC, a small MTU: %s\n",
		ok ? "refused" : "NOT all refused");
	return ok;
}

/* No ip=: DHCP's DISCOVER, and lwIP's timer sending it again. */
static bool dhcp_retries(struct fake_dev *fake, uint64_t t0)
{
	uint64_t gap;

	netdev_receive(&fake->dev, arp_request, sizeof(arp_request));
	if (sem_down_until(&fake->second_discover, t0 + 15000 * MS) != 0) {
		kprintf("net-netdev: %u DHCP DISCOVER sent in 15 s, not 2 FAILED\n",
			fake->discovers);
		return false;
	}
	gap = fake->discover_ns[1] - fake->discover_ns[0];
	/* lwIP's first DHCP retry comes 2 s after the first DISCOVER (dhcp.c). */
	if (gap < 1500 * MS || gap > 4000 * MS) {
		kprintf("net-netdev: DHCP DISCOVER sent again after %llu ms, not about 2000 FAILED\n",
			(unsigned long long)(gap / MS));
		return false;
	}
	kprintf("net-netdev: DHCP DISCOVER from 02:00:00:00:00:01, sent again by "
		"lwIP's DHCP timer after %llu ms\n", (unsigned long long)(gap / MS));
	return true;
}

/* ip=ADDR/PREFIX: an ARP request for ADDR gets lwIP's reply. */
static bool static_address_answers(struct fake_dev *fake, const ip4_addr_t *own)
{
	char text[IP4ADDR_STRLEN_MAX];

	memcpy(fake->ip, &own->addr, 4); /* network byte order already */
	memcpy(arp_request + 38, fake->ip, 4);
	ip4addr_ntoa_r(own, text, sizeof(text));
	netdev_receive(&fake->dev, arp_request, sizeof(arp_request));
	if (sem_down_until(&fake->arp_reply, clock_ns() + 10000 * MS) != 0) {
		kprintf("net-netdev: no ARP reply for %s (the ip= address) in 10 s FAILED\n", text);
		return false;
	}
	kprintf("net-netdev: %s (from ip=) answered ARP from 02:00:00:00:00:01\n", text);
	return true;
}

static int ktest_net_netdev(void)
{
	static struct fake_dev fake = {
		.dev = { .mac = { 0x02, 0, 0, 0, 0, 0x01 }, .mtu = 1500,
			 .transmit = fake_transmit, .priv = &fake },
		.lock = SPINLOCK_INIT,
	};
	static const uint8_t runt[10];
	struct netdev_stats st;
	uint64_t t0 = clock_ns();
	const ip4_addr_t *own;
	int rc;
	bool ok = bad_devices_refused();

	sem_init(&fake.second_discover, 0);
	sem_init(&fake.arp_reply, 0);
	rc = netdev_register(&fake.dev);
	if (rc != 0 || netdev_register(&fake.dev) != -EEXIST) {
		kprintf("net-netdev: register: %d, again: not -EEXIST FAILED\n", rc);
		return 1;
	}
	netdev_receive(&fake.dev, runt, sizeof(runt));
	netdev_receive(&fake.dev, bad_ihl, sizeof(bad_ihl));
	own = netif_ip4_addr(&fake.dev.iface->netif);
	if (!ip4_addr_isany(own))
		ok &= static_address_answers(&fake, own);
	else
		ok &= dhcp_retries(&fake, t0);
	netdev_get_stats(&fake.dev, &st);
	if (st.rx_frames != 3 || st.rx_bad_length != 1 || st.rx_classifier_drops != 1 ||
	    st.rx_to_stack != 1 || st.rx_no_memory + st.rx_queue_full + st.rx_not_attached != 0 ||
	    st.tx_frames < 2 || st.tx_errors != 0)
		ok = false;
	kprintf("net-netdev: received %llu: %llu too short, %llu dropped by the classifier, "
		"%llu to lwIP; sent %llu (%llu errors)%s\n",
		(unsigned long long)st.rx_frames, (unsigned long long)st.rx_bad_length,
		(unsigned long long)st.rx_classifier_drops,
		(unsigned long long)st.rx_to_stack, (unsigned long long)st.tx_frames,
		(unsigned long long)st.tx_errors, ok ? "" : " FAILED");
	kprintf("net-netdev: %s\n", ok ? "passed" : "FAILED");
	return ok ? 0 : 1;
}
KTEST("net-netdev", ktest_net_netdev);

/*
 * test=net-rx-reuse: the interrupt path's receive buffers (struct rx_buf,
 * netdev.c) go back to their pool zeroed, and a write into a pooled one
 * is reported as a use after free when a frame takes it. A fake device's
 * frames go through netdev_receive_irq: a bad IPv4 header (dropped by the
 * classifier: its buffer goes back at once, on top of its pool) and an
 * ARP request (queued for lwIP, whose free sends the buffer back); each
 * buffer must be back, all zero. Then one byte of the pooled ARP buffer
 * is written, as through a pointer kept after the free, and frames the
 * classifier drops are received until one takes that buffer (a random
 * one of the pool each time, rx_take): the kernel must stop with
 * violation=use-after-free (exit 138). 1 when it carries on or a check
 * fails.
 */
static bool rx_buf_zero(const struct rx_buf *b)
{
	if (b->written != 0)
		return false;
	for (size_t i = 0; i < b->size; i++) {
		if (b->data[i] != 0)
			return false;
	}
	return true;
}

/* The small pool's top buffer (the last one back), or NULL when it is empty. */
static struct rx_buf *rx_small_top(struct net_iface *iface)
{
	uint64_t flags = spin_lock_irqsave(&iface->rx_lock);
	unsigned n = iface->rx_small_count;
	struct rx_buf *b = n > 0 ? iface->rx_small[n - 1] : NULL;

	spin_unlock_irqrestore(&iface->rx_lock, flags);
	return b;
}

/* Whether the small pool holds want buffers (0: any), b on top, within 1 s. */
static bool rx_small_on_top(struct net_iface *iface, unsigned want, const struct rx_buf *b)
{
	uint64_t deadline = clock_ns() + 1000 * MS;

	for (;;) {
		uint64_t flags = spin_lock_irqsave(&iface->rx_lock);
		unsigned n = iface->rx_small_count;
		bool there = (want == 0 || n == want) && n > 0 && iface->rx_small[n - 1] == b;

		spin_unlock_irqrestore(&iface->rx_lock, flags);
		if (there)
			return true;
		if (clock_ns() > deadline)
			return false;
		thread_sleep_ns(MS);
	}
}

/*
 * The receive-pool tests' fake device, registered and its pools filled.
 * NULL (a FAILED line for test) if not.
 */
static struct fake_dev *rx_pool_device(const char *test)
{
	static struct fake_dev fake = {
		.dev = { .mac = { 0x02, 0, 0, 0, 0, 0x01 }, .mtu = 1500,
			 .transmit = fake_transmit, .priv = &fake },
		.lock = SPINLOCK_INIT,
	};
	struct net_iface *iface;

	sem_init(&fake.second_discover, 0);
	sem_init(&fake.arp_reply, 0);
	if (netdev_register(&fake.dev) != 0) {
		kprintf("%s: register FAILED\n", test);
		return NULL;
	}
	iface = fake.dev.iface;
	netdev_receive_thread(&fake.dev); /* fills the pools */
	if (iface->rx_small_count != NETDEV_RX_POOL || !netdev_receive_ready(&fake.dev)) {
		kprintf("%s: the pools were not filled FAILED\n", test);
		return NULL;
	}
	return &fake;
}

/*
 * Frames the classifier drops, received one by one (each takes a random
 * buffer of the small pool, which comes back at once), up to RX_DRAWS of
 * them: one of them takes a buffer marked bad, and the report stops the
 * kernel. Past that: each buffer missed RX_DRAWS times, 31/32 a time.
 */
#define RX_DRAWS 4096

static void rx_receive_drops(struct fake_dev *dev)
{
	for (unsigned i = 0; i < RX_DRAWS; i++)
		netdev_receive_irq(&dev->dev, bad_ihl, sizeof(bad_ihl));
}

static int ktest_net_rx_reuse(void)
{
	struct fake_dev *dev;
	struct net_iface *iface;
	struct rx_buf *b;
	uint64_t flags;

	if (!(dev = rx_pool_device("net-rx-reuse")))
		return 1;
	iface = dev->dev.iface;
	netdev_receive_irq(&dev->dev, bad_ihl, sizeof(bad_ihl));
	b = rx_small_top(iface); /* the dropped frame's, back on top */
	if (b == NULL || !rx_small_on_top(iface, NETDEV_RX_POOL, b) || !rx_buf_zero(b) ||
	    iface->stats.rx_classifier_drops != 1) {
		kprintf("net-rx-reuse: the dropped frame's buffer not back zeroed FAILED\n");
		return 1;
	}
	kprintf("net-rx-reuse: a dropped frame's buffer back in its pool, zeroed\n");
	netdev_receive_irq(&dev->dev, arp_request, sizeof(arp_request));
	/* Queued for the driver's thread: its pbuf is its rx_buf (pc first). */
	flags = spin_lock_irqsave(&iface->rx_lock);
	b = iface->rx_defer_count == 1 ? (struct rx_buf *)iface->rx_defer[0] : NULL;
	spin_unlock_irqrestore(&iface->rx_lock, flags);
	if (b == NULL) {
		kprintf("net-rx-reuse: the ARP request was not queued for lwIP FAILED\n");
		return 1;
	}
	/*
	 * To lwIP's input, and the pool filled again; whether lwIP freed the
	 * frame before or after the refill, its buffer ends on top.
	 */
	netdev_receive_thread(&dev->dev);
	if (!rx_small_on_top(iface, 0, b) || !rx_buf_zero(b) || iface->stats.rx_to_stack != 1) {
		kprintf("net-rx-reuse: the stack's frame's buffer not back zeroed FAILED\n");
		return 1;
	}
	kprintf("net-rx-reuse: a frame the stack freed back in its pool, zeroed\n");
	kprintf("net-rx-reuse: writing at %p\n", (void *)&b->data[17]);
	__atomic_store_n(&b->data[17], 0x5a, __ATOMIC_RELAXED);
	rx_receive_drops(dev);
	kprintf("net-rx-reuse: the write into a pooled buffer was not seen FAILED\n");
	return 1;
}
KTEST("net-rx-reuse", ktest_net_rx_reuse);

/*
 * test=net-rx-overflow: a write one byte past a receive buffer's data (its
 * canary, netdev.c rx_buf_new) is reported as a heap overflow when the
 * buffer comes back to its pool. The small pool's top buffer gets the
 * byte, as from code that wrote past a frame, then frames the classifier
 * drops (a bad IPv4 header) are received until one takes that buffer: it
 * goes back at once, and the kernel must stop with violation=heap-overflow
 * (exit 135). 1 when it carries on.
 */
static int ktest_net_rx_overflow(void)
{
	struct fake_dev *dev;
	struct rx_buf *top;

	if (!(dev = rx_pool_device("net-rx-overflow")))
		return 1;
	top = rx_small_top(dev->dev.iface);
	kprintf("net-rx-overflow: writing at %p, the end of a %u-byte buffer\n",
		(void *)&top->data[top->size], top->size);
	__atomic_store_n(&top->data[top->size], 0x5a ^ top->data[top->size], __ATOMIC_RELAXED);
	rx_receive_drops(dev);
	kprintf("net-rx-overflow: the write past a buffer was not seen FAILED\n");
	return 1;
}
KTEST("net-rx-overflow", ktest_net_rx_overflow);

/*
 * test=net-rx-random: a pool hands out a random one of its buffers, not
 * the last one back. RX_TRIALS frames the classifier drops, one by one:
 * each one's buffer comes back on top of the small pool, so a pool that
 * is a stack gives the next frame that same buffer every time (1
 * distinct buffer, RX_TRIALS - 1 repeats). A random choice among 32
 * repeats the last buffer about RX_TRIALS / 32 times and takes nearly
 * all 32. Passes when no more than a quarter of the frames took the
 * previous frame's buffer and at least half of the pool was used (either
 * fails by chance with a probability far below 2^-60). 1 when not.
 */
#define RX_TRIALS 256

static int ktest_net_rx_random(void)
{
	struct rx_buf *seen[NETDEV_RX_POOL], *last = NULL;
	unsigned nseen = 0, repeats = 0;
	struct fake_dev *dev;
	struct net_iface *iface;
	bool ok;

	if (!(dev = rx_pool_device("net-rx-random")))
		return 1;
	iface = dev->dev.iface;
	for (unsigned t = 0; t < RX_TRIALS; t++) {
		struct rx_buf *b;
		unsigned i;

		netdev_receive_irq(&dev->dev, bad_ihl, sizeof(bad_ihl));
		b = rx_small_top(iface); /* the one this frame took, back on top */
		if (b == NULL || iface->rx_small_count != NETDEV_RX_POOL) {
			kprintf("net-rx-random: the dropped frame's buffer not back FAILED\n");
			return 1;
		}
		repeats += b == last;
		last = b;
		for (i = 0; i < nseen && seen[i] != b; i++)
			;
		if (i == nseen && nseen < NETDEV_RX_POOL)
			seen[nseen++] = b;
	}
	ok = repeats <= RX_TRIALS / 4 && nseen >= NETDEV_RX_POOL / 2 &&
	     iface->stats.rx_classifier_drops == RX_TRIALS;
	kprintf("net-rx-random: %u frames took %u distinct buffers of %u; "
		"%u took the previous frame's%s\n",
		RX_TRIALS, nseen, NETDEV_RX_POOL, repeats, ok ? "" : " FAILED");
	kprintf("net-rx-random: %s\n", ok ? "passed" : "FAILED");
	return ok ? 0 : 1;
}
KTEST("net-rx-random", ktest_net_rx_random);
