/*
 * Sizes and numbers of the wire formats (Ethernet, IPv4, IPv6, TCP, UDP)
 * that more than one parser in kernel/net uses, and the big-endian load
 * they read fields with. Portable: the host tests and fuzzers build the
 * same parsers.
 */
#ifndef CARAPACE_WIRE_H
#define CARAPACE_WIRE_H

#include <stdint.h>

#define ETH_HLEN        14
#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define IPV4_MIN_HLEN   20
#define IPV6_HLEN       40
#define PROTO_TCP       6
#define PROTO_UDP       17
#define TCP_MIN_HLEN    20
#define UDP_HLEN        8

/* A 16-bit field in network order, at any alignment. */
static inline uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif
