/*
 * Builds well-formed Ethernet frames for the classifier's tests and its
 * benchmark: ARP, IPv4 and IPv6 with ICMP, TCP or UDP, checksums filled
 * in. The guest is 10.0.2.15 / fe80::f (MAC 52:54:00:12:34:56), the peer
 * 10.0.2.2 / fe80::2 (MAC 52:55:0a:00:02:02), as under QEMU's user network.
 * A test then breaks one field to hit one rule.
 */
#ifndef TESTS_FRAMES_H
#define TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FR_ETH 14
#define FR_IP4 20
#define FR_IP6 40
#define FR_TCP 20
#define FR_UDP 8
#define FR_MAX 2048

static const uint8_t fr_guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t fr_peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t fr_guest4[4] = { 10, 0, 2, 15 };
static const uint8_t fr_peer4[4] = { 10, 0, 2, 2 };
static const uint8_t fr_guest6[16] = { 0xfe, 0x80, [15] = 0x0f };
static const uint8_t fr_peer6[16] = { 0xfe, 0x80, [15] = 0x02 };

static inline void fr_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline size_t fr_eth(uint8_t *f, unsigned type)
{
	memcpy(f, fr_guest_mac, 6);
	memcpy(f + 6, fr_peer_mac, 6);
	fr_put16(f + 12, type);
	return FR_ETH;
}

/* Recomputes the IPv4 header checksum of the frame f. */
static inline void fr_ipv4_checksum(uint8_t *f)
{
	uint8_t *ip = f + FR_ETH;
	size_t hlen = (size_t)(ip[0] & 0xf) * 4;
	uint32_t sum = 0;

	fr_put16(ip + 10, 0);
	for (size_t i = 0; i + 1 < hlen; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	fr_put16(ip + 10, ~sum & 0xffff);
}

/* Ethernet and a 20-byte IPv4 header for l4len bytes of protocol proto. */
static inline size_t fr_ipv4(uint8_t *f, unsigned proto, size_t l4len)
{
	uint8_t *ip = f + fr_eth(f, 0x0800);

	memset(ip, 0, FR_IP4);
	ip[0] = 0x45;
	fr_put16(ip + 2, (unsigned)(FR_IP4 + l4len));
	fr_put16(ip + 4, 0x1234);
	fr_put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, fr_peer4, 4);
	memcpy(ip + 16, fr_guest4, 4);
	fr_ipv4_checksum(f);
	return FR_ETH + FR_IP4;
}

static inline size_t fr_ipv6(uint8_t *f, unsigned next, size_t payload)
{
	uint8_t *ip = f + fr_eth(f, 0x86dd);

	memset(ip, 0, FR_IP6);
	ip[0] = 0x60;
	fr_put16(ip + 4, (unsigned)payload);
	ip[6] = (uint8_t)next;
	ip[7] = 64;
	memcpy(ip + 8, fr_peer6, 16);
	memcpy(ip + 24, fr_guest6, 16);
	return FR_ETH + FR_IP6;
}

static inline void fr_tcp_header(uint8_t *t, unsigned sport, unsigned dport, unsigned flags)
{
	memset(t, 0, FR_TCP);
	fr_put16(t, sport);
	fr_put16(t + 2, dport);
	t[12] = 5 << 4;
	t[13] = (uint8_t)flags;
	fr_put16(t + 14, 65535);
}

static inline void fr_udp_header(uint8_t *u, unsigned sport, unsigned dport, size_t len)
{
	fr_put16(u, sport);
	fr_put16(u + 2, dport);
	fr_put16(u + 4, (unsigned)len);
	fr_put16(u + 6, 0);
}

#define FR_TCP_FIN 0x01
#define FR_TCP_SYN 0x02
#define FR_TCP_RST 0x04
#define FR_TCP_PSH 0x08
#define FR_TCP_ACK 0x10

/* An IPv4 (family 4) or IPv6 (6) header for l4len bytes of proto. */
static inline size_t fr_ip(uint8_t *f, int family, unsigned proto, size_t l4len)
{
	return family == 4 ? fr_ipv4(f, proto, l4len) : fr_ipv6(f, proto, l4len);
}

/* TCP from the peer's sport to the guest's dport with data bytes of 'x'. */
static inline size_t fr_tcp(uint8_t *f, int family, unsigned sport, unsigned dport,
			    unsigned flags, size_t data)
{
	size_t off = fr_ip(f, family, 6, FR_TCP + data);

	fr_tcp_header(f + off, sport, dport, flags);
	memset(f + off + FR_TCP, 'x', data);
	return off + FR_TCP + data;
}

static inline size_t fr_udp(uint8_t *f, int family, unsigned sport, unsigned dport, size_t data)
{
	size_t off = fr_ip(f, family, 17, FR_UDP + data);

	fr_udp_header(f + off, sport, dport, FR_UDP + data);
	memset(f + off + FR_UDP, 'u', data);
	return off + FR_UDP + data;
}

#define fr_tcp4(f, ...) fr_tcp(f, 4, __VA_ARGS__)
#define fr_tcp6(f, ...) fr_tcp(f, 6, __VA_ARGS__)
#define fr_udp4(f, ...) fr_udp(f, 4, __VA_ARGS__)
#define fr_udp6(f, ...) fr_udp(f, 6, __VA_ARGS__)

static inline size_t fr_icmp4_echo(uint8_t *f)
{
	size_t off = fr_ipv4(f, 1, 16);

	memset(f + off, 0, 16);
	f[off] = 8; /* echo request */
	return off + 16;
}

static inline size_t fr_icmp6_echo(uint8_t *f)
{
	size_t off = fr_ipv6(f, 58, 8);

	memset(f + off, 0, 8);
	f[off] = 128; /* echo request */
	return off + 8;
}

/* An ARP request: who has 10.0.2.15, tell 10.0.2.2. */
static inline size_t fr_arp(uint8_t *f)
{
	uint8_t *a = f + fr_eth(f, 0x0806);

	memset(f, 0xff, 6);
	fr_put16(a, 1);
	fr_put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	fr_put16(a + 6, 1);
	memcpy(a + 8, fr_peer_mac, 6);
	memcpy(a + 14, fr_peer4, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, fr_guest4, 4);
	return FR_ETH + 28;
}

#endif
