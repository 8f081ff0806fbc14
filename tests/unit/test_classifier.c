/*
 * Tests for the classifier's validation and paths (kernel/net/frame_check.c
 * and classifier.c): one broken frame per rule, each of which must be
 * dropped with its own reason and counted under it (and the table must
 * name every reason there is); well-formed frames of every kind taking
 * the stack's path with the right offsets and flow; frames of open
 * channels landing in them, a full ring and a busy producer falling back
 * to the stack; fragments under both policies; the counters as text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/classifier.h>

#include "frames.h"
#include "host_rcu.h"

static const struct classifier_rcu rcu = {
	host_rcu_read_lock, host_rcu_read_unlock, host_rcu_synchronize,
};

static void init(bool fragments_to_stack)
{
	struct classifier_config cfg = { .key = "0123456789abcdef", .rcu = &rcu,
					 .fragments_to_stack = fragments_to_stack };

	assert_int_equal(classifier_init(&cfg), 0);
}

static int setup(void **state)
{
	(void)state;
	init(false);
	return 0;
}

/* Each maker writes one broken frame into f and returns its length. */
typedef size_t (*make_fn)(uint8_t *f);

static size_t eth_short(uint8_t *f) { fr_arp(f); return FR_ETH - 1; }
static size_t eth_too_long(uint8_t *f) { return fr_udp4(f, 5000, 53, 1500 - FR_IP4 - FR_UDP + 1); }
static size_t eth_src_multicast(uint8_t *f) { size_t n = fr_arp(f); f[6] |= 1; return n; }
static size_t vlan(uint8_t *f) { size_t n = fr_arp(f); fr_put16(f + 12, 0x8100); return n; }
static size_t qinq(uint8_t *f) { size_t n = fr_arp(f); fr_put16(f + 12, 0x88a8); return n; }
static size_t lldp(uint8_t *f) { size_t n = fr_arp(f); fr_put16(f + 12, 0x88cc); return n; }
static size_t llc_length(uint8_t *f) { size_t n = fr_arp(f); fr_put16(f + 12, 46); return n; }
static size_t arp_short(uint8_t *f) { return fr_arp(f) - 1; }
static size_t arp_hlen(uint8_t *f) { size_t n = fr_arp(f); f[FR_ETH + 4] = 8; return n; }
static size_t arp_ptype(uint8_t *f) { size_t n = fr_arp(f); fr_put16(f + FR_ETH + 2, 0x86dd); return n; }
static size_t arp_op(uint8_t *f) { size_t n = fr_arp(f); fr_put16(f + FR_ETH + 6, 3); return n; }

/* Sets an IPv4 header byte and fixes the checksum, so only that rule breaks. */
static size_t ip4_set(uint8_t *f, size_t n, size_t at, uint8_t v)
{
	f[FR_ETH + at] = v;
	fr_ipv4_checksum(f);
	return n;
}

static size_t ip4_short(uint8_t *f) { fr_icmp4_echo(f); return FR_ETH + FR_IP4 - 1; }
static size_t ip4_version(uint8_t *f) { return ip4_set(f, fr_icmp4_echo(f), 0, 0x55); }
static size_t ip4_ihl_small(uint8_t *f) { return ip4_set(f, fr_icmp4_echo(f), 0, 0x44); }
static size_t ip4_ihl_past_frame(uint8_t *f)
{
	size_t n = fr_icmp4_echo(f);

	f[FR_ETH] = 0x4f; /* 60 bytes of header in a 36-byte packet */
	return n;
}
static size_t ip4_total_long(uint8_t *f) { return ip4_set(f, fr_icmp4_echo(f), 3, FR_IP4 + 17); }
static size_t ip4_total_short(uint8_t *f) { return ip4_set(f, fr_icmp4_echo(f), 3, FR_IP4 - 1); }
static size_t ip4_checksum(uint8_t *f) { size_t n = fr_icmp4_echo(f); f[FR_ETH + 10] ^= 1; return n; }
static size_t ip4_src_multicast(uint8_t *f) { return ip4_set(f, fr_icmp4_echo(f), 12, 224); }
static size_t ip4_src_broadcast(uint8_t *f)
{
	size_t n = fr_icmp4_echo(f);

	memset(f + FR_ETH + 12, 0xff, 4);
	fr_ipv4_checksum(f);
	return n;
}
static size_t ip4_gre(uint8_t *f) { return ip4_set(f, fr_icmp4_echo(f), 9, 47); }

/* An IPv4 fragment: offset in bytes (a multiple of 8), more fragments or not. */
static size_t ip4_frag(uint8_t *f, size_t n, unsigned offset, bool more)
{
	fr_put16(f + FR_ETH + 6, (offset / 8) | (more ? 0x2000 : 0));
	fr_ipv4_checksum(f);
	return n;
}

static size_t ip4_frag_overflow(uint8_t *f) { return ip4_frag(f, fr_udp4(f, 5000, 53, 16), 65528, false); }
static size_t ip4_frag_tcp8(uint8_t *f) { return ip4_frag(f, fr_tcp4(f, 5000, 80, FR_TCP_ACK, 8), 8, true); }
static size_t ip4_frag_first(uint8_t *f) { return ip4_frag(f, fr_udp4(f, 5000, 53, 64), 0, true); }
static size_t ip4_frag_later(uint8_t *f) { return ip4_frag(f, fr_udp4(f, 5000, 53, 64), 72, false); }
/* A first fragment too short for its TCP header (RFC 1858's tiny fragment). */
static size_t ip4_frag_tiny(uint8_t *f)
{
	size_t n = fr_tcp4(f, 5000, 80, FR_TCP_SYN, 0);

	fr_put16(f + FR_ETH + 2, FR_IP4 + 8);
	return ip4_frag(f, n, 0, true) - (FR_TCP - 8);
}

/* Sets an IPv4 packet's length to l4len bytes of upper layer. */
static size_t ip4_cut(uint8_t *f, size_t l4len)
{
	fr_put16(f + FR_ETH + 2, (unsigned)(FR_IP4 + l4len));
	fr_ipv4_checksum(f);
	return FR_ETH + FR_IP4 + l4len;
}

static size_t icmp_short(uint8_t *f) { fr_icmp4_echo(f); return ip4_cut(f, 7); }
static size_t igmp_short(uint8_t *f) { fr_icmp4_echo(f); f[FR_ETH + 9] = 2; return ip4_cut(f, 4); }
static size_t tcp_short(uint8_t *f) { fr_tcp4(f, 5000, 80, FR_TCP_ACK, 0); return ip4_cut(f, 19); }
static size_t tcp_doff_small(uint8_t *f) { size_t n = fr_tcp4(f, 5000, 80, FR_TCP_ACK, 0); f[46] = 4 << 4; return n; }
static size_t tcp_doff_past(uint8_t *f) { size_t n = fr_tcp4(f, 5000, 80, FR_TCP_ACK, 8); f[46] = 8 << 4; return n; }

/* A TCP header with 4 bytes of options opt. */
static size_t tcp_opts(uint8_t *f, const uint8_t opt[4])
{
	size_t n = fr_tcp4(f, 5000, 80, FR_TCP_ACK, 4);

	f[46] = 6 << 4;
	memcpy(f + FR_ETH + FR_IP4 + FR_TCP, opt, 4);
	return n;
}

static size_t tcp_opt_mss_len(uint8_t *f) { return tcp_opts(f, (const uint8_t[]){ 2, 3, 5, 0 }); }
static size_t tcp_opt_len1(uint8_t *f) { return tcp_opts(f, (const uint8_t[]){ 1, 1, 30, 1 }); }
static size_t tcp_opt_past(uint8_t *f) { return tcp_opts(f, (const uint8_t[]){ 1, 1, 30, 6 }); }
static size_t tcp_opt_no_len(uint8_t *f) { return tcp_opts(f, (const uint8_t[]){ 1, 1, 1, 8 }); }
static size_t tcp_syn_fin(uint8_t *f) { return fr_tcp4(f, 5000, 80, FR_TCP_SYN | FR_TCP_FIN, 0); }
static size_t tcp_syn_rst(uint8_t *f) { return fr_tcp4(f, 5000, 80, FR_TCP_SYN | FR_TCP_RST, 0); }
static size_t tcp_sport0(uint8_t *f) { return fr_tcp4(f, 0, 80, FR_TCP_SYN, 0); }
static size_t tcp_dport0(uint8_t *f) { return fr_tcp4(f, 5000, 0, FR_TCP_ACK, 0); }
static size_t udp_short(uint8_t *f) { fr_udp4(f, 5000, 53, 0); return ip4_cut(f, 7); }
static size_t udp_len_long(uint8_t *f) { size_t n = fr_udp4(f, 5000, 53, 4); f[39] = 13; return n; }
static size_t udp_len_small(uint8_t *f) { size_t n = fr_udp4(f, 5000, 53, 4); f[39] = 7; return n; }
static size_t udp_dport0(uint8_t *f) { return fr_udp4(f, 5000, 0, 4); }

static size_t ip6_short(uint8_t *f) { fr_icmp6_echo(f); return FR_ETH + FR_IP6 - 1; }
static size_t ip6_version(uint8_t *f) { size_t n = fr_icmp6_echo(f); f[FR_ETH] = 0x40; return n; }
static size_t ip6_payload_long(uint8_t *f) { size_t n = fr_icmp6_echo(f); f[FR_ETH + 5] = 9; return n; }
static size_t ip6_src_multicast(uint8_t *f) { size_t n = fr_icmp6_echo(f); f[FR_ETH + 8] = 0xff; return n; }
static size_t ip6_no_next(uint8_t *f) { return fr_ipv6(f, 59, 0); }
static size_t ip6_esp(uint8_t *f) { size_t n = fr_icmp6_echo(f); f[FR_ETH + 6] = 50; return n; }
static size_t icmp6_short(uint8_t *f) { fr_icmp6_echo(f); f[FR_ETH + 5] = 7; return FR_ETH + FR_IP6 + 7; }

/*
 * An IPv6 packet with extension headers of the given types (8 bytes each;
 * a Fragment header carries frag_field), then 8 bytes of UDP.
 */
static size_t ip6_ext(uint8_t *f, const uint8_t *types, size_t count, unsigned frag_field)
{
	size_t off = fr_ipv6(f, count ? types[0] : 17, count * 8 + FR_UDP);

	for (size_t i = 0; i < count; i++, off += 8) {
		memset(f + off, 0, 8);
		f[off] = i + 1 < count ? types[i + 1] : 17;
		if (types[i] == 44)
			fr_put16(f + off + 2, frag_field);
		if (types[i] == 43)
			f[off + 2] = 2; /* routing type 2, not the deprecated 0 */
	}
	fr_udp_header(f + off, 5000, 53, FR_UDP);
	return off + FR_UDP;
}

static size_t ip6_hbh_late(uint8_t *f) { return ip6_ext(f, (const uint8_t[]){ 60, 0 }, 2, 0); }
static size_t ip6_ext_past(uint8_t *f) { size_t n = ip6_ext(f, (const uint8_t[]){ 60 }, 1, 0); f[FR_ETH + FR_IP6 + 1] = 2; return n; }
static size_t ip6_routing0(uint8_t *f) { size_t n = ip6_ext(f, (const uint8_t[]){ 43 }, 1, 0); f[FR_ETH + FR_IP6 + 2] = 0; return n; }
static size_t ip6_two_frag(uint8_t *f) { return ip6_ext(f, (const uint8_t[]){ 44, 44 }, 2, 1); }
static size_t ip6_ext_cut(uint8_t *f) { size_t n = ip6_ext(f, (const uint8_t[]){ 0 }, 1, 0); f[FR_ETH + 4] = 0; f[FR_ETH + 5] = 4; return n - 12; }
static size_t ip6_too_many(uint8_t *f)
{
	static const uint8_t dst9[9] = { 60, 60, 60, 60, 60, 60, 60, 60, 60 };

	return ip6_ext(f, dst9, 9, 0);
}
static size_t ip6_frag_overflow(uint8_t *f) { return ip6_ext(f, (const uint8_t[]){ 44 }, 1, 0xfff8); }
static size_t ip6_frag_first(uint8_t *f) { return ip6_ext(f, (const uint8_t[]){ 44 }, 1, 1); }
static size_t ip6_frag_later(uint8_t *f) { return ip6_ext(f, (const uint8_t[]){ 44 }, 1, 8 << 3); }
static size_t ip6_frag_tiny(uint8_t *f) { size_t n = ip6_ext(f, (const uint8_t[]){ 44 }, 1, 1); f[FR_ETH + 5] = 8 + 4; return n - 4; }
static size_t tcp6_bad_doff(uint8_t *f) { size_t n = fr_tcp6(f, 5000, 80, FR_TCP_ACK, 0); f[FR_ETH + FR_IP6 + 12] = 3 << 4; return n; }
static size_t udp6_len(uint8_t *f) { size_t n = fr_udp6(f, 5000, 53, 4); f[FR_ETH + FR_IP6 + 5] = 40; return n; }

static const struct drop_case {
	const char *name;
	make_fn make;
	enum classify_drop reason;
} drop_cases[] = {
#define DROP(fn, reason) { #fn, fn, CLASSIFY_DROP_##reason }
	DROP(eth_short, ETH_SHORT),
	DROP(eth_too_long, ETH_TOO_LONG),
	DROP(eth_src_multicast, ETH_SRC_MULTICAST),
	DROP(vlan, VLAN_TAGGED),
	DROP(qinq, VLAN_TAGGED),
	DROP(lldp, ETHERTYPE_UNSUPPORTED),
	DROP(llc_length, ETHERTYPE_UNSUPPORTED),
	DROP(arp_short, ARP_SHORT),
	DROP(arp_hlen, ARP_BAD_HEADER),
	DROP(arp_ptype, ARP_BAD_HEADER),
	DROP(arp_op, ARP_BAD_OP),
	DROP(ip4_short, IPV4_SHORT),
	DROP(ip4_version, IPV4_BAD_VERSION),
	DROP(ip4_ihl_small, IPV4_BAD_IHL),
	DROP(ip4_ihl_past_frame, IPV4_BAD_IHL),
	DROP(ip4_total_long, IPV4_BAD_TOTAL_LENGTH),
	DROP(ip4_total_short, IPV4_BAD_TOTAL_LENGTH),
	DROP(ip4_checksum, IPV4_BAD_CHECKSUM),
	DROP(ip4_src_multicast, IP_BAD_SOURCE),
	DROP(ip4_src_broadcast, IP_BAD_SOURCE),
	DROP(ip4_gre, IP_PROTOCOL_UNSUPPORTED),
	DROP(ip4_frag_overflow, IP_BAD_FRAGMENT),
	DROP(ip4_frag_tcp8, IP_BAD_FRAGMENT),
	DROP(ip4_frag_first, IP_FRAGMENT),
	DROP(ip4_frag_later, IP_FRAGMENT),
	DROP(ip4_frag_tiny, TCP_SHORT),
	DROP(icmp_short, ICMP_SHORT),
	DROP(igmp_short, IGMP_SHORT),
	DROP(tcp_short, TCP_SHORT),
	DROP(tcp_doff_small, TCP_BAD_DATA_OFFSET),
	DROP(tcp_doff_past, TCP_BAD_DATA_OFFSET),
	DROP(tcp_opt_mss_len, TCP_BAD_OPTIONS),
	DROP(tcp_opt_len1, TCP_BAD_OPTIONS),
	DROP(tcp_opt_past, TCP_BAD_OPTIONS),
	DROP(tcp_opt_no_len, TCP_BAD_OPTIONS),
	DROP(tcp_syn_fin, TCP_BAD_FLAGS),
	DROP(tcp_syn_rst, TCP_BAD_FLAGS),
	DROP(tcp_sport0, PORT_ZERO),
	DROP(tcp_dport0, PORT_ZERO),
	DROP(udp_short, UDP_SHORT),
	DROP(udp_len_long, UDP_BAD_LENGTH),
	DROP(udp_len_small, UDP_BAD_LENGTH),
	DROP(udp_dport0, PORT_ZERO),
	DROP(ip6_short, IPV6_SHORT),
	DROP(ip6_version, IPV6_BAD_VERSION),
	DROP(ip6_payload_long, IPV6_BAD_PAYLOAD_LENGTH),
	DROP(ip6_src_multicast, IP_BAD_SOURCE),
	DROP(ip6_no_next, IP_PROTOCOL_UNSUPPORTED),
	DROP(ip6_esp, IP_PROTOCOL_UNSUPPORTED),
	DROP(icmp6_short, ICMPV6_SHORT),
	DROP(ip6_hbh_late, IPV6_BAD_EXT_HEADER),
	DROP(ip6_ext_past, IPV6_BAD_EXT_HEADER),
	DROP(ip6_routing0, IPV6_BAD_EXT_HEADER),
	DROP(ip6_two_frag, IPV6_BAD_EXT_HEADER),
	DROP(ip6_ext_cut, IPV6_BAD_EXT_HEADER),
	DROP(ip6_too_many, IPV6_TOO_MANY_EXT_HEADERS),
	DROP(ip6_frag_overflow, IP_BAD_FRAGMENT),
	DROP(ip6_frag_first, IP_FRAGMENT),
	DROP(ip6_frag_later, IP_FRAGMENT),
	DROP(ip6_frag_tiny, UDP_SHORT),
	DROP(tcp6_bad_doff, TCP_BAD_DATA_OFFSET),
	DROP(udp6_len, UDP_BAD_LENGTH),
#undef DROP
};
#define NCASES (sizeof(drop_cases) / sizeof(drop_cases[0]))

/* Each case alone: its reason, counted once under it and nowhere else. */
static void test_every_drop_reason(void **state)
{
	static uint8_t f[FR_MAX];
	bool seen[CLASSIFY_DROP_COUNT] = { false };
	struct classifier_counters c;
	struct classify_result res;

	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct drop_case *dc = &drop_cases[i];
		size_t len;

		init(false);
		memset(f, 0, sizeof(f));
		len = dc->make(f);
		if (classify(f, len, f, &res) != CLASSIFY_DROP || res.reason != dc->reason)
			fail_msg("%s: verdict %d reason %s, expected drop %s", dc->name,
				 res.verdict, classify_drop_name(res.reason),
				 classify_drop_name(dc->reason));
		assert_int_equal(res.path, CLASSIFY_PATH_DROP);
		assert_null(res.channel);
		classifier_counters_read(&c);
		assert_int_equal(c.frames, 1);
		assert_int_equal(c.paths[CLASSIFY_PATH_DROP], 1);
		for (int r = 0; r < CLASSIFY_DROP_COUNT; r++)
			assert_int_equal(c.drops[r], r == (int)dc->reason);
		seen[dc->reason] = true;
	}
	for (int r = 0; r < CLASSIFY_DROP_COUNT; r++)
		if (!seen[r])
			fail_msg("no case for drop reason %s", classify_drop_name(r));
}

/* Every prefix of a valid frame: a drop, never a read past the end (ASan). */
static void test_every_truncation_dropped(void **state)
{
	static const make_fn valid[] = { fr_arp, fr_icmp4_echo, fr_icmp6_echo };
	uint8_t f[FR_MAX];
	struct classify_result res;

	(void)state;
	for (size_t v = 0; v < sizeof(valid) / sizeof(valid[0]); v++) {
		size_t len = valid[v](f);

		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *copy = test_malloc(cut ? cut : 1);

			memcpy(copy, f, cut);
			assert_int_equal(classify(copy, cut, NULL, &res), CLASSIFY_DROP);
			test_free(copy);
		}
		assert_int_equal(classify(f, len, NULL, &res), CLASSIFY_STACK);
	}
}

static size_t tcp4_syn(uint8_t *f) { return fr_tcp4(f, 5000, 80, FR_TCP_SYN, 0); }
static size_t tcp4_ack_data(uint8_t *f) { return fr_tcp4(f, 5000, 80, FR_TCP_ACK | FR_TCP_PSH, 100); }
static size_t udp4_dns(uint8_t *f) { return fr_udp4(f, 5000, 53, 30); }
static size_t tcp6_syn(uint8_t *f) { return fr_tcp6(f, 5000, 80, FR_TCP_SYN, 0); }
static size_t udp6_dns(uint8_t *f) { return fr_udp6(f, 5000, 53, 30); }
static size_t arp_padded(uint8_t *f) { fr_arp(f); return 60; }
static size_t icmp4_padded(uint8_t *f) { fr_icmp4_echo(f); return 64; }
static size_t tcp4_options(uint8_t *f)
{
	static const uint8_t opt[20] = { 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1,
					 0, 0, 0, 2 };
	size_t n = fr_tcp4(f, 5000, 80, FR_TCP_SYN, 20);

	f[46] = 10 << 4;
	memcpy(f + FR_ETH + FR_IP4 + FR_TCP, opt, sizeof(opt));
	return n;
}
static size_t ip6_exts_ok(uint8_t *f) { return ip6_ext(f, (const uint8_t[]){ 0, 60, 43, 60 }, 4, 0); }
static size_t ip4_options_ok(uint8_t *f)
{
	size_t off = fr_ipv4(f, 1, 16 + 4);

	/* IHL 6: four bytes of options (NOPs), then the ICMP message. */
	f[FR_ETH] = 0x46;
	fr_put16(f + FR_ETH + 2, FR_IP4 + 4 + 16);
	memset(f + off, 1, 4);
	memset(f + off + 4, 0, 16);
	f[off + 4] = 8;
	fr_ipv4_checksum(f);
	return off + 4 + 16;
}

static const struct valid_case {
	const char *name;
	make_fn make;
	uint16_t ethertype;
	uint8_t protocol;
	size_t l4_offset, packet_end;
	bool has_flow;
} valid_cases[] = {
	{ "arp", fr_arp, 0x0806, 0, 0, 42, false },
	{ "arp padded", arp_padded, 0x0806, 0, 0, 42, false },
	{ "icmp echo", fr_icmp4_echo, 0x0800, 1, 34, 50, false },
	{ "icmp padded", icmp4_padded, 0x0800, 1, 34, 50, false },
	{ "ipv4 options", ip4_options_ok, 0x0800, 1, 38, 54, false },
	{ "tcp syn", tcp4_syn, 0x0800, 6, 34, 54, true },
	{ "tcp options", tcp4_options, 0x0800, 6, 34, 74, true },
	{ "tcp data", tcp4_ack_data, 0x0800, 6, 34, 154, true },
	{ "udp", udp4_dns, 0x0800, 17, 34, 72, true },
	{ "icmpv6 echo", fr_icmp6_echo, 0x86dd, 58, 54, 62, false },
	{ "tcp6 syn", tcp6_syn, 0x86dd, 6, 54, 74, true },
	{ "udp6", udp6_dns, 0x86dd, 17, 54, 92, true },
	{ "ipv6 extension headers", ip6_exts_ok, 0x86dd, 17, 86, 94, true },
};

static void test_valid_frames_take_the_stack(void **state)
{
	uint8_t f[FR_MAX];
	struct classify_result res;

	(void)state;
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *vc = &valid_cases[i];
		size_t len;

		memset(f, 0, sizeof(f));
		len = vc->make(f);
		if (classify(f, len, f, &res) != CLASSIFY_STACK)
			fail_msg("%s: verdict %d, reason %s", vc->name, res.verdict,
				 classify_drop_name(res.reason));
		assert_int_equal(res.path, CLASSIFY_PATH_STACK);
		assert_int_equal(res.ethertype, vc->ethertype);
		assert_int_equal(res.protocol, vc->protocol);
		if (vc->l4_offset)
			assert_int_equal(res.l4_offset, vc->l4_offset);
		assert_int_equal(res.packet_end, vc->packet_end);
		assert_int_equal(res.has_flow, vc->has_flow);
		assert_false(res.fragment);
		if (vc->has_flow) {
			bool v4 = vc->ethertype == 0x0800;

			assert_int_equal(res.flow.family, v4 ? FLOW_IPV4 : FLOW_IPV6);
			assert_int_equal(res.flow.protocol, vc->protocol);
			assert_int_equal(res.flow.remote_port, 5000);
			assert_int_equal(res.flow.local_port, vc->protocol == 6 ? 80 : 53);
			assert_memory_equal(res.flow.local_addr, v4 ? fr_guest4 : fr_guest6, v4 ? 4 : 16);
			assert_memory_equal(res.flow.remote_addr, v4 ? fr_peer4 : fr_peer6, v4 ? 4 : 16);
		}
	}
}

/* fragments_to_stack: valid fragments reach the stack, bad ones still drop. */
static void test_fragments_to_stack(void **state)
{
	static const make_fn frags[] = { ip4_frag_first, ip4_frag_later, ip6_frag_first,
					 ip6_frag_later };
	uint8_t f[FR_MAX];
	struct classify_result res;

	(void)state;
	init(true);
	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		size_t len = frags[i](f);

		assert_int_equal(classify(f, len, f, &res), CLASSIFY_STACK);
		assert_true(res.fragment);
		assert_false(res.has_flow);
	}
	assert_int_equal(classify(f, ip4_frag_overflow(f), f, &res), CLASSIFY_DROP);
	assert_int_equal(res.reason, CLASSIFY_DROP_IP_BAD_FRAGMENT);
	assert_int_equal(classify(f, ip4_frag_tiny(f), f, &res), CLASSIFY_DROP);
	assert_int_equal(classify(f, ip6_frag_tiny(f), f, &res), CLASSIFY_DROP);
}

static void test_mtu(void **state)
{
	struct classifier_config cfg = { .mtu = 9000 };
	uint8_t f[FR_MAX];
	struct classify_result res;
	size_t len = fr_udp4(f, 5000, 53, 1600);

	(void)state;
	assert_int_equal(classify(f, len, f, &res), CLASSIFY_DROP);
	assert_int_equal(res.reason, CLASSIFY_DROP_ETH_TOO_LONG);
	assert_int_equal(classifier_init(&cfg), 0);
	assert_int_equal(classify(f, len, f, &res), CLASSIFY_STACK);
	cfg.mtu = 67;
	assert_int_equal(classifier_init(&cfg), -EINVAL);
	cfg.mtu = 65536;
	assert_int_equal(classifier_init(&cfg), -EINVAL);
}

static struct flow_key flow4(uint8_t protocol, uint16_t local_port, uint16_t remote_port)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = FLOW_IPV4;
	k.protocol = protocol;
	k.local_port = local_port;
	k.remote_port = remote_port;
	memcpy(k.local_addr, fr_guest4, 4);
	if (remote_port)
		memcpy(k.remote_addr, fr_peer4, 4);
	return k;
}

static int wakes;
static void count_wake(struct channel *ch)
{
	assert_non_null(ch);
	wakes++;
}

/* TCP without SYN, FIN, RST to the channel; those three to the stack. */
static void test_tcp_channel(void **state)
{
	struct flow_key key = flow4(FLOW_TCP, 80, 5000);
	struct channel ch;
	void *slots[4], *got;
	uint8_t f[FR_MAX];
	struct classify_result res;
	static const unsigned to_stack[] = { FR_TCP_SYN, FR_TCP_SYN | FR_TCP_ACK, FR_TCP_FIN | FR_TCP_ACK,
					     FR_TCP_RST };

	(void)state;
	wakes = 0;
	init(true);
	assert_int_equal(channel_open(&ch, &key, slots, 4, count_wake, &key), 0);
	assert_int_equal(classify(f, fr_tcp4(f, 5000, 80, FR_TCP_ACK, 10), f, &res), CLASSIFY_CHANNEL);
	assert_int_equal(res.path, CLASSIFY_PATH_CHANNEL);
	assert_ptr_equal(res.channel, &ch);
	assert_ptr_equal(res.channel->owner, &key);
	assert_int_equal(wakes, 1);
	assert_true(channel_pop(&ch, &got));
	assert_ptr_equal(got, f);
	assert_false(channel_pop(&ch, &got));
	for (size_t i = 0; i < sizeof(to_stack) / sizeof(to_stack[0]); i++)
		assert_int_equal(classify(f, fr_tcp4(f, 5000, 80, to_stack[i], 0), f, &res),
				 CLASSIFY_STACK);
	/* Another port, another address: not this flow. */
	assert_int_equal(classify(f, fr_tcp4(f, 5001, 80, FR_TCP_ACK, 0), f, &res), CLASSIFY_STACK);
	fr_tcp4(f, 5000, 80, FR_TCP_ACK, 0);
	f[FR_ETH + 15] = 3;
	fr_ipv4_checksum(f);
	assert_int_equal(classify(f, 54, f, &res), CLASSIFY_STACK);
	/* A fragment of the flow never goes to the channel. */
	assert_int_equal(classify(f, ip4_frag(f, fr_tcp4(f, 5000, 80, FR_TCP_ACK, 8), 0, true), f, &res),
			 CLASSIFY_STACK);
	assert_int_equal(wakes, 1);
	assert_int_equal(channel_close(&ch), 0);
	assert_int_equal(classify(f, fr_tcp4(f, 5000, 80, FR_TCP_ACK, 10), f, &res), CLASSIFY_STACK);
}

/* UDP: the exact flow first, then the bound port with any remote. */
static void test_udp_channels(void **state)
{
	struct flow_key exact = flow4(FLOW_UDP, 53, 5000), bound = flow4(FLOW_UDP, 53, 0),
			any = flow4(FLOW_UDP, 53, 0), key6;
	struct channel ch_exact, ch_bound, ch_any, ch6;
	void *s1[2], *s2[2], *s3[2], *s4[2], *got;
	uint8_t f[FR_MAX];
	struct classify_result res;

	(void)state;
	memset(any.local_addr, 0, 16);
	memset(&key6, 0, sizeof(key6));
	key6.family = FLOW_IPV6;
	key6.protocol = FLOW_UDP;
	key6.local_port = 53;
	assert_int_equal(channel_open(&ch_any, &any, s3, 2, NULL, NULL), 0);
	assert_int_equal(classify(f, fr_udp4(f, 5000, 53, 4), f, &res), CLASSIFY_CHANNEL);
	assert_ptr_equal(res.channel, &ch_any);
	assert_int_equal(channel_open(&ch_bound, &bound, s2, 2, NULL, NULL), 0);
	assert_int_equal(classify(f, fr_udp4(f, 5000, 53, 4), f, &res), CLASSIFY_CHANNEL);
	assert_ptr_equal(res.channel, &ch_bound);
	assert_int_equal(channel_open(&ch_exact, &exact, s1, 2, NULL, NULL), 0);
	assert_int_equal(classify(f, fr_udp4(f, 5000, 53, 4), f, &res), CLASSIFY_CHANNEL);
	assert_ptr_equal(res.channel, &ch_exact);
	assert_int_equal(classify(f, fr_udp4(f, 5001, 53, 4), f, &res), CLASSIFY_CHANNEL);
	assert_ptr_equal(res.channel, &ch_bound);
	/* IPv6 to the same port: only an IPv6 channel takes it. */
	assert_int_equal(classify(f, fr_udp6(f, 5000, 53, 4), f, &res), CLASSIFY_STACK);
	assert_int_equal(channel_open(&ch6, &key6, s4, 2, NULL, NULL), 0);
	assert_int_equal(classify(f, fr_udp6(f, 5000, 53, 4), f, &res), CLASSIFY_CHANNEL);
	assert_ptr_equal(res.channel, &ch6);
	assert_int_equal(channel_close(&ch_exact), 0);
	assert_int_equal(channel_close(&ch_bound), 0);
	assert_int_equal(channel_close(&ch_any), 0);
	assert_int_equal(channel_close(&ch6), 0);
	assert_true(channel_pop(&ch_any, &got));
	assert_int_equal(classify(f, fr_udp4(f, 5000, 53, 4), f, &res), CLASSIFY_STACK);
}

/*
 * A UDP channel bound to the port on any address: a TCP frame to that port
 * never matches it, nor does a UDP datagram to a group MAC (broadcast,
 * multicast: the stack's); the exact flow still wins over it.
 */
static void test_udp_wildcard_limits(void **state)
{
	struct flow_key any = flow4(FLOW_UDP, 53, 0), exact = flow4(FLOW_UDP, 53, 5000);
	struct channel ch_any, ch_exact;
	void *s1[4], *s2[4];
	uint8_t f[FR_MAX];
	struct classify_result res;
	size_t len;

	(void)state;
	memset(any.local_addr, 0, 16);
	assert_int_equal(channel_open(&ch_any, &any, s1, 4, NULL, NULL), 0);
	assert_int_equal(classify(f, fr_tcp4(f, 5000, 53, FR_TCP_ACK, 4), f, &res), CLASSIFY_STACK);
	assert_int_equal(res.path, CLASSIFY_PATH_STACK);
	len = fr_udp4(f, 5000, 53, 4);
	f[0] = 0xff, f[1] = 0xff, f[2] = 0xff, f[3] = 0xff, f[4] = 0xff, f[5] = 0xff;
	assert_int_equal(classify(f, len, f, &res), CLASSIFY_STACK);
	f[0] = 0x01, f[1] = 0x00, f[2] = 0x5e; /* an IPv4 multicast MAC */
	assert_int_equal(classify(f, len, f, &res), CLASSIFY_STACK);
	assert_int_equal(classify(f, fr_udp4(f, 5000, 53, 4), f, &res), CLASSIFY_CHANNEL);
	assert_ptr_equal(res.channel, &ch_any);
	assert_int_equal(channel_open(&ch_exact, &exact, s2, 4, NULL, NULL), 0);
	assert_int_equal(classify(f, fr_udp4(f, 5000, 53, 4), f, &res), CLASSIFY_CHANNEL);
	assert_ptr_equal(res.channel, &ch_exact);
	assert_int_equal(classify(f, fr_udp4(f, 5002, 53, 4), f, &res), CLASSIFY_CHANNEL);
	assert_ptr_equal(res.channel, &ch_any);
	assert_int_equal(channel_close(&ch_exact), 0);
	assert_int_equal(channel_close(&ch_any), 0);
}

/* A full ring and a busy producer: the stack instead, counted as such. */
static void test_full_and_busy(void **state)
{
	struct flow_key key = flow4(FLOW_UDP, 53, 5000);
	struct channel ch;
	void *slots[2], *got;
	uint8_t f[FR_MAX];
	struct classify_result res;
	struct classifier_counters c;
	size_t len = fr_udp4(f, 5000, 53, 4);

	(void)state;
	assert_int_equal(channel_open(&ch, &key, slots, 2, NULL, NULL), 0);
	assert_int_equal(classify(f, len, (void *)1, &res), CLASSIFY_CHANNEL);
	assert_int_equal(classify(f, len, (void *)2, &res), CLASSIFY_CHANNEL);
	assert_int_equal(classify(f, len, (void *)3, &res), CLASSIFY_STACK);
	assert_int_equal(res.path, CLASSIFY_PATH_CHANNEL_FULL);
	assert_null(res.channel);
	assert_true(channel_pop(&ch, &got));
	assert_ptr_equal(got, (void *)1);
	ch.producing = 1; /* as while another CPU pushes */
	assert_int_equal(classify(f, len, (void *)4, &res), CLASSIFY_STACK);
	assert_int_equal(res.path, CLASSIFY_PATH_CHANNEL_BUSY);
	ch.producing = 0;
	assert_int_equal(classify(f, len, (void *)5, &res), CLASSIFY_CHANNEL);
	assert_true(channel_pop(&ch, &got));
	assert_ptr_equal(got, (void *)2);
	assert_true(channel_pop(&ch, &got));
	assert_ptr_equal(got, (void *)5);
	assert_false(channel_pop(&ch, &got));
	classifier_counters_read(&c);
	assert_int_equal(c.frames, 5);
	assert_int_equal(c.paths[CLASSIFY_PATH_CHANNEL], 3);
	assert_int_equal(c.paths[CLASSIFY_PATH_CHANNEL_FULL], 1);
	assert_int_equal(c.paths[CLASSIFY_PATH_CHANNEL_BUSY], 1);
	assert_int_equal(c.channels_open, 1);
	assert_int_equal(classifier_init(&(struct classifier_config){ .mtu = 0 }), -EBUSY);
	assert_int_equal(channel_close(&ch), 0);
	assert_int_equal(channel_close(&ch), -ENOENT);
}

static void test_counters_text(void **state)
{
	uint8_t f[FR_MAX];
	struct classify_result res;
	char text[CLASSIFIER_COUNTERS_TEXT_MAX], small[20];
	int len, lines = 0;

	(void)state;
	classify(f, fr_arp(f), f, &res);
	classify(f, tcp_syn_fin(f), f, &res);
	classify(f, tcp_syn_fin(f), f, &res);
	len = classifier_counters_format(text, sizeof(text));
	assert_true(len > 0 && len < (int)sizeof(text));
	assert_int_equal(strlen(text), (size_t)len);
	assert_non_null(strstr(text, "frames 3\n"));
	assert_non_null(strstr(text, "\npath-stack 1\n"));
	assert_non_null(strstr(text, "\npath-drop 2\n"));
	assert_non_null(strstr(text, "\ndrop-tcp-bad-flags 2\n"));
	assert_non_null(strstr(text, "\ndrop-eth-short 0\n"));
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2 + CLASSIFY_PATH_COUNT + CLASSIFY_DROP_COUNT + CHANNEL_DROP_COUNT);
	/* A reader's drops: their own lines, after the classifier's. */
	classifier_count_channel_drop(CHANNEL_DROP_UDP_BAD_CHECKSUM);
	classifier_count_channel_drop(CHANNEL_DROP_COUNT); /* ignored */
	classifier_counters_format(text, sizeof(text));
	assert_non_null(strstr(text, "\nchannel-drop-udp-bad-checksum 1\n"));
	assert_non_null(strstr(text, "\nchannel-drop-udp-not-peer 0\n"));
	assert_non_null(strstr(text, "frames 3\n"));
	len = classifier_counters_format(text, sizeof(text));
	assert_int_equal(classifier_counters_format(small, sizeof(small)), len);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, text, sizeof(small) - 1);
	assert_int_equal(classifier_counters_format(NULL, 0), len);
	assert_string_equal(classify_drop_name(CLASSIFY_DROP_COUNT), "unknown");
	assert_string_equal(classify_path_name(CLASSIFY_PATH_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_drop_reason, setup),
		cmocka_unit_test_setup(test_every_truncation_dropped, setup),
		cmocka_unit_test_setup(test_valid_frames_take_the_stack, setup),
		cmocka_unit_test_setup(test_fragments_to_stack, setup),
		cmocka_unit_test_setup(test_mtu, setup),
		cmocka_unit_test_setup(test_tcp_channel, setup),
		cmocka_unit_test_setup(test_udp_channels, setup),
		cmocka_unit_test_setup(test_udp_wildcard_limits, setup),
		cmocka_unit_test_setup(test_full_and_busy, setup),
		cmocka_unit_test_setup(test_counters_text, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
