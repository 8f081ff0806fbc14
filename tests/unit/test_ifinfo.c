/*
 * Tests for the interfaces as Linux shows them (kernel/net/ifreq.c and
 * netlink_route.c): each interface ioctl on a snapshot of lo and eth0
 * (and one interface without an IPv4 address), SIOCGIFCONF's list, the
 * RTM_GETLINK and RTM_GETADDR dumps read back as musl reads them, the
 * NLMSG_ERROR of an unknown request, and malformed requests (short,
 * lying lengths, random bytes) that must end in no answer or a
 * well-formed one, never a read or write out of bounds (ASan watches).
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

#include <carapace/ifinfo.h>

#define NLMSG_ERROR 2
#define NLMSG_DONE  3
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define REQ_DUMP    0x301 /* NLM_F_REQUEST | NLM_F_DUMP */
#define IFLA_IFNAME 3
#define IFA_LOCAL   2
#define IFA_BROADCAST 4

struct nlhdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

static struct net_ifinfo ifs[3];

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	uint8_t bytes[4] = { (uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d };
	uint32_t v;

	memcpy(&v, bytes, 4);
	return v;
}

static int setup(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	(void)state;
	memset(ifs, 0, sizeof(ifs));
	ifs[0] = (struct net_ifinfo){ .index = 1, .name = "lo", .type = NET_ARPHRD_LOOPBACK,
		.mtu = 65536, .flags = NET_IFF_UP | NET_IFF_LOOPBACK | NET_IFF_RUNNING,
		.has_ip4 = true, .ip4 = ip(127, 0, 0, 1), .mask4 = ip(255, 0, 0, 0), .n_ip6 = 1 };
	ifs[0].ip6[0].addr[15] = 1;
	ifs[0].ip6[0].prefixlen = 128;
	ifs[0].ip6[0].scope = 254;
	ifs[1] = (struct net_ifinfo){ .index = 2, .name = "eth0", .type = NET_ARPHRD_ETHER,
		.mtu = 1500, .flags = NET_IFF_UP | NET_IFF_BROADCAST | NET_IFF_RUNNING |
				       NET_IFF_MULTICAST,
		.has_ip4 = true, .ip4 = ip(10, 0, 2, 15), .mask4 = ip(255, 255, 255, 0) };
	memcpy(ifs[1].hwaddr, mac, 6);
	ifs[2] = (struct net_ifinfo){ .index = 3, .name = "eth1", .type = NET_ARPHRD_ETHER,
		.mtu = 1500, .flags = NET_IFF_UP | NET_IFF_BROADCAST | NET_IFF_MULTICAST };
	return 0;
}

static void named(uint8_t req[NET_IFREQ_SIZE], const char *name)
{
	memset(req, 0xa5, NET_IFREQ_SIZE);
	memset(req, 0, NET_IFNAMSIZ);
	memcpy(req, name, strlen(name));
}

static int32_t int_at16(const uint8_t req[NET_IFREQ_SIZE])
{
	int32_t v;

	memcpy(&v, req + 16, 4);
	return v;
}

static void test_ifreq(void **state)
{
	uint8_t req[NET_IFREQ_SIZE];
	uint16_t v16;
	uint32_t a;

	(void)state;
	named(req, "eth0");
	assert_int_equal(net_ifreq(NET_SIOCGIFINDEX, 2, req, ifs, 3), 0);
	assert_int_equal(int_at16(req), 2);
	named(req, "lo");
	assert_int_equal(net_ifreq(NET_SIOCGIFFLAGS, 1, req, ifs, 3), 0);
	memcpy(&v16, req + 16, 2);
	assert_int_equal(v16, 0x49);
	named(req, "eth0");
	assert_int_equal(net_ifreq(NET_SIOCGIFADDR, 2, req, ifs, 3), 0);
	memcpy(&v16, req + 16, 2);
	memcpy(&a, req + 20, 4);
	assert_int_equal(v16, 2);
	assert_int_equal(a, ip(10, 0, 2, 15));
	assert_int_equal(req[32], 0xa5); /* past the sockaddr_in: left as it was */
	assert_int_equal(net_ifreq(NET_SIOCGIFBRDADDR, 2, req, ifs, 3), 0);
	memcpy(&a, req + 20, 4);
	assert_int_equal(a, ip(10, 0, 2, 255));
	assert_int_equal(net_ifreq(NET_SIOCGIFNETMASK, 2, req, ifs, 3), 0);
	memcpy(&a, req + 20, 4);
	assert_int_equal(a, ip(255, 255, 255, 0));
	assert_int_equal(net_ifreq(NET_SIOCGIFHWADDR, 2, req, ifs, 3), 0);
	memcpy(&v16, req + 16, 2);
	assert_int_equal(v16, NET_ARPHRD_ETHER);
	assert_memory_equal(req + 18, ifs[1].hwaddr, 6);
	assert_int_equal(net_ifreq(NET_SIOCGIFMTU, 2, req, ifs, 3), 0);
	assert_int_equal(int_at16(req), 1500);
	/* The address ioctls: AF_INET sockets only; an interface without one. */
	named(req, "lo");
	assert_int_equal(net_ifreq(NET_SIOCGIFADDR, 1, req, ifs, 3), -ENOTTY);
	named(req, "eth1");
	assert_int_equal(net_ifreq(NET_SIOCGIFADDR, 2, req, ifs, 3), -EADDRNOTAVAIL);
	named(req, "nosuchif");
	assert_int_equal(net_ifreq(NET_SIOCGIFFLAGS, 2, req, ifs, 3), -ENODEV);
	/* A name without its NUL: Linux ends it at the 16th byte. */
	memset(req, 'l', NET_IFREQ_SIZE);
	assert_int_equal(net_ifreq(NET_SIOCGIFINDEX, 2, req, ifs, 3), -ENODEV);
	/* SIOCGIFNAME: index to name; an unknown index. */
	memset(req, 0x7f, NET_IFREQ_SIZE);
	a = 2;
	memcpy(req + 16, &a, 4);
	assert_int_equal(net_ifreq(NET_SIOCGIFNAME, 2, req, ifs, 3), 0);
	assert_string_equal((char *)req, "eth0");
	a = 0;
	memcpy(req + 16, &a, 4);
	assert_int_equal(net_ifreq(NET_SIOCGIFNAME, 2, req, ifs, 3), -ENODEV);
	/* Setting: refused, whatever the interface. */
	named(req, "lo");
	assert_int_equal(net_ifreq(0x8914, 2, req, ifs, 3), -EPERM);
	assert_true(net_ifreq_cmd(0x8914));
	assert_false(net_ifreq_cmd(0x541b)); /* FIONREAD: not an interface's */
	assert_int_equal(net_ifreq(NET_SIOCGIFINDEX, 2, req, ifs, 0), -ENODEV);
}

static void test_ifconf(void **state)
{
	uint8_t rec[NET_IFREQ_SIZE];
	uint32_t a;

	(void)state;
	assert_int_equal(net_ifconf_count(ifs, 3), 2); /* eth1 has no IPv4 address */
	assert_true(net_ifconf_entry(1, rec, ifs, 3));
	assert_string_equal((char *)rec, "eth0");
	memcpy(&a, rec + 20, 4);
	assert_int_equal(a, ip(10, 0, 2, 15));
	assert_false(net_ifconf_entry(2, rec, ifs, 3));
}

/* Walks an answer as musl does; counts messages by type, checks bounds. */
struct seen {
	unsigned links, addrs4, addrs6, done, errors, acks;
	int error;
	char names[4][16];
	uint8_t prefix[4];
	bool bcast[4];
};

static void walk(const uint8_t *out, size_t len, uint32_t seq, uint32_t pid, struct seen *s)
{
	size_t at = 0;

	memset(s, 0, sizeof(*s));
	while (at < len) {
		struct nlhdr h;

		assert_true(len - at >= sizeof(h));
		memcpy(&h, out + at, sizeof(h));
		assert_true(h.len >= 16 && h.len <= len - at);
		if (seq != UINT32_MAX) /* UINT32_MAX: any */
			assert_int_equal(h.seq, seq);
		assert_int_equal(h.pid, pid);
		if (h.type == RTM_NEWLINK || h.type == RTM_NEWADDR) {
			size_t body = h.type == RTM_NEWLINK ? 16 : 8, p = at + 16 + body;

			while (p + 4 <= at + h.len) {
				uint16_t alen, type;

				memcpy(&alen, out + p, 2);
				memcpy(&type, out + p + 2, 2);
				assert_true(alen >= 4 && p + alen <= at + h.len);
				if (h.type == RTM_NEWLINK && type == IFLA_IFNAME && s->links < 4)
					memcpy(s->names[s->links], out + p + 4, alen - 4 < 16 ? alen - 4 : 15);
				if (h.type == RTM_NEWADDR && type == IFA_BROADCAST && s->addrs4 < 4)
					s->bcast[s->addrs4] = true;
				p += (alen + 3u) & ~3u;
			}
			if (h.type == RTM_NEWLINK) {
				s->links++;
			} else if (out[at + 16] == 2) {
				if (s->addrs4 < 4)
					s->prefix[s->addrs4] = out[at + 17];
				s->addrs4++;
			} else {
				s->addrs6++;
			}
		} else if (h.type == NLMSG_DONE) {
			s->done++;
		} else if (h.type == NLMSG_ERROR) {
			int32_t e;

			memcpy(&e, out + at + 16, 4);
			if (e)
				s->errors++, s->error = e;
			else
				s->acks++;
		} else {
			fail_msg("message type %u", h.type);
		}
		at += (h.len + 3u) & ~3u;
	}
}

static size_t request(uint8_t *buf, uint16_t type, uint16_t flags, uint32_t seq, uint8_t family)
{
	struct nlhdr h = { 20, type, flags, seq, 0 };

	memset(buf, 0, 20);
	memcpy(buf, &h, sizeof(h));
	buf[16] = family;
	return 20;
}

static uint8_t out[NETLINK_ANSWER_MAX];

static void test_dumps(void **state)
{
	uint8_t req[64];
	size_t len, outlen;
	struct seen s;

	(void)state;
	len = request(req, RTM_GETLINK, REQ_DUMP, 1, 0);
	assert_int_equal(netlink_route_answer(req, len, 77, ifs, 3, out, sizeof(out), &outlen), 0);
	walk(out, outlen, 1, 77, &s);
	assert_int_equal(s.links, 3);
	assert_int_equal(s.done, 1);
	assert_string_equal(s.names[0], "lo");
	assert_string_equal(s.names[1], "eth0");
	len = request(req, RTM_GETADDR, REQ_DUMP, 2, 0);
	assert_int_equal(netlink_route_answer(req, len, 77, ifs, 3, out, sizeof(out), &outlen), 0);
	walk(out, outlen, 2, 77, &s);
	assert_int_equal(s.addrs4, 2);
	assert_int_equal(s.addrs6, 1);
	assert_int_equal(s.prefix[0], 8);
	assert_int_equal(s.prefix[1], 24);
	assert_false(s.bcast[0]); /* lo: no broadcast, as Linux */
	assert_true(s.bcast[1]);
	len = request(req, RTM_GETADDR, REQ_DUMP, 3, 10); /* AF_INET6 only */
	assert_int_equal(netlink_route_answer(req, len, 77, ifs, 3, out, sizeof(out), &outlen), 0);
	walk(out, outlen, 3, 77, &s);
	assert_int_equal(s.addrs4, 0);
	assert_int_equal(s.addrs6, 1);
	/* Two requests in one datagram: both answered. */
	request(req + 20, RTM_GETLINK, REQ_DUMP, 3, 0);
	assert_int_equal(netlink_route_answer(req, 40, 77, ifs, 3, out, sizeof(out), &outlen), 0);
	walk(out, outlen, 3, 77, &s);
	assert_int_equal(s.done, 2);
	/* Not enough room: -ENOBUFS, nothing. */
	assert_int_equal(netlink_route_answer(req, 20, 77, ifs, 3, out, 40, &outlen), -ENOBUFS);
	assert_int_equal(outlen, 0);
}

static void test_refused(void **state)
{
	uint8_t req[64];
	size_t len, outlen;
	struct seen s;
	struct nlhdr h;

	(void)state;
	/* An unknown type, a get that is not a dump: -EOPNOTSUPP; with NLM_F_ACK also an ack. */
	len = request(req, 200, 1, 9, 0);
	assert_int_equal(netlink_route_answer(req, len, 5, ifs, 3, out, sizeof(out), &outlen), 0);
	walk(out, outlen, 9, 5, &s);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.error, -EOPNOTSUPP);
	len = request(req, RTM_GETLINK, 1 | 4, 9, 0);
	assert_int_equal(netlink_route_answer(req, len, 5, ifs, 3, out, sizeof(out), &outlen), 0);
	walk(out, outlen, 9, 5, &s);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.acks, 1);
	/* Ignored, as Linux ignores them: no request flag, a control type, no family byte. */
	len = request(req, RTM_GETLINK, 0x300, 9, 0);
	assert_int_equal(netlink_route_answer(req, len, 5, ifs, 3, out, sizeof(out), &outlen), 0);
	assert_int_equal(outlen, 0);
	len = request(req, NLMSG_DONE, 1, 9, 0);
	assert_int_equal(netlink_route_answer(req, len, 5, ifs, 3, out, sizeof(out), &outlen), 0);
	assert_int_equal(outlen, 0);
	request(req, RTM_GETLINK, REQ_DUMP, 9, 0);
	h.len = 16;
	memcpy(req, &h.len, 4);
	assert_int_equal(netlink_route_answer(req, 16, 5, ifs, 3, out, sizeof(out), &outlen), 0);
	assert_int_equal(outlen, 0);
	/* Malformed headers end the walk: shorter than a header, longer than the datagram. */
	for (uint32_t bad = 0; bad < 16; bad++) {
		request(req, RTM_GETLINK, REQ_DUMP, 9, 0);
		memcpy(req, &bad, 4);
		assert_int_equal(netlink_route_answer(req, 20, 5, ifs, 3, out, sizeof(out), &outlen), 0);
		assert_int_equal(outlen, 0);
	}
	request(req, RTM_GETLINK, REQ_DUMP, 9, 0);
	h.len = 0xffffffffu;
	memcpy(req, &h.len, 4);
	assert_int_equal(netlink_route_answer(req, 20, 5, ifs, 3, out, sizeof(out), &outlen), 0);
	assert_int_equal(outlen, 0);
	request(req, RTM_GETLINK, REQ_DUMP, 9, 0);
	assert_int_equal(netlink_route_answer(req, 19, 5, ifs, 3, out, sizeof(out), &outlen), 0);
	assert_int_equal(outlen, 0);
	assert_int_equal(netlink_route_answer(req, 0, 5, ifs, 3, out, sizeof(out), &outlen), 0);
	assert_int_equal(outlen, 0);
}

/* Random datagrams, some starting from a valid request: never out of
 * bounds (ASan), every answer well-formed. */
static void test_random(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t req[96];
	size_t outlen;
	struct seen s;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len;

		for (size_t i = 0; i < sizeof(req); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			req[i] = (uint8_t)x;
		}
		len = x % sizeof(req);
		if (round % 2) { /* a plausible header, random flags and lengths */
			struct nlhdr h = { (uint32_t)(x >> 8) % 100, (uint16_t)(16 + (x >> 16) % 8),
					   (uint16_t)(x >> 24), 4, 0 };

			memcpy(req, &h, sizeof(h));
		}
		if (netlink_route_answer(req, len, 1, ifs, 3, out, sizeof(out), &outlen) == 0)
			walk(out, outlen, UINT32_MAX, 1, &s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ifreq, setup),
		cmocka_unit_test_setup(test_ifconf, setup),
		cmocka_unit_test_setup(test_dumps, setup),
		cmocka_unit_test_setup(test_refused, setup),
		cmocka_unit_test_setup(test_random, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
