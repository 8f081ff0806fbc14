/*
 * Validation of a received frame, header by header, before anything acts
 * on it (the seL4 shape: decode and check everything first). Each header
 * is checked against the bytes that are really there, and each length
 * field against the length of what encloses it, so a lie in any of them
 * ends here as a counted drop. The rules and the reasons for each are in
 * kernel/net/README.md, "The packet classifier".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/wire.h>

#include "classifier_impl.h"

#define ETH_SRC 6
#define ETH_TYPE 12
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100   /* 802.1Q */
#define ETHERTYPE_QINQ 0x88a8   /* 802.1ad */
#define ETHERTYPE_QINQ_OLD 0x9100

#define ARP_LEN 28
#define ARP_HTYPE_ETHERNET 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

#define IPV4_FLAG_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff
#define IP_MAX_PACKET 65535

#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_IGMP 2
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_ICMPV6 58
#define PROTO_DSTOPTS 60

#define ICMP_MIN_LEN 8   /* type, code, checksum and 4 bytes: every message */
#define IGMP_MIN_LEN 8
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

#define TCPOPT_END 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_OK 4
#define TCPOPT_TIMESTAMP 8

/* The ones' complement sum of a header: 0xffff when its checksum is right. */
static uint16_t ones_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += wire_get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static enum classify_drop check_arp(const uint8_t *p, size_t n)
{
	if (n < ARP_LEN)
		return CLASSIFY_DROP_ARP_SHORT;
	if (wire_get16(p) != ARP_HTYPE_ETHERNET || wire_get16(p + 2) != ETHERTYPE_IPV4 ||
	    p[4] != 6 || p[5] != 4)
		return CLASSIFY_DROP_ARP_BAD_HEADER;
	if (wire_get16(p + 6) != ARP_OP_REQUEST && wire_get16(p + 6) != ARP_OP_REPLY)
		return CLASSIFY_DROP_ARP_BAD_OP;
	return FRAME_VALID;
}

/* Every option has a length that stays inside the header, and the ones
 * lwIP reads have the length their kind defines. */
static enum classify_drop check_tcp_options(const uint8_t *opt, size_t len)
{
	static const uint8_t fixed_len[] = {
		[TCPOPT_MSS] = 4, [TCPOPT_WSCALE] = 3, [TCPOPT_SACK_OK] = 2,
		[TCPOPT_TIMESTAMP] = 10,
	};
	size_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i];

		if (kind == TCPOPT_END)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return CLASSIFY_DROP_TCP_BAD_OPTIONS;
		if (kind < sizeof(fixed_len) && fixed_len[kind] && opt[i + 1] != fixed_len[kind])
			return CLASSIFY_DROP_TCP_BAD_OPTIONS;
		i += opt[i + 1];
	}
	return FRAME_VALID;
}

static enum classify_drop check_tcp(const uint8_t *p, size_t n)
{
	size_t hlen;
	uint8_t flags;

	if (n < TCP_MIN_HLEN)
		return CLASSIFY_DROP_TCP_SHORT;
	hlen = (size_t)(p[12] >> 4) * 4;
	if (hlen < TCP_MIN_HLEN || hlen > n)
		return CLASSIFY_DROP_TCP_BAD_DATA_OFFSET;
	flags = p[13];
	if ((flags & TCP_SYN) && (flags & (TCP_FIN | TCP_RST)))
		return CLASSIFY_DROP_TCP_BAD_FLAGS;
	if (wire_get16(p) == 0 || wire_get16(p + 2) == 0)
		return CLASSIFY_DROP_PORT_ZERO;
	return check_tcp_options(p + TCP_MIN_HLEN, hlen - TCP_MIN_HLEN);
}

/* whole: n is the whole datagram (not a first fragment's part of it). */
static enum classify_drop check_udp(const uint8_t *p, size_t n, bool whole)
{
	size_t ulen;

	if (n < UDP_HLEN)
		return CLASSIFY_DROP_UDP_SHORT;
	ulen = wire_get16(p + 4);
	if (ulen < UDP_HLEN || (whole && ulen > n))
		return CLASSIFY_DROP_UDP_BAD_LENGTH;
	if (wire_get16(p + 2) == 0)
		return CLASSIFY_DROP_PORT_ZERO;
	return FRAME_VALID;
}

/* The upper-layer header at p, n bytes of it here. */
static enum classify_drop check_l4(uint8_t protocol, const uint8_t *p, size_t n, bool whole)
{
	switch (protocol) {
	case PROTO_TCP:
		return check_tcp(p, n);
	case PROTO_UDP:
		return check_udp(p, n, whole);
	case PROTO_ICMP:
		return n < ICMP_MIN_LEN ? CLASSIFY_DROP_ICMP_SHORT : FRAME_VALID;
	case PROTO_ICMPV6:
		return n < ICMP_MIN_LEN ? CLASSIFY_DROP_ICMPV6_SHORT : FRAME_VALID;
	case PROTO_IGMP:
		return n < IGMP_MIN_LEN ? CLASSIFY_DROP_IGMP_SHORT : FRAME_VALID;
	}
	return CLASSIFY_DROP_IP_PROTOCOL_UNSUPPORTED;
}

/* The flow of a TCP or UDP packet whose header was validated at l4. */
static void fill_flow(struct classify_result *out, const uint8_t *l4, uint8_t family,
		      const uint8_t *src, const uint8_t *dst, size_t addr_len)
{
	__builtin_memset(&out->flow, 0, sizeof(out->flow)); /* stores, not a call */
	out->flow.family = family;
	out->flow.protocol = out->protocol;
	out->flow.remote_port = wire_get16(l4);
	out->flow.local_port = wire_get16(l4 + 2);
	wire_copy_addr(out->flow.remote_addr, src, addr_len);
	wire_copy_addr(out->flow.local_addr, dst, addr_len);
	out->has_flow = true;
}

static enum classify_drop check_ipv4(const uint8_t *frame, size_t len, struct classify_result *out)
{
	const uint8_t *p = frame + ETH_HLEN;
	size_t n = len - ETH_HLEN, hlen, total, offset;
	uint16_t frag;
	enum classify_drop r;

	if (n < IPV4_MIN_HLEN)
		return CLASSIFY_DROP_IPV4_SHORT;
	if (p[0] >> 4 != 4)
		return CLASSIFY_DROP_IPV4_BAD_VERSION;
	hlen = (size_t)(p[0] & 0xf) * 4;
	if (hlen < IPV4_MIN_HLEN || hlen > n)
		return CLASSIFY_DROP_IPV4_BAD_IHL;
	total = wire_get16(p + 2);
	if (total < hlen || total > n)
		return CLASSIFY_DROP_IPV4_BAD_TOTAL_LENGTH;
	if (ones_sum(p, hlen) != 0xffff)
		return CLASSIFY_DROP_IPV4_BAD_CHECKSUM;
	/* Multicast, the reserved class E and the limited broadcast. */
	if (p[12] >= 224)
		return CLASSIFY_DROP_IP_BAD_SOURCE;
	out->protocol = p[9];
	out->l4_offset = ETH_HLEN + hlen;
	out->packet_end = ETH_HLEN + total;
	frag = wire_get16(p + 6);
	offset = (size_t)(frag & IPV4_OFFSET_MASK) * 8;
	out->fragment = offset != 0 || (frag & IPV4_FLAG_MF);
	if (out->protocol != PROTO_TCP && out->protocol != PROTO_UDP &&
	    out->protocol != PROTO_ICMP && out->protocol != PROTO_IGMP)
		return CLASSIFY_DROP_IP_PROTOCOL_UNSUPPORTED;
	if (out->fragment) {
		/* Reassembly past 64 KiB (the ping of death), or a TCP
		 * fragment at offset 8 that rewrites the flags (RFC 1858). */
		if (offset + (total - hlen) > IP_MAX_PACKET ||
		    (out->protocol == PROTO_TCP && offset == 8))
			return CLASSIFY_DROP_IP_BAD_FRAGMENT;
		if (offset != 0)
			return FRAME_VALID;
	}
	r = check_l4(out->protocol, p + hlen, total - hlen, !out->fragment);
	if (r == FRAME_VALID && !out->fragment &&
	    (out->protocol == PROTO_TCP || out->protocol == PROTO_UDP))
		fill_flow(out, p + hlen, FLOW_IPV4, p + 12, p + 16, 4);
	return r;
}

/*
 * Walks the extension headers of the IPv6 packet at p (end bytes long)
 * from its fixed header; sets *next and *off to the upper-layer protocol
 * and where its header starts; marks out->fragment at a Fragment header.
 * A fragment at a later offset sets *later_fragment and stops the walk
 * there: what follows is the middle of a datagram, not a header.
 */
static enum classify_drop walk_ipv6_ext(const uint8_t *p, size_t end, uint8_t *next,
					size_t *off, struct classify_result *out,
					bool *later_fragment)
{
	uint8_t nh = p[6];
	size_t pos = IPV6_HLEN;

	for (unsigned count = 0;; count++) {
		size_t hlen;

		if (nh != PROTO_HOPOPTS && nh != PROTO_ROUTING && nh != PROTO_DSTOPTS &&
		    nh != PROTO_FRAGMENT)
			break;
		if (count == CLASSIFIER_IPV6_EXT_MAX)
			return CLASSIFY_DROP_IPV6_TOO_MANY_EXT_HEADERS;
		/* Hop-by-hop options only right after the fixed header. */
		if (nh == PROTO_HOPOPTS && count != 0)
			return CLASSIFY_DROP_IPV6_BAD_EXT_HEADER;
		if (end - pos < 8)
			return CLASSIFY_DROP_IPV6_BAD_EXT_HEADER;
		if (nh == PROTO_FRAGMENT) {
			uint16_t offset = wire_get16(p + pos + 2) & 0xfff8;

			if (out->fragment) /* a second Fragment header */
				return CLASSIFY_DROP_IPV6_BAD_EXT_HEADER;
			out->fragment = true;
			if (offset + (end - pos - 8) > IP_MAX_PACKET)
				return CLASSIFY_DROP_IP_BAD_FRAGMENT;
			nh = p[pos];
			pos += 8;
			if (offset != 0) {
				*later_fragment = true;
				break;
			}
			continue;
		}
		hlen = ((size_t)p[pos + 1] + 1) * 8;
		if (hlen > end - pos)
			return CLASSIFY_DROP_IPV6_BAD_EXT_HEADER;
		/* Type 0 routing headers are deprecated: RFC 5095. */
		if (nh == PROTO_ROUTING && p[pos + 2] == 0)
			return CLASSIFY_DROP_IPV6_BAD_EXT_HEADER;
		nh = p[pos];
		pos += hlen;
	}
	*next = nh;
	*off = pos;
	return FRAME_VALID;
}

static enum classify_drop check_ipv6(const uint8_t *frame, size_t len, struct classify_result *out)
{
	const uint8_t *p = frame + ETH_HLEN;
	size_t n = len - ETH_HLEN, end, off = 0;
	bool later_fragment = false;
	uint8_t nh = 0;
	enum classify_drop r;

	if (n < IPV6_HLEN)
		return CLASSIFY_DROP_IPV6_SHORT;
	if (p[0] >> 4 != 6)
		return CLASSIFY_DROP_IPV6_BAD_VERSION;
	end = IPV6_HLEN + (size_t)wire_get16(p + 4);
	if (end > n)
		return CLASSIFY_DROP_IPV6_BAD_PAYLOAD_LENGTH;
	if (p[8] == 0xff) /* a multicast source */
		return CLASSIFY_DROP_IP_BAD_SOURCE;
	out->packet_end = ETH_HLEN + end;
	r = walk_ipv6_ext(p, end, &nh, &off, out, &later_fragment);
	if (r != FRAME_VALID)
		return r;
	out->protocol = nh;
	out->l4_offset = ETH_HLEN + off;
	if (nh != PROTO_TCP && nh != PROTO_UDP && nh != PROTO_ICMPV6)
		return CLASSIFY_DROP_IP_PROTOCOL_UNSUPPORTED;
	if (later_fragment)
		return FRAME_VALID;
	/* A first fragment must hold the whole upper-layer header: RFC 7112. */
	r = check_l4(nh, p + off, end - off, !out->fragment);
	if (r == FRAME_VALID && !out->fragment && (nh == PROTO_TCP || nh == PROTO_UDP))
		fill_flow(out, p + off, FLOW_IPV6, p + 8, p + 24, 16);
	return r;
}

enum classify_drop frame_check(const uint8_t *frame, size_t len, size_t mtu,
			       struct classify_result *out)
{
	out->ethertype = 0;
	out->protocol = 0;
	out->fragment = false;
	out->has_flow = false;
	out->l3_offset = ETH_HLEN;
	out->l4_offset = 0;
	out->packet_end = 0;
	if (len < ETH_HLEN)
		return CLASSIFY_DROP_ETH_SHORT;
	if (len - ETH_HLEN > mtu)
		return CLASSIFY_DROP_ETH_TOO_LONG;
	if (frame[ETH_SRC] & 1)
		return CLASSIFY_DROP_ETH_SRC_MULTICAST;
	out->ethertype = wire_get16(frame + ETH_TYPE);
	switch (out->ethertype) {
	case ETHERTYPE_ARP:
		out->packet_end = ETH_HLEN + ARP_LEN;
		return check_arp(frame + ETH_HLEN, len - ETH_HLEN);
	case ETHERTYPE_IPV4:
		return check_ipv4(frame, len, out);
	case ETHERTYPE_IPV6:
		return check_ipv6(frame, len, out);
	case ETHERTYPE_VLAN:
	case ETHERTYPE_QINQ:
	case ETHERTYPE_QINQ_OLD:
		return CLASSIFY_DROP_VLAN_TAGGED;
	}
	return CLASSIFY_DROP_ETHERTYPE_UNSUPPORTED;
}
