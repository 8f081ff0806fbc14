/*
 * A UDP socket's datagram sent as one frame built here (README.md, "The
 * datagram API"): the Ethernet, IPv4 and UDP headers written from the
 * socket's addresses and the peer's, the application's payload copied
 * (app_copy) behind them, the checksums summed, and the frame handed to
 * the driver. lwIP's udp_sendto would do the same through a pbuf,
 * ip4_output, etharp_output and the link output; this is the part of
 * that path a reply to a peer on a known route needs, nothing else.
 *
 * Whatever it does not know how to send plainly (IPv6, a broadcast or
 * multicast destination, one on this host: lwIP loops those back,
 * net_loop.c; a socket bound to a device or to an address that is not
 * the route's, a next hop whose Ethernet address ARP does not hold yet,
 * a datagram over the MTU) it leaves to lwIP: the caller then sends
 * the datagram the usual way, and lwIP resolves, fragments or refuses.
 *
 * Under lwIP's core lock, which also guards the room the frame is built
 * in (netdev_tx_room). Kernel, and the host harness fuzz_net, which has
 * its own netdev_tx_room and netdev_output_locked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/inet_sum.h>
#include <carapace/l4_csum.h>
#include <carapace/wire.h>

#include <lwip/etharp.h>
#include <lwip/ip4.h>
#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/prot/ip4.h>
#include <lwip/sys.h>
#include <lwip/udp.h>

#include "inet_channel.h"
#include "net_impl.h"

#define IPV4_DF 0x4000 /* don't fragment: the frame fits the MTU */
/*
 * The kernel is built with -fno-builtin, so memcpy is always a call; the
 * headers' few fixed-size fields are a move or two each this way (a
 * datagram's headers made ten calls of about thirty instructions).
 */
#define copy_field __builtin_memcpy

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * The interface and the next hop's Ethernet address for pcb's datagram to
 * to, or NULL when lwIP must decide. Under the core lock.
 */
static struct netif *route(const struct udp_pcb *pcb, const ip4_addr_t *to,
			   const struct eth_addr **mac)
{
	const ip4_addr_t *hop = to, *found_ip;
	struct eth_addr *found;
	struct netif *n;

	if (pcb->netif_idx != NETIF_NO_INDEX || ip4_addr_ismulticast(to) ||
	    ip4_addr_isany(to) || ip4_addr_isloopback(to))
		return NULL;
	n = ip4_route(to);
	if (!n || !netif_is_up(n) || !netif_is_link_up(n) || !(n->flags & NETIF_FLAG_ETHARP) ||
	    ip4_addr_isany_val(*netif_ip4_addr(n)) || ip4_addr_isbroadcast(to, n))
		return NULL;
	/* To this host's own address: lwIP loops it back (net_loop.c). An
	 * ARP entry for it (a forged ARP reply can make one) would send it
	 * out on the wire instead. */
	if (ip4_addr_cmp(to, netif_ip4_addr(n)))
		return NULL;
	/* A socket bound to an address sends from it: only when it is the
	 * interface's own (lwIP checks the rest). */
	if (!ip_addr_isany(&pcb->local_ip) &&
	    (!IP_IS_V4(&pcb->local_ip) || !ip4_addr_cmp(ip_2_ip4(&pcb->local_ip), netif_ip4_addr(n))))
		return NULL;
	if (!ip4_addr_netcmp(to, netif_ip4_addr(n), netif_ip4_netmask(n)))
		hop = netif_ip4_gw(n);
	if (ip4_addr_isany(hop) || etharp_find_addr(n, hop, &found, &found_ip) < 0)
		return NULL;
	*mac = found;
	return n;
}

/*
 * An ARP entry's age grows while only frames built here use it; lwIP asks
 * again for one it still uses only in the last 30 s of its 5 minutes
 * (etharp.c, ARP_AGE_REREQUEST_USED_*), and only when one of its own
 * frames goes out. So one datagram every LWIP_EVERY_MS takes lwIP's path:
 * the entry is renewed before it expires, rather than lost, with the
 * replies sent while ARP asks (lwIP keeps one of them). Under the core lock.
 */
#define LWIP_EVERY_MS 10000

static bool lwip_turn(void)
{
	static u32_t due;
	u32_t now = sys_now();

	if (due && (int32_t)(now - due) >= 0) {
		due = now + LWIP_EVERY_MS;
		return true;
	}
	if (!due)
		due = now + LWIP_EVERY_MS;
	return false;
}

int udp_output_frame(struct udp_pcb *pcb, const ip_addr_t *to, uint16_t port, const void *app,
		     size_t len)
{
	static uint16_t ip_id; /* under the core lock */
	const struct eth_addr *mac;
	struct netif *n;
	uint8_t *f, *ip, *udp;
	size_t ip_len = IPV4_MIN_HLEN + UDP_HLEN + len, room;
	bool csum_offload;

	if (!IP_IS_V4(to) || pcb->local_port == 0 || port == 0 ||
	    !(n = route(pcb, ip_2_ip4(to), &mac)) || lwip_turn())
		return 0;
	f = netdev_tx_room(n, &room, &csum_offload);
	if (ip_len > n->mtu || ETH_HLEN + ip_len > room)
		return 0; /* lwIP fragments it */
	ip = f + ETH_HLEN;
	udp = ip + IPV4_MIN_HLEN;
	/* The payload first: a copy that faults leaves nothing half sent. */
	if (len && app_copy(udp + UDP_HLEN, app, len))
		return -EFAULT;
	copy_field(f, mac->addr, ETH_HWADDR_LEN);
	copy_field(f + ETH_HWADDR_LEN, n->hwaddr, ETH_HWADDR_LEN);
	put16(f + 12, ETHERTYPE_IPV4);
	ip[0] = 0x45; /* version 4, five words of header */
	ip[1] = pcb->tos;
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, ip_id++);
	put16(ip + 6, IPV4_DF);
	ip[8] = pcb->ttl;
	ip[9] = PROTO_UDP;
	ip[10] = ip[11] = 0;
	copy_field(ip + 12, &netif_ip4_addr(n)->addr, 4);
	copy_field(ip + 16, &ip_2_ip4(to)->addr, 4);
	{
		uint16_t sum = (uint16_t)~inet_sum(ip, IPV4_MIN_HLEN);

		copy_field(ip + 10, &sum, 2);
	}
	put16(udp, pcb->local_port);
	put16(udp + 2, port);
	put16(udp + 4, (uint16_t)(UDP_HLEN + len));
	udp[6] = udp[7] = 0;
	/* A device that sums UDP itself gets the field as lwIP leaves it. */
	if (!csum_offload)
		l4_csum_fill(ip, ip_len);
	return netdev_output_locked(n, f, ETH_HLEN + ip_len) ? -EIO : 1;
}
