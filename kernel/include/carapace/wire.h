/*
 * Sizes and numbers of the wire formats (Ethernet, IPv4, IPv6, TCP, UDP)
 * that more than one parser in kernel/net uses, and the big-endian load
 * they read fields with. Portable: the host tests and fuzzers build the
 * same parsers.
 */
#ifndef CARAPACE_WIRE_H
#define CARAPACE_WIRE_H

#include <stddef.h>
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

/*
 * An IPv4 or IPv6 address (len 4 or 16) copied as moves: the kernel is
 * built with -fno-builtin, where memcpy is always a call (about thirty
 * instructions), and a received frame's addresses are copied several
 * times on its way to a channel.
 */
static inline void wire_copy_addr(void *dst, const void *src, size_t len)
{
	if (len == 4)
		__builtin_memcpy(dst, src, 4);
	else
		__builtin_memcpy(dst, src, 16);
}

#endif
