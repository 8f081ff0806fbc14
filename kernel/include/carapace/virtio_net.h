/*
 * virtio-net (virtio 1.x, 5.1), kernel/dev/virtio_net.c: the driver, and
 * the checks of what the device gives (virtio_net_check.c, portable: the
 * host tests build it too).
 */
#ifndef CARAPACE_VIRTIO_NET_H
#define CARAPACE_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_NET_F_CSUM      (1ull << 0)  /* the device completes TCP/UDP checksums */
#define VIRTIO_NET_F_MAC       (1ull << 5)  /* the configuration holds a MAC */
#define VIRTIO_NET_CONFIG_MAC  0            /* its offset in the configuration (5.1.4) */

/*
 * The header before every frame on both queues (5.1.6). Under
 * VIRTIO_F_VERSION_1 it always has num_buffers: 12 bytes.
 */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

#define VIRTIO_NET_HDR_SIZE    12
/* flags: sum from csum_start to the end, store at csum_start + csum_offset (5.1.6.2) */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
/* A receive buffer: the header and the largest frame (no mergeable buffers). */
#define VIRTIO_NET_RX_BUF_SIZE (VIRTIO_NET_HDR_SIZE + 1514)

/*
 * Checks what the device says it wrote into a receive buffer of buf_size
 * bytes (used_len, from the used ring): at least the header, at most the
 * buffer. 0 with *frame_len the Ethernet frame's length (after the
 * header; it may be shorter than an Ethernet header, which the stack
 * drops); -EIO with err saying what the device did wrong.
 */
int virtio_net_rx_check(uint32_t used_len, uint32_t buf_size, size_t *frame_len, char *err,
			size_t err_size);

/*
 * Checks a MAC the device's configuration gave: a unicast address, not
 * all zeros. 0, or -EINVAL with err saying why.
 */
int virtio_net_mac_check(const uint8_t mac[6], char *err, size_t err_size);

/*
 * For a frame of len bytes about to be sent with VIRTIO_NET_F_CSUM: when it
 * is a whole TCP or UDP packet over IPv4 or IPv6 (carapace/l4_csum.h),
 * writes the pseudo-header's sum into its checksum field, as the device
 * wants it, and sets hdr (zeroed by the caller) to NEEDS_CSUM with the
 * field's place; returns true. Anything else (ARP, ICMP, a fragment) is
 * left as the stack summed it: false, frame and hdr untouched.
 */
bool virtio_net_tx_csum(uint8_t *frame, size_t len, struct virtio_net_hdr *hdr);

struct virtio_net_stats {
	uint64_t rx_frames, tx_frames;
	uint64_t tx_dropped;  /* the transmit queue was full */
	uint64_t interrupts;  /* taken for either queue */
	uint64_t tx_notifies; /* the device told of sent frames (notify, see netdev_flush) */
	uint64_t tx_unnotified; /* frames queued that it was not told of yet */
	uint64_t tx_csum_offloaded; /* frames whose TCP/UDP checksum the device computed */
	bool polled;          /* no interrupt: the driver polls */
};

/* The driver's counters since boot (all 0 without a device). */
void virtio_net_get_stats(struct virtio_net_stats *out);

struct netdev;

/* The device the driver registered (NULL: none, or it failed). */
struct netdev *virtio_net_device(void);

/*
 * For in-kernel tests of the driver alone: received frames go to
 * fn(dev, frame, len, arg), in the driver's thread, instead of the stack
 * (fn NULL: back to the stack). One test at a time.
 */
typedef void (*virtio_net_tap_fn)(struct netdev *dev, const void *frame, size_t len, void *arg);
void virtio_net_set_tap(virtio_net_tap_fn fn, void *arg);

/*
 * For in-kernel tests: resets the device, then writes the used entry a
 * lying device would for the next receive buffer (its head plus
 * id_offset, len bytes) and lets the driver find it: its thread, or with
 * in_handler its interrupt handler, called as the interrupt would (once
 * the stack has pbufs ready for it). Whether the driver then refused the
 * device (virtio_net.c says how); *by_handler: whether the handler was
 * the one that saw the lie.
 */
bool virtio_net_test_forge_used(uint32_t id_offset, uint32_t len, bool in_handler,
				bool *by_handler);

/*
 * Looks for a virtio-net device (virtio_find) and, when one answers,
 * starts its driver thread and registers it with the stack
 * (netdev_register). Call once, after sched_init.
 */
void virtio_net_init(void);

#endif
