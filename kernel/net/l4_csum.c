/*
 * l4_csum: the TCP or UDP checksum of an outgoing packet, located for a
 * device that computes it (carapace/l4_csum.h). Portable: the host tests
 * and the kernel build it. The packet is the stack's own, but it is still
 * parsed with every length checked: a wrong guess must not make the driver
 * write outside the frame.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <carapace/inet_sum.h>
#include <carapace/l4_csum.h>
#include <carapace/wire.h>

#define IPV4_FRAG_MASK 0x3fff /* more fragments and the offset */

/*
 * The kernel is built with -fno-builtin, so memcpy is always a call: for
 * these two-byte moves (six a datagram) the builtin is a load or a store.
 */
#define copy_word __builtin_memcpy

/* A 16-bit value in network order as inet_sum sees it (words as in memory). */
static uint32_t as_mem_word(uint16_t host)
{
	uint8_t b[2] = { (uint8_t)(host >> 8), (uint8_t)host };
	uint16_t w;

	copy_word(&w, b, sizeof(w));
	return w;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The transport header's checksum offset and least length, for proto. */
static bool l4_proto(uint8_t proto, size_t *offset, size_t *min_len)
{
	if (proto == PROTO_TCP) {
		*offset = L4_CSUM_OFFSET_TCP;
		*min_len = TCP_MIN_HLEN;
		return true;
	}
	if (proto == PROTO_UDP) {
		*offset = L4_CSUM_OFFSET_UDP;
		*min_len = UDP_HLEN;
		return true;
	}
	return false;
}

static bool find_v4(const uint8_t *ip, size_t len, struct l4_csum *out)
{
	size_t hlen, total, min_len;
	uint32_t sum;

	if (len < IPV4_MIN_HLEN)
		return false;
	hlen = (size_t)(ip[0] & 0xf) * 4;
	total = wire_get16(ip + 2);
	if (hlen < IPV4_MIN_HLEN || total > len || (wire_get16(ip + 6) & IPV4_FRAG_MASK) != 0 ||
	    !l4_proto(ip[9], &out->offset, &min_len) || total < hlen + min_len)
		return false;
	out->start = hlen;
	out->l4_len = total - hlen;
	sum = inet_sum(ip + 12, 8); /* source and destination */
	sum += as_mem_word(ip[9]) + as_mem_word((uint16_t)out->l4_len);
	out->pseudo = fold(sum);
	return true;
}

static bool find_v6(const uint8_t *ip, size_t len, struct l4_csum *out)
{
	size_t payload, min_len;
	uint32_t sum;

	if (len < IPV6_HLEN)
		return false;
	payload = wire_get16(ip + 4);
	/* Next header: TCP or UDP itself; an extension header (a fragment) is not ours. */
	if (IPV6_HLEN + payload > len || !l4_proto(ip[6], &out->offset, &min_len) ||
	    payload < min_len)
		return false;
	out->start = IPV6_HLEN;
	out->l4_len = payload;
	sum = inet_sum(ip + 8, 32); /* source and destination */
	sum += as_mem_word(ip[6]) + as_mem_word((uint16_t)payload);
	out->pseudo = fold(sum);
	return true;
}

bool l4_csum_find(const uint8_t *ip, size_t len, struct l4_csum *out)
{
	if (len == 0)
		return false;
	switch (ip[0] >> 4) {
	case 4:
		return find_v4(ip, len, out);
	case 6:
		return find_v6(ip, len, out);
	default:
		return false;
	}
}

void l4_csum_complete(uint8_t *ip, const struct l4_csum *c)
{
	uint8_t *field = ip + c->start + c->offset;
	uint16_t sum;

	copy_word(field, &c->pseudo, sizeof(c->pseudo));
	sum = (uint16_t)~inet_sum(ip + c->start, (int)c->l4_len);
	if (sum == 0 && c->offset == L4_CSUM_OFFSET_UDP)
		sum = 0xffff;
	copy_word(field, &sum, sizeof(sum));
}

void l4_csum_fill(void *ip, size_t len)
{
	struct l4_csum c;

	if (l4_csum_find(ip, len, &c))
		l4_csum_complete(ip, &c);
}

bool l4_csum_udp_ok(const uint8_t *ip, const uint8_t *udp, size_t udp_len)
{
	bool v6 = ip[0] >> 4 == 6;
	uint32_t sum;

	if (udp[L4_CSUM_OFFSET_UDP] == 0 && udp[L4_CSUM_OFFSET_UDP + 1] == 0)
		return !v6; /* no checksum: allowed over IPv4 only (RFC 768, RFC 8200 8.1) */
	sum = v6 ? inet_sum(ip + 8, 32) : inet_sum(ip + 12, 8); /* source and destination */
	sum += as_mem_word(PROTO_UDP) + as_mem_word((uint16_t)udp_len);
	sum += inet_sum(udp, (int)udp_len);
	/* With its checksum field the sum is all ones (negative zero). */
	return fold(sum) == 0xffff;
}
