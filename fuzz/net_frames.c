/*
 * fuzz_net's records and its structure-aware mutator (net_frames.h).
 * Written for the host: the harness and AFL++'s mutator library both link it.
 */
#include <stdbool.h>
#include <string.h>

#include "net_frames.h"

#define ETH_HLEN     14
#define MAX_RECORDS  64
#define IP_TCP       6
#define IP_UDP       17
#define IP_ICMP      1
#define IP6_ICMP     58
#define FIX_ONE_IN   8 /* a changed frame is left unfixed one time in this many */

const uint32_t NET_TICK_MS[8] = { 0, 1, 10, 100, 250, 500, 1000, 5000 };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int net_record_next(const uint8_t *data, size_t size, size_t *at, struct net_record *out)
{
	size_t len;

	if (*at + NET_RECORD_HEADER > size)
		return 0;
	len = (size_t)(data[*at + 1] | data[*at + 2] << 8);
	if (len > NET_FRAME_MAX)
		len = NET_FRAME_MAX;
	if (*at + NET_RECORD_HEADER + len > size)
		return 0;
	out->flags = data[*at];
	out->frame = data + *at + NET_RECORD_HEADER;
	out->len = len;
	*at += NET_RECORD_HEADER + len;
	return 1;
}

/* The one's-complement sum of p[0..n) as big-endian 16-bit words, plus sum. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void net_frames_csum_update32(uint8_t csum[2], uint32_t old_value, uint32_t new_value)
{
	/* RFC 1624: HC' = ~(~HC + ~m + m'), one 16-bit half at a time. */
	uint32_t sum = (uint16_t)~get16(csum);

	sum += (uint16_t)~(old_value >> 16) + (uint16_t)~old_value;
	sum += (new_value >> 16) + (new_value & 0xffff);
	put16(csum, fold(sum));
}

/*
 * The checksum of an upper-layer message l4[0..n) with the pseudo-header's
 * sum; where it is in l4 (0 for a message without one).
 */
static size_t fix_l4(uint8_t *l4, size_t n, uint8_t proto, uint32_t pseudo)
{
	size_t at;

	if (proto == IP_TCP && n >= 20)
		at = 16;
	else if (proto == IP_UDP && n >= 8)
		at = 6;
	else if ((proto == IP_ICMP || proto == IP6_ICMP) && n >= 4)
		at = 2;
	else
		return 0;
	if (proto == IP_UDP)
		put16(l4 + 4, (uint32_t)n);
	put16(l4 + at, 0);
	uint32_t sum = proto == IP_ICMP ? 0 : pseudo + proto + (uint32_t)(n >> 16) + (n & 0xffff);
	uint16_t c = fold(sum16(l4, n, sum));

	/* 0 means "no checksum" in IPv4 UDP; IPv6 forbids it (RFC 8200 8.1). */
	if (proto == IP_UDP && c == 0)
		c = 0xffff;
	put16(l4 + at, c);
	return at;
}

static size_t fix_ipv4(uint8_t *ip, size_t n)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4;

	if (ihl < 20 || ihl > n)
		return 0;
	if (n > 65535)
		n = 65535;
	put16(ip + 2, (uint32_t)n);
	put16(ip + 10, 0);
	put16(ip + 10, fold(sum16(ip, ihl, 0)));
	if (get16(ip + 6) & 0x3fff)
		return 0; /* a fragment: its upper-layer checksum spans the others too */
	size_t at = fix_l4(ip + ihl, n - ihl, ip[9], sum16(ip + 12, 8, 0));

	return at ? ihl + at : 0;
}

/* Where the upper-layer header of an IPv6 packet is (after the simple
 * extension headers), with its protocol; 0 when there is none to fix. */
static size_t ipv6_upper(const uint8_t *ip, size_t n, uint8_t *proto)
{
	size_t at = 40;
	uint8_t next = ip[6];

	for (int k = 0; k < 8; k++) {
		if (next != 0 && next != 43 && next != 60) /* hop-by-hop, routing, destination */
			break;
		if (at + 8 > n)
			return 0;
		next = ip[at];
		at += ((size_t)ip[at + 1] + 1) * 8;
	}
	*proto = next;
	return at <= n ? at : 0;
}

static size_t fix_ipv6(uint8_t *ip, size_t n)
{
	uint8_t proto;
	size_t at, csum_at;

	if (n < 40)
		return 0;
	put16(ip + 4, (uint32_t)(n - 40 > 65535 ? 65535 : n - 40));
	at = ipv6_upper(ip, n, &proto);
	if (!at)
		return 0;
	csum_at = fix_l4(ip + at, n - at, proto, sum16(ip + 8, 32, 0));
	return csum_at ? at + csum_at : 0;
}

size_t net_frames_fix(uint8_t *frame, size_t len)
{
	size_t at = 0;

	if (len < ETH_HLEN + 20)
		return 0;
	uint16_t type = get16(frame + 12);

	if (type == 0x0800 && (frame[ETH_HLEN] >> 4) == 4)
		at = fix_ipv4(frame + ETH_HLEN, len - ETH_HLEN);
	else if (type == 0x86dd && (frame[ETH_HLEN] >> 4) == 6)
		at = fix_ipv6(frame + ETH_HLEN, len - ETH_HLEN);
	return at ? ETH_HLEN + at : 0;
}

long net_frames_tcp_offset(const uint8_t *frame, size_t len)
{
	if (len < ETH_HLEN + 20)
		return -1;
	const uint8_t *ip = frame + ETH_HLEN;
	uint16_t type = get16(frame + 12);
	size_t at;
	uint8_t proto;

	if (type == 0x0800 && (ip[0] >> 4) == 4) {
		at = (size_t)(ip[0] & 15) * 4;
		proto = ip[9];
	} else if (type == 0x86dd && (ip[0] >> 4) == 6 && len >= ETH_HLEN + 40) {
		at = ipv6_upper(ip, len - ETH_HLEN, &proto);
	} else {
		return -1;
	}
	if (proto != IP_TCP || at < 20 || ETH_HLEN + at + 20 > len)
		return -1;
	return (long)(ETH_HLEN + at);
}

/* ---- the mutator ---- */

struct rec {
	uint8_t flags;
	size_t len;
	uint8_t frame[NET_FRAME_MAX];
};

static struct rec recs[MAX_RECORDS + 1];
static uint8_t out_buf[MAX_RECORDS * (NET_RECORD_HEADER + NET_FRAME_MAX)];

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A TCP header field set to a value TCP treats specially. */
static void mutate_tcp_field(struct rec *r, uint32_t *rng)
{
	static const uint8_t flag_sets[] = { 0x02, 0x12, 0x10, 0x18, 0x11, 0x19, 0x04, 0x14,
					     0x01, 0x20, 0x3f, 0x00, 0x06, 0x03 };
	long at = net_frames_tcp_offset(r->frame, r->len);

	if (at < 0)
		return;
	uint8_t *tcp = r->frame + at;

	switch (next_rand(rng) % 6) {
	case 0:
		tcp[13] = flag_sets[next_rand(rng) % sizeof(flag_sets)];
		break;
	case 1: /* the window, often zero or tiny */
		put16(tcp + 14, next_rand(rng) % 3 ? next_rand(rng) % 4 : next_rand(rng));
		break;
	case 2: { /* the sequence number, moved by a little or by a window */
		static const int32_t deltas[] = { 1, -1, 1460, -1460, 65535, 131072, INT32_MIN };
		uint32_t seq = (uint32_t)get16(tcp + 4) << 16 | get16(tcp + 6);

		seq += (uint32_t)deltas[next_rand(rng) % 7];
		put16(tcp + 4, seq >> 16);
		put16(tcp + 6, seq);
		break;
	}
	case 3: /* the data offset */
		tcp[12] = (uint8_t)((next_rand(rng) % 16) << 4 | (tcp[12] & 15));
		break;
	case 4: /* the urgent pointer */
		put16(tcp + 18, next_rand(rng));
		tcp[13] |= 0x20;
		break;
	default: { /* an option: MSS, window scale, SACK-permitted, timestamps, or junk */
		size_t doff = (size_t)(tcp[12] >> 4) * 4;

		if (doff > 20 && (size_t)at + doff <= r->len) {
			uint8_t *opt = tcp + 20 + next_rand(rng) % (doff - 20);

			*opt = (uint8_t)(next_rand(rng) % 2 ? next_rand(rng) % 9 : next_rand(rng));
			if (opt + 1 < tcp + doff)
				opt[1] = (uint8_t)(next_rand(rng) % 12);
		}
		break;
	}
	}
}

size_t net_frames_mutate(uint8_t *data, size_t size, size_t max, unsigned seed,
			 net_bytes_mutate_fn bytes_mutate)
{
	uint32_t rng = seed | 1;
	struct net_record nr;
	size_t at = 0, n = 0, out = 0;

	while (n < MAX_RECORDS && net_record_next(data, size, &at, &nr)) {
		recs[n].flags = nr.flags;
		recs[n].len = nr.len;
		memcpy(recs[n].frame, nr.frame, nr.len);
		n++;
	}
	if (n == 0)
		return bytes_mutate(data, size, max, seed);
	size_t k = next_rand(&rng) % n;
	struct rec *r = &recs[k];
	bool changed = true;

	switch (next_rand(&rng) % 16) {
	case 9:
	case 10:
		mutate_tcp_field(r, &rng);
		break;
	case 11:
		r->flags = (uint8_t)next_rand(&rng);
		changed = false;
		break;
	case 12: /* the frame again, right after */
		memmove(&recs[k + 1], &recs[k], (n - k) * sizeof(recs[0]));
		n++;
		break;
	case 13:
		if (n > 1) {
			memmove(&recs[k], &recs[k + 1], (n - k - 1) * sizeof(recs[0]));
			n--;
		}
		changed = false;
		break;
	case 14: { /* two frames in the other order */
		size_t j = next_rand(&rng) % n;
		struct rec tmp = recs[j];

		recs[j] = *r;
		*r = tmp;
		changed = false;
		break;
	}
	case 15: /* cut short */
		r->len = r->len ? next_rand(&rng) % r->len : 0;
		break;
	default:
		r->len = bytes_mutate(r->frame, r->len, NET_FRAME_MAX, next_rand(&rng));
		break;
	}
	if (changed && next_rand(&rng) % FIX_ONE_IN != 0)
		net_frames_fix(r->frame, r->len);
	for (size_t i = 0; i < n && out + NET_RECORD_HEADER + recs[i].len <= max; i++) {
		out_buf[out] = recs[i].flags;
		out_buf[out + 1] = (uint8_t)recs[i].len;
		out_buf[out + 2] = (uint8_t)(recs[i].len >> 8);
		memcpy(out_buf + out + NET_RECORD_HEADER, recs[i].frame, recs[i].len);
		out += NET_RECORD_HEADER + recs[i].len;
	}
	memcpy(data, out_buf, out);
	return out;
}
