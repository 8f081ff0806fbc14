/*
 * netdev: what a network driver (virtio-net, or a test's fake device)
 * gives the network stack, and how it hands it received frames
 * (kernel/net/, README.md "The lwIP port").
 *
 * The driver fills mac, mtu, transmit and priv, then calls netdev_register
 * once; the struct must live as long as the kernel (devices are never
 * removed). The first registration starts the stack (carapace/net.h). A
 * driver probed before the scheduler runs may register then: its device
 * is attached once net_init has run, and frames it receives before then
 * are dropped and counted.
 *
 * Frames are whole Ethernet frames from the destination MAC on, without
 * the frame check sequence: at least 14 bytes, at most mtu + 14 (no VLAN
 * tags).
 */
#ifndef CARAPACE_NETDEV_H
#define CARAPACE_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETDEV_MAC_LEN     6
#define NETDEV_ETH_HLEN    14   /* destination, source, EtherType */
#define NETDEV_MTU_MIN     1280 /* IPv6's minimum link MTU */
#define NETDEV_MTU_MAX     9000
#define NETDEV_MAX         4    /* devices the stack takes */

struct net_iface; /* the stack's side of a device (kernel/net/netdev.c) */

struct netdev {
	/* Set by the driver before netdev_register. */
	uint8_t mac[NETDEV_MAC_LEN]; /* unicast, not all zeros */
	uint16_t mtu;                /* the IP MTU: NETDEV_MTU_MIN..NETDEV_MTU_MAX */
	/*
	 * Sends one frame of len bytes (NETDEV_ETH_HLEN..mtu + 14). The driver
	 * copies it before returning: the stack reuses the buffer at once.
	 * Called from any thread, with the stack's core lock held, never from
	 * an interrupt handler: it must not sleep for long and must not call
	 * back into the stack. Returns 0, or a negative errno (-ENOBUFS when
	 * its ring is full): the frame is then dropped and counted, and TCP
	 * sends it again.
	 */
	int (*transmit)(struct netdev *dev, const void *frame, size_t len);
	/*
	 * Optional (NULL: the driver cannot tell): how many frames transmit
	 * queued that the device has not yet handed back as sent. At the
	 * application's exit the stack waits for 0 before the power goes
	 * (net_quiesce). Thread context, like transmit.
	 */
	unsigned (*tx_in_flight)(struct netdev *dev);
	/*
	 * Optional (NULL: transmit tells the device itself): transmit may queue
	 * a frame without telling the device, each such telling being an exit
	 * to the hypervisor, and call netdev_defer_notify; flush then tells the
	 * device about every frame queued so far. netdev_flush calls it, in
	 * thread context with or without interrupts: it must not sleep or take
	 * a lock that an interrupt handler takes.
	 */
	void (*flush)(struct netdev *dev);
	/*
	 * The device computes the TCP and UDP checksums of the whole packets
	 * transmit hands it (the driver puts the pseudo-header sum in the
	 * field, carapace/l4_csum.h): lwIP leaves those fields alone on this
	 * interface. IP headers, ICMP and fragments are still summed by lwIP.
	 */
	bool tx_csum_offload;
	void *priv;                  /* the driver's own */

	/* Set by netdev_register; the driver leaves it alone. */
	struct net_iface *iface;
};

/*
 * Takes dev into the stack as interface "enN" (lwIP numbers interfaces
 * in order after the loopback lo0: the first device is en1), starting the
 * stack if it is not running: its IPv6 link-local address at once, and
 * IPv4 by DHCP, or
 * for the first device from the boot options ip= and gw=. Returns 0;
 * -EINVAL for a bad MAC, MTU or a NULL transmit (nothing is kept);
 * -EEXIST when dev is registered already; -ENOSPC past NETDEV_MAX devices;
 * -ENOMEM.
 */
int netdev_register(struct netdev *dev);

/*
 * Hands one received frame to the stack. The stack copies it before
 * anything reads it, so the driver may reuse its buffer at once. Then the
 * packet classifier reads it (kernel/net/net_input.c): a malformed frame is
 * dropped there, one for a socket's channel goes there, the rest is queued
 * for lwIP's tcpip thread. Never blocks: a full queue or no memory drops
 * the frame and counts it.
 *
 * Context: a thread (the driver's receive thread or its interrupt's bottom
 * half), never an interrupt handler itself: it allocates from the kernel
 * heap. Several devices may call it at once; calls for one device should
 * come from one thread at a time, to keep its frames in order.
 */
void netdev_receive(struct netdev *dev, const void *frame, size_t len);

/*
 * Receiving in a driver's interrupt handler, so that a frame for a
 * socket's net channel wakes its reader with no switch to a driver thread
 * (kernel/net/README.md, "Receiving and sending"). netdev_receive_irq
 * copies the frame into a pbuf made ahead (no allocation, no lock but a
 * spinlock, no call into lwIP) and classifies it: a channel takes it, a
 * malformed frame is dropped, and one for lwIP's own input waits for
 * netdev_receive_thread. Any context, interrupt handlers included, one
 * caller per device at a time. It needs a pbuf made ahead:
 * netdev_receive_ready says whether one is there and the queue for lwIP
 * has room (the caller being the only one to take them, it stays true
 * until the call); without, the driver leaves the frame in its ring for
 * its thread and netdev_receive as before.
 *
 * netdev_receive_thread, in the driver's thread: hands the waiting frames
 * to lwIP and makes pbufs ahead again, up to NETDEV_RX_POOL a pool (a
 * pbuf lwIP frees goes back to its pool, zeroed, up to twice that, rather
 * than to the heap). netdev_receive_pending (any context): whether it has
 * work, frames waiting or pbufs running low.
 */
#define NETDEV_RX_POOL 32
/*
 * Frames up to this long (requests, acknowledgements) get a pbuf of their
 * own size from a second pool: a pooled buffer is checked all zero, whole,
 * before each frame is copied in (as the hardened heap checks a block at
 * its reuse), and a buffer for the largest frame would make every 60-byte
 * frame pay for 1.5 KiB.
 */
#define NETDEV_RX_SMALL 256
bool netdev_receive_ready(struct netdev *dev);
void netdev_receive_irq(struct netdev *dev, const void *frame, size_t len);
void netdev_receive_thread(struct netdev *dev);
bool netdev_receive_pending(struct netdev *dev);

/*
 * Deferred transmit notifications (kernel/net/README.md, "Receiving and
 * sending"). A driver whose transmit left the device untold calls
 * netdev_defer_notify; netdev_flush tells every such device. The kernel
 * flushes when a system call returns and before a thread blocks, so the
 * frames one call sends (a batch of segments, a response and its ACKs)
 * cost one exit, taken after the call has let its locks go.
 */
void netdev_defer_notify(void);
void netdev_flush(void);

/* What happened to a device's frames since it registered. */
struct netdev_stats {
	uint64_t rx_frames;        /* every frame netdev_receive was given */
	uint64_t rx_to_stack;      /* queued for lwIP */
	uint64_t rx_to_channel;    /* taken by a socket's channel */
	uint64_t rx_bad_length;    /* shorter than a header or longer than mtu + 14 */
	uint64_t rx_classifier_drops; /* the classifier refused them */
	uint64_t rx_no_memory;     /* no buffer for a copy */
	uint64_t rx_queue_full;    /* lwIP's input queue was full */
	uint64_t rx_not_attached;  /* arrived before the stack took the device */
	uint64_t tx_frames;        /* transmit returned 0 */
	uint64_t tx_errors;        /* transmit failed, or the frame was too long */
};

/* Copies dev's counters (all zero before it is attached). */
void netdev_get_stats(const struct netdev *dev, struct netdev_stats *out);

/*
 * The same for one of lwIP's interfaces (struct netif, as lwIP's
 * NETIF_FOREACH gives them; read under the core lock): true with its
 * device's counters, false (all zero) for an interface with no device,
 * such as the loopback.
 */
struct netif;
bool netdev_get_stats_of_netif(const struct netif *n, struct netdev_stats *out);

#endif
