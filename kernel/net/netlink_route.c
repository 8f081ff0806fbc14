/*
 * NETLINK_ROUTE's answers (carapace/ifinfo.h; README.md, "Interfaces as
 * Linux shows them"): the RTM_GETLINK and RTM_GETADDR dumps musl's
 * getifaddrs and if_nameindex send, answered from a snapshot of the
 * interfaces with the messages Linux's rtnetlink writes (RTM_NEWLINK,
 * RTM_NEWADDR, then NLMSG_DONE). Everything else a request asks answers
 * NLMSG_ERROR -EOPNOTSUPP. The request is the application's: every
 * length in it is checked against the datagram before it is believed.
 * Portable: host tests and fuzzers call it directly.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/ifinfo.h>

/* <linux/netlink.h> and <linux/rtnetlink.h>. */
#define NLMSG_HDRLEN   16
#define NLMSG_ERROR    2
#define NLMSG_DONE     3
#define NLMSG_MIN_TYPE 0x10
#define NLM_F_REQUEST  0x1
#define NLM_F_MULTI    0x2
#define NLM_F_ACK      0x4
#define NLM_F_DUMP     0x300
#define RTM_NEWLINK    16
#define RTM_GETLINK    18
#define RTM_NEWADDR    20
#define RTM_GETADDR    22
#define IFLA_ADDRESS   1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME    3
#define IFLA_MTU       4
#define IFLA_TXQLEN    13
#define IFLA_OPERSTATE 16
#define IFA_ADDRESS    1
#define IFA_LOCAL      2
#define IFA_LABEL      3
#define IFA_BROADCAST  4
#define IFA_FLAGS      8
#define IFA_F_PERMANENT 0x80
#define IFA_F_TENTATIVE 0x40
#define IF_OPER_UP     6
#define AF_UNSPEC_VALUE 0
#define AF_INET_VALUE   2
#define AF_INET6_VALUE  10
#define IFINFOMSG_LEN  16
#define IFADDRMSG_LEN  8

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3)

struct nlhdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

/* The answer being written: fails (and stays failed) once room runs out. */
struct out {
	uint8_t *buf;
	size_t room, len;
	bool full;
};

static uint8_t *take(struct out *o, size_t n)
{
	uint8_t *p;

	if (o->full || ALIGN4(n) > o->room - o->len) {
		o->full = true;
		return NULL;
	}
	p = o->buf + o->len;
	memset(p, 0, ALIGN4(n)); /* attributes end padded to 4 bytes */
	o->len += ALIGN4(n);
	return p;
}

/* Starts a message; its offset, for msg_end to write the length. */
static size_t msg_begin(struct out *o, uint16_t type, uint16_t flags, const struct nlhdr *req,
			uint32_t portid)
{
	size_t at = o->len;
	struct nlhdr h = { 0, type, flags, req->seq, portid };
	uint8_t *p = take(o, NLMSG_HDRLEN);

	if (p)
		memcpy(p, &h, sizeof(h));
	return at;
}

static void msg_end(struct out *o, size_t at)
{
	uint32_t len = (uint32_t)(o->len - at);

	if (!o->full)
		memcpy(o->buf + at, &len, sizeof(len));
}

static void attr(struct out *o, uint16_t type, const void *data, size_t n)
{
	uint16_t hdr[2] = { (uint16_t)(4 + n), type };
	uint8_t *p = take(o, 4 + n);

	if (p) {
		memcpy(p, hdr, sizeof(hdr));
		memcpy(p + 4, data, n);
	}
}

static void attr_u32(struct out *o, uint16_t type, uint32_t v)
{
	attr(o, type, &v, sizeof(v));
}

static void link_msg(struct out *o, const struct net_ifinfo *it, const struct nlhdr *req,
		     uint32_t portid)
{
	size_t at = msg_begin(o, RTM_NEWLINK, NLM_F_MULTI, req, portid);
	uint8_t *ifi = take(o, IFINFOMSG_LEN);
	uint16_t type = (uint16_t)it->type;
	uint32_t flags = it->flags;
	int32_t index = it->index;
	static const uint8_t bcast_ether[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	uint8_t oper;

	if (ifi) {
		/* ifi_family AF_UNSPEC, pad, ifi_type, ifi_index, ifi_flags, ifi_change */
		memcpy(ifi + 2, &type, sizeof(type));
		memcpy(ifi + 4, &index, sizeof(index));
		memcpy(ifi + 8, &flags, sizeof(flags));
	}
	attr(o, IFLA_IFNAME, it->name, strlen(it->name) + 1);
	attr_u32(o, IFLA_TXQLEN, 1000);
	if ((it->flags & (NET_IFF_UP | NET_IFF_RUNNING)) == (NET_IFF_UP | NET_IFF_RUNNING))
		oper = it->type == NET_ARPHRD_LOOPBACK ? 0 : IF_OPER_UP; /* lo: UNKNOWN */
	else
		oper = 2; /* IF_OPER_DOWN */
	attr(o, IFLA_OPERSTATE, &oper, 1);
	attr_u32(o, IFLA_MTU, it->mtu);
	attr(o, IFLA_ADDRESS, it->hwaddr, sizeof(it->hwaddr));
	attr(o, IFLA_BROADCAST, it->type == NET_ARPHRD_ETHER ? bcast_ether : zero, 6);
	msg_end(o, at);
}

static void addr_begin(struct out *o, size_t *at, uint8_t family, uint8_t prefixlen,
		       uint8_t scope, uint8_t flags, const struct net_ifinfo *it,
		       const struct nlhdr *req, uint32_t portid)
{
	uint8_t *ifa;
	uint32_t index = (uint32_t)it->index;

	*at = msg_begin(o, RTM_NEWADDR, NLM_F_MULTI, req, portid);
	if ((ifa = take(o, IFADDRMSG_LEN))) {
		ifa[0] = family;
		ifa[1] = prefixlen;
		ifa[2] = flags;
		ifa[3] = scope;
		memcpy(ifa + 4, &index, sizeof(index));
	}
}

static unsigned prefix_of(uint32_t mask_net_order)
{
	unsigned bits = 0;
	const uint8_t *m = (const uint8_t *)&mask_net_order;

	for (int i = 0; i < 4; i++)
		for (int b = 7; b >= 0 && (m[i] >> b) & 1; b--)
			bits++;
	return bits;
}

static void addr_msgs(struct out *o, const struct net_ifinfo *it, int family,
		      const struct nlhdr *req, uint32_t portid)
{
	size_t at;

	if (it->has_ip4 && (family == AF_UNSPEC_VALUE || family == AF_INET_VALUE)) {
		bool lo = it->type == NET_ARPHRD_LOOPBACK;

		addr_begin(o, &at, AF_INET_VALUE, (uint8_t)prefix_of(it->mask4), lo ? 254 : 0,
			   IFA_F_PERMANENT, it, req, portid);
		attr(o, IFA_ADDRESS, &it->ip4, 4);
		attr(o, IFA_LOCAL, &it->ip4, 4);
		if (it->flags & NET_IFF_BROADCAST) {
			uint32_t b = it->ip4 | ~it->mask4;

			attr(o, IFA_BROADCAST, &b, 4);
		}
		attr(o, IFA_LABEL, it->name, strlen(it->name) + 1);
		attr_u32(o, IFA_FLAGS, IFA_F_PERMANENT);
		msg_end(o, at);
	}
	if (family != AF_UNSPEC_VALUE && family != AF_INET6_VALUE)
		return;
	for (unsigned k = 0; k < it->n_ip6 && k < NET_IFINFO_IP6; k++) {
		uint8_t flags = IFA_F_PERMANENT | (it->ip6[k].tentative ? IFA_F_TENTATIVE : 0);

		addr_begin(o, &at, AF_INET6_VALUE, it->ip6[k].prefixlen, it->ip6[k].scope, flags,
			   it, req, portid);
		attr(o, IFA_ADDRESS, it->ip6[k].addr, 16);
		attr_u32(o, IFA_FLAGS, flags);
		msg_end(o, at);
	}
}

static void done_msg(struct out *o, const struct nlhdr *req, uint32_t portid)
{
	size_t at = msg_begin(o, NLMSG_DONE, NLM_F_MULTI, req, portid);
	take(o, 4); /* the dump's status: 0 (take zeroes it) */
	msg_end(o, at);
}

/* NLMSG_ERROR with error (0: an acknowledgement) and the request's header. */
static void error_msg(struct out *o, int error, const struct nlhdr *req, uint32_t portid)
{
	/* NLM_F_CAPPED: only the header of the request comes back */
	size_t at = msg_begin(o, NLMSG_ERROR, 0x100, req, portid);
	int32_t e = error;
	uint8_t *p = take(o, 4 + NLMSG_HDRLEN);

	if (p) {
		memcpy(p, &e, sizeof(e));
		memcpy(p + 4, req, NLMSG_HDRLEN);
	}
	msg_end(o, at);
}

/* One request message (header checked, len its bytes); its answers. */
static void answer_one(struct out *o, const struct nlhdr *h, const uint8_t *body, size_t blen,
		       uint32_t portid, const struct net_ifinfo *ifs, unsigned n)
{
	int family;

	if (!(h->flags & NLM_F_REQUEST) || h->type < NLMSG_MIN_TYPE)
		return; /* Linux ignores what is not a request, and control messages */
	if (blen < 1)
		return; /* rtnetlink: every message has at least its family byte */
	family = body[0];
	if ((h->type == RTM_GETLINK || h->type == RTM_GETADDR) &&
	    (h->flags & NLM_F_DUMP) == NLM_F_DUMP) {
		for (unsigned i = 0; i < n; i++) {
			if (h->type == RTM_GETLINK)
				link_msg(o, &ifs[i], h, portid);
			else
				addr_msgs(o, &ifs[i], family, h, portid);
		}
		done_msg(o, h, portid);
		return;
	}
	error_msg(o, -EOPNOTSUPP, h, portid);
}

int netlink_route_answer(const uint8_t *req, size_t len, uint32_t portid,
			 const struct net_ifinfo *ifs, unsigned n, uint8_t *out, size_t room,
			 size_t *outlen)
{
	struct out o = { out, room, 0, false };
	size_t at = 0;

	*outlen = 0;
	/* netlink_rcv_skb: a header that does not fit, or says more than
	 * the datagram holds, ends the walk; what came before stands. */
	while (len - at >= NLMSG_HDRLEN) {
		struct nlhdr h;

		memcpy(&h, req + at, sizeof(h));
		if (h.len < NLMSG_HDRLEN || h.len > len - at)
			break;
		answer_one(&o, &h, req + at + NLMSG_HDRLEN, h.len - NLMSG_HDRLEN, portid, ifs, n);
		if (h.flags & NLM_F_ACK)
			error_msg(&o, 0, &h, portid);
		if (o.full)
			return -ENOBUFS;
		at += ALIGN4(h.len) < len - at ? ALIGN4(h.len) : len - at;
	}
	*outlen = o.len;
	return 0;
}
