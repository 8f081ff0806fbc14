/*
 * Net channels for UDP sockets (README.md, "Net channels"): a bound socket's
 * datagrams reach its ring from the driver (its interrupt handler, often),
 * and the socket's reader takes each one straight from the frame: no trip
 * through lwIP's thread, no netbuf, no lwIP input at all. The classifier
 * validated every header; this file checks what only the host knows (the
 * destination is this interface's address, the peer is the connected one)
 * and the UDP checksum, then hands the payload's place in the frame and
 * the source address to the socket (inet_socket.c), which copies the bytes
 * to the application.
 *
 * A frame this fast path does not take (IPv6 with extension headers, a
 * destination that is not plainly the interface's address) goes through
 * lwIP's input in the reader's thread, under the core lock, as a TCP
 * channel's frames do: lwIP then decides, and a datagram it accepts waits
 * in the netconn's mailbox, where the socket looks next.
 *
 * Kernel only. The socket's lock makes the reader the ring's one consumer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/l4_csum.h>
#include <carapace/wire.h>

#include <lwip/api.h>
#include <lwip/ip4.h>
#include <lwip/ip6.h>
#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>
#include <netif/ethernet.h>

#include "inet_channel.h"
#include "net_impl.h"

/*
 * Datagrams a socket's ring holds before the next ones go to lwIP's
 * thread (path-channel-full) and wait in the netconn's mailbox (64). A
 * server answering 16 clients has at most 16 requests waiting; a burst
 * past 256 still arrives, the slow way.
 */
#define UDP_CHANNEL_SLOTS 256


/*
 * The address a connected socket bound to the any address sends from, as
 * Linux fills it in at connect: the routed interface's (IPv6: the source
 * lwIP would pick). Under lwIP's core lock.
 */
static bool route_source(const ip_addr_t *remote, ip_addr_t *local)
{
	struct netif *n;
	const ip_addr_t *src;

	if (IP_IS_V4(remote)) {
		n = ip4_route(ip_2_ip4(remote));
		if (!n || ip4_addr_isany_val(*netif_ip4_addr(n)))
			return false;
		ip_addr_copy_from_ip4(*local, *netif_ip4_addr(n));
		return true;
	}
	n = ip6_route(IP6_ADDR_ANY6, ip_2_ip6(remote));
	if (!n || !(src = ip6_select_source_address(n, ip_2_ip6(remote))))
		return false;
	ip_addr_copy(*local, *src);
	return true;
}

static void key_addr(uint8_t *to, const ip_addr_t *a)
{
	if (IP_IS_V4(a))
		memcpy(to, &ip_2_ip4(a)->addr, 4);
	else
		memcpy(to, ip_2_ip6(a)->addr, 16);
}

/*
 * The flow the classifier matches for pcb, or false when none can be
 * opened (unbound, or a loopback address: those frames never pass it).
 * Under lwIP's core lock.
 */
static bool udp_flow_of(const struct udp_pcb *pcb, struct flow_key *key)
{
	bool connected = (pcb->flags & UDP_FLAGS_CONNECTED) != 0;
	ip_addr_t local = pcb->local_ip;
	bool local_any = ip_addr_isany(&local);

	memset(key, 0, sizeof(*key));
	if (pcb->local_port == 0)
		return false;
	/* Connected: the exact flow, so that it wins over another socket's
	 * bound to the port; without a route, the port's datagrams, of which
	 * the reader keeps the peer's. */
	if (connected && local_any && route_source(&pcb->remote_ip, &local))
		local_any = false;
	if (!local_any && (ip_addr_isloopback(&local) ||
			   (connected && IP_IS_V4(&local) != IP_IS_V4(&pcb->remote_ip))))
		return false;
	key->protocol = FLOW_UDP;
	key->local_port = pcb->local_port;
	/* A dual-stack socket bound to :: (IP_ANY_TYPE) gets the IPv6 flow;
	 * its IPv4 datagrams keep lwIP's path. */
	key->family = IP_IS_V4(connected ? &pcb->remote_ip : &local) ? FLOW_IPV4 : FLOW_IPV6;
	if (!local_any)
		key_addr(key->local_addr, &local);
	if (connected && !local_any) {
		key->remote_port = pcb->remote_port;
		key_addr(key->remote_addr, &pcb->remote_ip);
	}
	return true;
}

/* A frame the fast path leaves to lwIP: its input, in this thread. */
static void to_lwip(struct pbuf *p)
{
	LOCK_TCPIP_CORE();
	inet_channel_input_locked(p);
	UNLOCK_TCPIP_CORE();
}

void udp_channel_update(struct inet_channel *c, struct netconn *conn, channel_wake_fn wake,
			void *owner)
{
	struct flow_key key;
	bool usable;

	if (!net_channels_enabled())
		return;
	LOCK_TCPIP_CORE();
	usable = conn->pcb.udp && udp_flow_of(conn->pcb.udp, &key);
	UNLOCK_TCPIP_CORE();
	if (c->slots && usable && memcmp(&c->ch.key, &key, sizeof(key)) == 0)
		return;
	/* Another flow now (a connect, a disconnect): what the old one took
	 * goes through lwIP, whose pcb has the new binding and filters. */
	inet_channel_stop(c, true);
	c->datagrams = true;
	/* Not opened (-EEXIST): another socket (SO_REUSEADDR) has the flow;
	 * this one keeps lwIP's path. */
	if (usable)
		inet_channel_start(c, &key, UDP_CHANNEL_SLOTS, wake, owner);
}

void udp_channel_close(struct inet_channel *c)
{
	inet_channel_stop(c, false);
}

/* The receiving interface, found without lwIP's lock (netif_get_by_index
 * asserts it): interfaces are never removed, and an address is read as
 * the words it is. */
static struct netif *netif_of(const struct pbuf *p)
{
	struct netif *n;

	NETIF_FOREACH(n)
		if (netif_get_index(n) == p->if_idx)
			return n;
	return NULL;
}

static bool is_ours6(const struct netif *n, const ip6_addr_t *dst)
{
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) &&
		    ip6_addr_cmp_zoneless(netif_ip6_addr(n, i), dst))
			return true;
	return false;
}

/*
 * The frame as a datagram for this socket: 1 taken (d filled in), 0 not
 * this path's (lwIP decides), -1 dropped (a bad checksum, another peer).
 */
static int parse(struct pbuf *p, const struct udp_pcb *pcb, struct udp_datagram *d)
{
	const uint8_t *f = p->payload, *ip = f + ETH_HLEN, *udp;
	struct netif *n = netif_of(p);
	size_t room, ulen;

	/* Broadcast and multicast reach no channel (the classifier); an
	 * address that is not this interface's is lwIP's to judge. */
	if (!n || p->len < ETH_HLEN)
		return 0;
	room = p->len - ETH_HLEN;
	/* __builtin_memcpy: a load, where the kernel's -fno-builtin makes
	 * memcpy a call (this runs for every datagram). */
	if (wire_get16(f + 12) == ETHERTYPE_IPV4) {
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;
		uint32_t dst;

		__builtin_memcpy(&dst, ip + 16, 4);
		if (ip[9] != PROTO_UDP || ihl + UDP_HLEN > room || dst != ip4_addr_get_u32(netif_ip4_addr(n)))
			return 0;
		udp = ip + ihl;
		ulen = wire_get16(udp + 4);
		if (ulen < UDP_HLEN || ihl + ulen > wire_get16(ip + 2) || wire_get16(ip + 2) > room)
			return 0;
		__builtin_memcpy(&dst, ip + 12, 4);
		ip_addr_set_ip4_u32(&d->from, dst);
	} else if (wire_get16(f + 12) == ETHERTYPE_IPV6) {
		ip6_addr_t dst;
		uint32_t w[4];

		if (room < IPV6_HLEN + UDP_HLEN || ip[6] != PROTO_UDP)
			return 0; /* extension headers: lwIP walks them */
		__builtin_memcpy(w, ip + 24, sizeof(w));
		IP6_ADDR(&dst, w[0], w[1], w[2], w[3]);
		ip6_addr_clear_zone(&dst);
		if (!is_ours6(n, &dst))
			return 0;
		udp = ip + IPV6_HLEN;
		ulen = wire_get16(udp + 4);
		if (ulen < UDP_HLEN || ulen > wire_get16(ip + 4) || IPV6_HLEN + (size_t)wire_get16(ip + 4) > room)
			return 0;
		__builtin_memcpy(w, ip + 8, sizeof(w));
		IP_ADDR6(&d->from, w[0], w[1], w[2], w[3]);
		ip6_addr_clear_zone(ip_2_ip6(&d->from));
		ip6_addr_assign_zone(ip_2_ip6(&d->from), IP6_UNICAST, n);
	} else {
		return 0;
	}
	d->port = wire_get16(udp);
	if (!l4_csum_udp_ok(ip, udp, ulen)) {
		classifier_count_channel_drop(CHANNEL_DROP_UDP_BAD_CHECKSUM);
		return -1;
	}
	if ((pcb->flags & UDP_FLAGS_CONNECTED) &&
	    (d->port != pcb->remote_port || !ip_addr_cmp_zoneless(&d->from, &pcb->remote_ip))) {
		classifier_count_channel_drop(CHANNEL_DROP_UDP_NOT_PEER);
		return -1;
	}
	d->off = (uint16_t)(udp + UDP_HLEN - f);
	d->len = (uint16_t)(ulen - UDP_HLEN);
	d->p = p;
	return 1;
}

bool udp_channel_next(struct inet_channel *c, struct netconn *conn, struct udp_datagram *d)
{
	void *frame;

	if (!c->slots)
		return false;
	while (channel_pop(&c->ch, &frame)) {
		int rc;

		/* The pcb's flags and peer change only under this socket's lock,
		 * which the caller holds; lwIP's thread does not touch them. */
		rc = conn->pcb.udp ? parse(frame, conn->pcb.udp, d) : -1;
		if (rc == 1)
			return true;
		if (rc == 0)
			to_lwip(frame);
		else
			pbuf_free(frame);
	}
	return false;
}
