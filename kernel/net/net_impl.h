/*
 * What the network stack's own files share (kernel/net/): the stack's side
 * of a device, and the first reader of a received frame.
 */
#ifndef CARAPACE_NET_IMPL_H
#define CARAPACE_NET_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/csprng.h>
#include <carapace/netdev.h>
#include <carapace/spinlock.h>

#include <lwip/netif.h>
#include <lwip/pbuf.h>

/*
 * A receive buffer of the interrupt path: a custom pbuf over its own
 * data, made by refill from the heap and given back to its pool, not to
 * the heap, when the stack frees it (rx_buf_free). A frame so costs no
 * kmalloc and no kfree (they were 1.33 pairs of the 3.3 a memcached
 * operation over TCP made, README.md). The heap's checks stay for these
 * buffers: the bytes a frame wrote are zeroed when the buffer comes back,
 * and its whole data is checked zero before the next frame is copied in,
 * so a write through a stale pointer is reported as a use after free, as
 * the heap reports one (a double free is lwIP's assertion on the pbuf's
 * reference count).
 */
/*
 * The pcb whose frames the kernel is running through lwIP's input (a
 * connection's net channel, inet_channel.c), which tcp_input looks at
 * before its walk of every active connection; NULL otherwise. Under the
 * core lock. Defined in lwIP's tcp_in.c (lwip/patches/tcp_in.c.patch).
 */
struct tcp_pcb;
extern struct tcp_pcb *tcp_input_hint;

struct rx_buf {
	struct pbuf_custom pc;    /* first: the pbuf the stack frees */
	struct net_iface *iface;
	uint16_t size;            /* bytes of data, a multiple of 8 */
	uint16_t written;         /* bytes the frame in it wrote; zero while pooled */
	bool small;               /* from rx_small, else rx_pool */
	uint8_t data[] __attribute__((aligned(8)));
};

/* A receive pool's room (struct net_iface): kept, and for put-backs. */
#define NETDEV_RX_KEEP (2 * NETDEV_RX_POOL)
#define NETDEV_RX_ROOM (3 * NETDEV_RX_POOL)

struct net_iface {
	struct netif netif;       /* lwIP's interface; its state points back here */
	struct netdev *dev;
	unsigned index;           /* order of registration: 0 is the first device */
	bool attached;            /* netif added to lwIP (atomic) */
	uint8_t *tx_frame;        /* mtu + 14 bytes: a chained pbuf made flat */
	uint32_t logged_ip;       /* the IPv4 address the boot log last showed */
	struct netdev_stats stats; /* each counter bumped atomically */
	/*
	 * Receiving from an interrupt handler (netdev_receive_irq): buffers made
	 * ahead in thread context, and frames for lwIP's input waiting for the
	 * driver's thread. Under rx_lock, interrupts off.
	 */
	struct spinlock rx_lock;
	/*
	 * Filled to NETDEV_RX_POOL by the driver's thread, to twice that by
	 * buffers the stack gives back (frames wait in 16 sockets' channels
	 * at once, and a pool kept to NETDEV_RX_POOL sent half of them back
	 * to the heap), with room beyond for a buffer the interrupt handler
	 * took and puts back (netdev.c, struct rx_buf).
	 */
	struct rx_buf *rx_pool[NETDEV_RX_ROOM];  /* for the largest frame */
	unsigned rx_pool_count;
	struct rx_buf *rx_small[NETDEV_RX_ROOM]; /* for a frame of NETDEV_RX_SMALL bytes or less */
	unsigned rx_small_count;
	/*
	 * Which pooled buffer the next frame takes: a random one, as the
	 * heap draws its slots (netdev.c rx_take). A splitmix64 stream under
	 * rx_lock, seeded from rx_layout (aslr_stream_*: repeated by aslr=off
	 * and aslr.seed=N) at registration and again every RX_RESEED takes
	 * by the driver's thread, which alone touches rx_layout.
	 */
	uint64_t rx_rng[2];
	uint32_t rx_rng_uses;
	struct csprng rx_layout;
	struct pbuf *rx_defer[NETDEV_RX_POOL];
	unsigned rx_defer_count;
};

/* Where a received frame goes (the packet classifier's answer). */
enum net_path {
	NET_PATH_DROP,    /* malformed or unwanted: counted, p freed */
	NET_PATH_STACK,   /* lwIP's normal input path: p is the caller's */
	NET_PATH_CHANNEL, /* a socket's net channel owns p now */
};

/*
 * The classifier reads a received frame, held flat in p, before anything
 * else does (net_input.c); net_input_init starts it, from net_start.
 */
enum net_path net_input(struct netdev *dev, struct pbuf *p);
void net_input_init(void);

/* The boot options' static IPv4 configuration, for the first device. */
struct net_static_config {
	bool set;
	uint32_t ip, gw;          /* host byte order; gw 0 when not given */
	uint8_t prefix;
};

/*
 * Marks the stack as up and attaches every device registered so far
 * (netdev.c); the ones registered later attach themselves.
 */
void netdev_start(const struct net_static_config *config);
/* Devices registered so far (netdev.c). */
/* Whether net_start has run: lwIP's core lock and lists exist. */
bool net_started(void);
unsigned netdev_count(void);
/* The index-th registered device's side in the stack, or NULL (netdev.c). */
struct net_iface *netdev_iface(unsigned index);

/* Registers the snapshot of the interfaces (net_ifinfo.c) with ifreq.c. */
void net_ifinfo_init(void);
/*
 * Sending a frame built whole, under lwIP's core lock (netdev.c; the host
 * harness fuzz/fuzz_net.c has its own). netdev_tx_room: where a frame for
 * netif may be built (the core lock guards it; *room bytes, the MTU and
 * the Ethernet header) and whether the device sums TCP and UDP itself.
 * netdev_output_locked: len bytes of frame to netif's driver, 0 or -EIO
 * when it is too long or the driver refused it (counted in tx_errors);
 * lwIP's own frames go this way too.
 */
uint8_t *netdev_tx_room(struct netif *netif, size_t *room, bool *csum_offload);
int netdev_output_locked(struct netif *netif, const void *frame, size_t len);
/* Whether net_init has run, so that net_start may be called (net_init.c). */
bool net_booted(void);
/* The boot option netchannels= (on unless off): whether TCP sockets open
 * net channels (net_init.c; inet_channel.c). */
bool net_channels_enabled(void);

#endif
