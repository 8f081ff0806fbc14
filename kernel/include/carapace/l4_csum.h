/*
 * Where an outgoing IP packet's TCP or UDP checksum lies, and the sum of its
 * pseudo-header (kernel/net/l4_csum.c, portable). For a device that computes
 * that checksum itself (virtio-net's VIRTIO_NET_F_CSUM): the stack leaves the
 * field alone, the driver writes the pseudo-header sum into it, and the
 * device sums from start to the end of the packet and stores the result.
 */
#ifndef CARAPACE_L4_CSUM_H
#define CARAPACE_L4_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define L4_CSUM_OFFSET_TCP 16 /* the checksum field in a TCP header */
#define L4_CSUM_OFFSET_UDP 6  /* and in a UDP header */

struct l4_csum {
	size_t start;    /* the TCP or UDP header, from the IP header's start */
	size_t offset;   /* the checksum field, from start */
	size_t l4_len;   /* the TCP or UDP header and payload, from the IP header */
	uint16_t pseudo; /* the pseudo-header's folded sum, not inverted, in memory order */
};

/*
 * For len bytes at ip, an IPv4 or IPv6 packet: true with *out filled when
 * it is a whole (not fragmented) TCP or UDP packet, directly after the
 * fixed header for IPv6, whose lengths fit len. False for anything else
 * (ICMP, a fragment, an extension header, a truncated packet): its
 * checksum is not the device's to compute.
 */
bool l4_csum_find(const uint8_t *ip, size_t len, struct l4_csum *out);

/*
 * Computes in software what the device would: the whole TCP or UDP
 * checksum of the packet at ip that l4_csum_find described as c (a UDP
 * sum of 0 is sent as 0xffff, RFC 768).
 */
void l4_csum_complete(uint8_t *ip, const struct l4_csum *c);

/* Both: the TCP or UDP checksum of the len-byte packet at ip, when it has one. */
void l4_csum_fill(void *ip, size_t len);

/*
 * Whether a received UDP datagram's checksum holds. ip is its IPv4 or IPv6
 * header (for the pseudo-header's addresses), udp its UDP header, udp_len
 * the UDP length (header and payload; the caller checked they lie in the
 * frame). A zero checksum field means none: valid over IPv4, refused over
 * IPv6.
 */
bool l4_csum_udp_ok(const uint8_t *ip, const uint8_t *udp, size_t udp_len);

#endif
