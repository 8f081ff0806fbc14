/*
 * netdev: network devices as lwIP interfaces (carapace/netdev.h,
 * README.md "The lwIP port"). A device becomes an lwIP netif with
 * Ethernet, ARP and IPv6 neighbour discovery; its frames go in through
 * netdev_receive (classifier first, then lwIP's input queue) and out
 * through the driver's transmit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/aslr.h>
#include <carapace/classifier.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/memory.h>
#include <carapace/net.h>
#include <carapace/netdev.h>
#include <carapace/power.h>
#include <carapace/random.h>
#include <carapace/report.h>
#include <carapace/sched.h>
#include <carapace/spinlock.h>
#include <carapace/splitmix64.h>
#include <carapace/thread.h>

#include <lwip/dhcp.h>
#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include "net_impl.h"

#define STAT_ADD(iface, field) \
	__atomic_fetch_add(&(iface)->stats.field, 1, __ATOMIC_RELAXED)

/* The devices, in order of registration; the stack takes them once it is up. */
static struct spinlock ifaces_lock = SPINLOCK_INIT;
static struct net_iface *ifaces[NETDEV_MAX];
static unsigned nifaces;
static bool stack_up;
static struct net_static_config static_config;

uint8_t *netdev_tx_room(struct netif *netif, size_t *room, bool *csum_offload)
{
	struct net_iface *iface = netif->state;

	*room = (size_t)iface->dev->mtu + NETDEV_ETH_HLEN;
	*csum_offload = iface->dev->tx_csum_offload;
	return iface->tx_frame;
}

int netdev_output_locked(struct netif *netif, const void *frame, size_t len)
{
	struct net_iface *iface = netif->state;
	struct netdev *dev = iface->dev;

	if (len > (size_t)dev->mtu + NETDEV_ETH_HLEN || dev->transmit(dev, frame, len) != 0) {
		STAT_ADD(iface, tx_errors);
		return -EIO;
	}
	STAT_ADD(iface, tx_frames);
	return 0;
}

/* lwIP sends a frame: flat already, or copied flat, then to the driver. */
static err_t iface_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct net_iface *iface = netif->state;
	const void *frame = p->payload;

	/* linkoutput runs under the core lock: one user of tx_frame at a time. */
	if (p->next != NULL && p->tot_len <= (size_t)iface->dev->mtu + NETDEV_ETH_HLEN) {
		pbuf_copy_partial(p, iface->tx_frame, p->tot_len, 0);
		frame = iface->tx_frame;
	}
	return netdev_output_locked(netif, frame, p->tot_len) ? ERR_IF : ERR_OK;
}

static err_t iface_netif_init(struct netif *netif)
{
	struct net_iface *iface = netif->state;
	u16_t checksums;

	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->hwaddr_len = NETDEV_MAC_LEN;
	memcpy(netif->hwaddr, iface->dev->mac, NETDEV_MAC_LEN);
	netif->mtu = iface->dev->mtu;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		       NETIF_FLAG_MLD6;
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = iface_linkoutput;
	/*
	 * Every frame this interface takes in was classified first
	 * (netdev_receive, netdev_receive_irq, a channel's reader), and the
	 * classifier dropped any whose IPv4 header checksum was wrong
	 * (frame_check.c): lwIP does not sum the header a second time. The
	 * device sums TCP and UDP (netdev.h): lwIP still checks what comes in.
	 */
	checksums = NETIF_CHECKSUM_ENABLE_ALL & ~NETIF_CHECKSUM_CHECK_IP;
	if (iface->dev->tx_csum_offload)
		checksums &= ~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP);
	NETIF_SET_CHECKSUM_CTRL(netif, checksums);
	netif_set_hostname(netif, "carapace");
	return ERR_OK;
}

/* The boot log's line for an address the interface takes (verbose). */
static void iface_status_changed(struct netif *netif)
{
	char ip[IP4ADDR_STRLEN_MAX], mask[IP4ADDR_STRLEN_MAX], gw[IP4ADDR_STRLEN_MAX];
	struct net_iface *iface = netif->state;

	/* lwIP calls this on every change of state: one line per new address. */
	if (ip4_addr_isany_val(*netif_ip4_addr(netif)) ||
	    ip4_addr_get_u32(netif_ip4_addr(netif)) == iface->logged_ip)
		return;
	iface->logged_ip = ip4_addr_get_u32(netif_ip4_addr(netif));
	ip4addr_ntoa_r(netif_ip4_addr(netif), ip, sizeof(ip));
	ip4addr_ntoa_r(netif_ip4_netmask(netif), mask, sizeof(mask));
	ip4addr_ntoa_r(netif_ip4_gw(netif), gw, sizeof(gw));
	klog("net: %c%c%u %s netmask %s gateway %s (%s)\n", netif->name[0], netif->name[1],
	     netif->num, ip, mask, gw,
	     iface->index == 0 && static_config.set ? "ip= option" : "DHCP");
}

static void set_ip4(ip4_addr_t *a, uint32_t host_order)
{
	ip4_addr_set_u32(a, lwip_htonl(host_order));
}

/* Adds iface to lwIP, up, with its addresses or DHCP started. */
static void iface_attach(struct net_iface *iface)
{
	bool use_static = iface->index == 0 && static_config.set;
	ip4_addr_t ip, mask, gw;

	ip4_addr_set_zero(&ip);
	ip4_addr_set_zero(&mask);
	ip4_addr_set_zero(&gw);
	if (use_static) {
		set_ip4(&ip, static_config.ip);
		set_ip4(&mask, static_config.prefix == 0 ? 0 :
			       UINT32_MAX << (32 - static_config.prefix));
		set_ip4(&gw, static_config.gw);
	}
	LOCK_TCPIP_CORE();
	if (netif_add(&iface->netif, &ip, &mask, &gw, iface, iface_netif_init,
		      tcpip_input) == NULL) {
		UNLOCK_TCPIP_CORE();
		kprintf("carapace: net: lwIP refused network device %u\n", iface->index);
		return;
	}
	netif_set_status_callback(&iface->netif, iface_status_changed);
	netif_create_ip6_linklocal_address(&iface->netif, 1);
	netif_set_ip6_autoconfig_enabled(&iface->netif, 1);
	if (iface->index == 0)
		netif_set_default(&iface->netif);
	netif_set_up(&iface->netif);
	netif_set_link_up(&iface->netif);
	if (!use_static && dhcp_start(&iface->netif) != ERR_OK)
		kprintf("carapace: net: cannot start DHCP on network device %u\n", iface->index);
	UNLOCK_TCPIP_CORE();
	__atomic_store_n(&iface->attached, true, __ATOMIC_RELEASE);
}

static int check_netdev(const struct netdev *dev)
{
	static const uint8_t zero[NETDEV_MAC_LEN];

	if (dev->transmit == NULL || (dev->mac[0] & 1) ||
	    memcmp(dev->mac, zero, NETDEV_MAC_LEN) == 0 ||
	    dev->mtu < NETDEV_MTU_MIN || dev->mtu > NETDEV_MTU_MAX)
		return -EINVAL;
	return 0;
}

/* Whether some device has frames it was not told about (netdev_defer_notify). */
static bool notify_deferred;

void netdev_defer_notify(void)
{
	__atomic_store_n(&notify_deferred, true, __ATOMIC_RELEASE);
}

void netdev_flush(void)
{
	unsigned n;

	if (!__atomic_load_n(&notify_deferred, __ATOMIC_ACQUIRE) ||
	    !__atomic_exchange_n(&notify_deferred, false, __ATOMIC_ACQ_REL))
		return;
	/* ifaces only grows, and each entry is set before nifaces counts it. */
	n = __atomic_load_n(&nifaces, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++) {
		struct netdev *dev = ifaces[i]->dev;

		if (dev->flush)
			dev->flush(dev);
	}
}

/* The receive buffers' canary secret (rx_canary, below). */
static uint64_t rx_canary_secret;

int netdev_register(struct netdev *dev)
{
	struct net_iface *iface;
	uint64_t flags;
	bool attach_now;
	int rc = check_netdev(dev);

	if (rc)
		return rc;
	if (rx_canary_secret == 0) /* drivers register one at a time, at boot */
		rx_canary_secret = random_u64() | 1;
	iface = kcalloc(1, sizeof(*iface));
	if (iface == NULL)
		return -ENOMEM;
	iface->tx_frame = kmalloc((size_t)dev->mtu + NETDEV_ETH_HLEN);
	if (iface->tx_frame == NULL) {
		kfree(iface);
		return -ENOMEM;
	}
	iface->dev = dev;
	aslr_stream_init(&iface->rx_layout);
	aslr_stream_bytes(&iface->rx_layout, iface->rx_rng, sizeof(iface->rx_rng));
	flags = spin_lock_irqsave(&ifaces_lock);
	if (dev->iface != NULL)
		rc = -EEXIST;
	else if (nifaces == NETDEV_MAX)
		rc = -ENOSPC;
	if (rc == 0) {
		iface->index = nifaces;
		ifaces[nifaces] = iface;
		/* netdev_flush reads nifaces without the lock. */
		__atomic_store_n(&nifaces, nifaces + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&dev->iface, iface, __ATOMIC_RELEASE);
	}
	attach_now = stack_up;
	spin_unlock_irqrestore(&ifaces_lock, flags);
	if (rc) {
		kfree(iface->tx_frame);
		kfree(iface);
		return rc;
	}
	if (attach_now)
		iface_attach(iface);
	else if (net_booted())
		net_start(); /* attaches every device registered so far */
	return 0;
}

struct net_iface *netdev_iface(unsigned index)
{
	uint64_t flags = spin_lock_irqsave(&ifaces_lock);
	struct net_iface *iface = index < nifaces ? ifaces[index] : NULL;

	spin_unlock_irqrestore(&ifaces_lock, flags);
	return iface;
}

unsigned netdev_count(void)
{
	uint64_t flags = spin_lock_irqsave(&ifaces_lock);
	unsigned n = nifaces;

	spin_unlock_irqrestore(&ifaces_lock, flags);
	return n;
}

void netdev_start(const struct net_static_config *config)
{
	uint64_t flags;
	unsigned n;

	static_config = *config;
	flags = spin_lock_irqsave(&ifaces_lock);
	stack_up = true;
	n = nifaces;
	spin_unlock_irqrestore(&ifaces_lock, flags);
	for (unsigned i = 0; i < n; i++)
		iface_attach(ifaces[i]);
}

void netdev_receive(struct netdev *dev, const void *frame, size_t len)
{
	struct net_iface *iface = __atomic_load_n(&dev->iface, __ATOMIC_ACQUIRE);
	struct pbuf *p;

	if (iface == NULL)
		return; /* not registered: nothing to count it in */
	STAT_ADD(iface, rx_frames);
	if (!__atomic_load_n(&iface->attached, __ATOMIC_ACQUIRE)) {
		STAT_ADD(iface, rx_not_attached);
		return;
	}
	if (len < NETDEV_ETH_HLEN || len > (size_t)dev->mtu + NETDEV_ETH_HLEN) {
		STAT_ADD(iface, rx_bad_length);
		return;
	}
	/* One flat copy, the driver's buffer free again; whoever takes it frees it. */
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
	if (p == NULL) {
		STAT_ADD(iface, rx_no_memory);
		return;
	}
	memcpy(p->payload, frame, len);
	/* A net channel's reader gives the frame to this interface's input. */
	p->if_idx = netif_get_index(&iface->netif);
	switch (net_input(dev, p)) {
	case NET_PATH_DROP:
		STAT_ADD(iface, rx_classifier_drops);
		return;
	case NET_PATH_CHANNEL:
		STAT_ADD(iface, rx_to_channel);
		return;
	case NET_PATH_STACK:
		break;
	}
	if (iface->netif.input(p, &iface->netif) != ERR_OK) {
		pbuf_free(p);
		STAT_ADD(iface, rx_queue_full);
		return;
	}
	STAT_ADD(iface, rx_to_stack);
}

/* The stack's side of a device it has attached, else NULL. */
static struct net_iface *rx_iface(struct netdev *dev)
{
	struct net_iface *iface = __atomic_load_n(&dev->iface, __ATOMIC_ACQUIRE);

	return iface && __atomic_load_n(&iface->attached, __ATOMIC_ACQUIRE) ? iface : NULL;
}

bool netdev_receive_ready(struct netdev *dev)
{
	struct net_iface *iface = rx_iface(dev);

	/* And room to queue a frame for lwIP: a burst of frames for the stack
	 * (40 datagrams sent at once) stays in the device's ring for the
	 * worker once the queue is full, instead of being dropped here. */
	return iface && __atomic_load_n(&iface->rx_pool_count, __ATOMIC_ACQUIRE) > 0 &&
	       __atomic_load_n(&iface->rx_defer_count, __ATOMIC_ACQUIRE) < NETDEV_RX_POOL;
}

static void rx_buf_free(struct pbuf *p);

/*
 * The canary after each buffer's data, as the heap puts one after each
 * block (the heap's own, after the whole rx_buf, is checked only when the
 * buffer goes back to the heap, which a pooled one rarely does): a secret
 * drawn at the first registration, mixed with the buffer's address;
 * checked each time the buffer comes back (rx_buf_put).
 */
static uint64_t rx_canary(const struct rx_buf *b)
{
	return rx_canary_secret ^ ((uint64_t)(uintptr_t)b->data * 0xff51afd7ed558ccdull);
}

/* A zeroed buffer of size bytes (rounded up to 8), its canary after it, or NULL. */
static struct rx_buf *rx_buf_new(struct net_iface *iface, size_t size, bool small)
{
	size_t rounded = (size + 7) & ~(size_t)7;
	struct rx_buf *b = kcalloc(1, sizeof(*b) + rounded + sizeof(uint64_t));
	uint64_t canary;

	if (b == NULL)
		return NULL;
	b->pc.custom_free_function = rx_buf_free;
	b->iface = iface;
	b->size = (uint16_t)rounded;
	b->small = small;
	canary = rx_canary(b);
	__builtin_memcpy(&b->data[rounded], &canary, sizeof(canary));
	return b;
}

/*
 * Reports what was written where it should not have been in b, at addr,
 * as the heap reports it (never returns): a write past its data (its
 * canary: heap-overflow) or into it while pooled (use-after-free).
 */
static __attribute__((noinline, noreturn)) void rx_buf_report(const struct rx_buf *b,
							      enum violation kind,
							      const void *addr, const char *what)
{
	if (report_enter())
		report_abort("network receive buffer report");
	report_violation_line(kind, "addr=0x%llx block=0x%llx size=%u heap=net-rx thread=%s: "
			      "a received frame's buffer was %s",
			      (unsigned long long)(uintptr_t)addr,
			      (unsigned long long)(uintptr_t)b->data, b->size,
			      sched_current_name(), what);
	report_backtrace((uint64_t)rx_buf_report, (uint64_t)__builtin_frame_address(0));
	power_exit(violation_exit_status(kind));
}

/*
 * b back in its pool, zeroed where its frame wrote, while the pool holds
 * fewer than limit buffers; else back to the heap.
 */
static void rx_buf_put(struct rx_buf *b, unsigned limit)
{
	struct net_iface *iface = b->iface;
	struct rx_buf **pool = b->small ? iface->rx_small : iface->rx_pool;
	unsigned *count = b->small ? &iface->rx_small_count : &iface->rx_pool_count;
	bool kept = false;
	uint64_t flags, canary;

	__builtin_memcpy(&canary, &b->data[b->size], sizeof(canary));
	if (canary != rx_canary(b))
		rx_buf_report(b, VIOLATION_HEAP_OVERFLOW, &b->data[b->size],
			      "written past its end (its canary)");
	memset(b->data, 0, b->written);
	b->written = 0;
	flags = spin_lock_irqsave(&iface->rx_lock);
	if (*count < limit) {
		pool[(*count)++] = b;
		kept = true;
	}
	spin_unlock_irqrestore(&iface->rx_lock, flags);
	if (!kept)
		kfree(b);
}

/* The stack freed the pbuf (its last reference): any thread. */
static void rx_buf_free(struct pbuf *p)
{
	rx_buf_put((struct rx_buf *)p, NETDEV_RX_KEEP);
}

/* The frame copied into b, whose data is checked all zero first: b's pbuf. */
static struct pbuf *rx_buf_fill(struct rx_buf *b, const void *frame, size_t len)
{
	const uint64_t *w = (const uint64_t *)b->data;
	uint64_t any = 0;
	struct pbuf *p;

	for (size_t i = 0; i < b->size / 8; i++)
		any |= w[i];
	if (any != 0) {
		size_t at = 0;

		while (b->data[at] == 0)
			at++;
		rx_buf_report(b, VIOLATION_USE_AFTER_FREE, &b->data[at],
			      "written to after the stack freed it");
	}
	/* len <= b->size: the pool was chosen for it, so this cannot fail. */
	p = pbuf_alloced_custom(PBUF_RAW, (u16_t)len, PBUF_RAM, &b->pc, b->data, b->size);
	b->written = (uint16_t)len;
	memcpy(b->data, frame, len);
	return p;
}

/*
 * A random buffer out of a pool of count > 0, under rx_lock: the heap
 * hands a block out at a random place (hardening/), and a pool that
 * handed out the last buffer back would give the next frame the very
 * buffer the stack freed last, whose address a stale pointer holds. The
 * last one takes the chosen one's place.
 */
static struct rx_buf *rx_take(struct net_iface *iface, struct rx_buf **pool, unsigned *count)
{
	uint32_t i = splitmix64_below(iface->rx_rng, *count);
	struct rx_buf *b = pool[i];

	pool[i] = pool[--*count];
	iface->rx_rng_uses++;
	return b;
}

void netdev_receive_irq(struct netdev *dev, const void *frame, size_t len)
{
	struct net_iface *iface = rx_iface(dev);
	struct classify_result res;
	struct rx_buf *b = NULL;
	struct pbuf *p;
	uint64_t flags;

	if (iface == NULL)
		return; /* netdev_receive_ready said no: not called */
	STAT_ADD(iface, rx_frames);
	if (len < NETDEV_ETH_HLEN || len > (size_t)dev->mtu + NETDEV_ETH_HLEN) {
		STAT_ADD(iface, rx_bad_length);
		return;
	}
	flags = spin_lock_irqsave(&iface->rx_lock);
	if (len <= NETDEV_RX_SMALL && iface->rx_small_count > 0)
		b = rx_take(iface, iface->rx_small, &iface->rx_small_count);
	else if (iface->rx_pool_count > 0)
		b = rx_take(iface, iface->rx_pool, &iface->rx_pool_count);
	spin_unlock_irqrestore(&iface->rx_lock, flags);
	if (b == NULL) {
		STAT_ADD(iface, rx_no_memory);
		return;
	}
	p = rx_buf_fill(b, frame, len);
	p->if_idx = netif_get_index(&iface->netif);
	switch (classify(p->payload, p->len, p, &res)) {
	case CLASSIFY_CHANNEL:
		STAT_ADD(iface, rx_to_channel);
		return;
	case CLASSIFY_DROP:
		STAT_ADD(iface, rx_classifier_drops);
		break; /* the buffer goes back to its pool */
	case CLASSIFY_STACK:
		flags = spin_lock_irqsave(&iface->rx_lock);
		if (iface->rx_defer_count < NETDEV_RX_POOL) {
			iface->rx_defer[iface->rx_defer_count++] = p;
			p = NULL;
		}
		spin_unlock_irqrestore(&iface->rx_lock, flags);
		if (p == NULL)
			return;
		STAT_ADD(iface, rx_queue_full);
		break;
	}
	/*
	 * Back where it came from. There is room: the pools are kept to
	 * NETDEV_RX_KEEP, their arrays NETDEV_RX_POOL more, and only a
	 * buffer taken out (at most one per CPU) goes over.
	 */
	rx_buf_put(b, NETDEV_RX_ROOM);
}

bool netdev_receive_pending(struct netdev *dev)
{
	struct net_iface *iface = rx_iface(dev);

	return iface && (__atomic_load_n(&iface->rx_defer_count, __ATOMIC_ACQUIRE) > 0 ||
			 __atomic_load_n(&iface->rx_pool_count, __ATOMIC_ACQUIRE) <
				 NETDEV_RX_POOL / 2 ||
			 __atomic_load_n(&iface->rx_small_count, __ATOMIC_ACQUIRE) <
				 NETDEV_RX_POOL / 2);
}

/*
 * The pools' stream mixed with fresh bytes of its layout stream every
 * RX_RESEED takes, as the heap reseeds its own (thread context: the
 * layout stream may call random_bytes).
 */
#define RX_RESEED 65536

static void rx_reseed(struct net_iface *iface)
{
	uint64_t fresh[2], flags = spin_lock_irqsave(&iface->rx_lock);
	bool due = iface->rx_rng_uses >= RX_RESEED;

	spin_unlock_irqrestore(&iface->rx_lock, flags);
	if (!due)
		return;
	aslr_stream_bytes(&iface->rx_layout, fresh, sizeof(fresh));
	flags = spin_lock_irqsave(&iface->rx_lock);
	iface->rx_rng[0] ^= fresh[0];
	iface->rx_rng[1] ^= fresh[1];
	iface->rx_rng_uses = 0;
	spin_unlock_irqrestore(&iface->rx_lock, flags);
}

/* Fills one pool with buffers for frames of up to size bytes. */
static void refill(struct net_iface *iface, bool small, size_t size)
{
	unsigned *count = small ? &iface->rx_small_count : &iface->rx_pool_count;

	/* Made here, outside the lock: the allocation may take its time. */
	while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < NETDEV_RX_POOL) {
		struct rx_buf *b = rx_buf_new(iface, size, small);

		if (b == NULL)
			break;
		rx_buf_put(b, NETDEV_RX_KEEP);
	}
}

void netdev_receive_thread(struct netdev *dev)
{
	struct net_iface *iface = rx_iface(dev);
	struct pbuf *waiting[NETDEV_RX_POOL];
	unsigned n;
	uint64_t flags;

	if (iface == NULL)
		return;
	flags = spin_lock_irqsave(&iface->rx_lock);
	n = iface->rx_defer_count;
	memcpy(waiting, iface->rx_defer, n * sizeof(waiting[0]));
	iface->rx_defer_count = 0;
	spin_unlock_irqrestore(&iface->rx_lock, flags);
	for (unsigned i = 0; i < n; i++) {
		if (iface->netif.input(waiting[i], &iface->netif) != ERR_OK) {
			pbuf_free(waiting[i]);
			STAT_ADD(iface, rx_queue_full);
		} else {
			STAT_ADD(iface, rx_to_stack);
		}
	}
	refill(iface, false, (size_t)dev->mtu + NETDEV_ETH_HLEN);
	refill(iface, true, NETDEV_RX_SMALL);
	rx_reseed(iface);
}

bool netdev_get_stats_of_netif(const struct netif *n, struct netdev_stats *out)
{
	/* Only device interfaces ("en") carry a struct net_iface as state. */
	if (n->name[0] != 'e' || n->name[1] != 'n' || n->state == NULL) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	netdev_get_stats(((const struct net_iface *)n->state)->dev, out);
	return true;
}

void netdev_get_stats(const struct netdev *dev, struct netdev_stats *out)
{
	const struct net_iface *iface = __atomic_load_n(&dev->iface, __ATOMIC_ACQUIRE);
	const uint64_t *from;
	uint64_t *to = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	if (iface == NULL)
		return;
	from = (const uint64_t *)&iface->stats;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

/* How often net_wait_address looks again: a DHCP exchange takes milliseconds. */
#define WAIT_POLL_NS 1000000ull

bool net_wait_address(uint64_t timeout_ns)
{
	uint64_t deadline = clock_ns() + timeout_ns;
	struct net_iface *iface = netdev_iface(0);

	if (iface == NULL)
		return true; /* no device: nothing to wait for */
	for (;;) {
		/* Before it is attached, lwIP's core lock may not exist yet. */
		if (__atomic_load_n(&iface->attached, __ATOMIC_ACQUIRE)) {
			bool have;

			LOCK_TCPIP_CORE();
			have = !ip4_addr_isany_val(*netif_ip4_addr(&iface->netif));
			UNLOCK_TCPIP_CORE();
			if (have)
				return true;
		}
		if (clock_ns() >= deadline)
			return false;
		thread_sleep_ns(WAIT_POLL_NS);
	}
}
