/*
 * lwIP's interfaces as Linux shows them (carapace/ifinfo.h; README.md,
 * "Interfaces as Linux shows them"): the snapshot the socket ioctls and
 * the NETLINK_ROUTE socket answer from, read under the core lock.
 *
 * lwIP's loopback ("lo0") is Linux's "lo"; a device's interface ("en" +
 * lwIP's number) is "eth" + its order of registration. lwIP's index
 * (its number + 1) is the one shown: lo 1, eth0 2, eth1 3...
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>
#include <carapace/ifinfo.h>
#include <carapace/net.h>

#include <lwip/netif.h>
#include <lwip/tcpip.h>
#include "net_impl.h"

#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK     253
#define RT_SCOPE_HOST     254

static void fill_ip6(struct net_ifinfo *it, struct netif *n)
{
	for (int k = 0; k < LWIP_IPV6_NUM_ADDRESSES && it->n_ip6 < NET_IFINFO_IP6; k++) {
		const ip6_addr_t *a = netif_ip6_addr(n, k);
		struct net_ifaddr6 *o;

		u8_t state = netif_ip6_addr_state(n, k);

		/* Linux lists an address still under duplicate detection too, so flagged */
		if (!ip6_addr_isvalid(state) && !ip6_addr_istentative(state))
			continue;
		o = &it->ip6[it->n_ip6++];
		o->tentative = ip6_addr_istentative(state);
		memcpy(o->addr, a->addr, 16);
		if (ip6_addr_isloopback(a)) {
			o->prefixlen = 128;
			o->scope = RT_SCOPE_HOST;
		} else {
			/* lwIP keeps no prefix length: its addresses are /64 (SLAAC, link-local) */
			o->prefixlen = 64;
			o->scope = ip6_addr_islinklocal(a) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
		}
	}
}

void net_netif_name(const struct netif *n, char *buf, size_t len)
{
	if (n->name[0] == 'e' && n->name[1] == 'n' && n->state)
		fmt_snprintf(buf, len, "eth%u", ((const struct net_iface *)n->state)->index);
	else if (n->name[0] == 'l' && n->name[1] == 'o')
		fmt_snprintf(buf, len, "lo");
	else /* none yet: lwIP's own name */
		fmt_snprintf(buf, len, "%c%c%u", n->name[0], n->name[1], n->num);
}

static bool fill(struct net_ifinfo *it, struct netif *n)
{
	bool lo = n->name[0] == 'l' && n->name[1] == 'o';

	memset(it, 0, sizeof(*it));
	it->index = netif_get_index(n);
	net_netif_name(n, it->name, sizeof(it->name));
	if (lo) {
		it->type = NET_ARPHRD_LOOPBACK;
		it->mtu = n->mtu ? n->mtu : 65536;
		/* lwIP's loopback carries NETIF_FLAG_BROADCAST (net_init.c); Linux's lo shows none */
		it->flags = NET_IFF_LOOPBACK;
	} else if (n->name[0] == 'e' && n->name[1] == 'n' && n->state) {
		it->type = NET_ARPHRD_ETHER;
		it->mtu = n->mtu;
		memcpy(it->hwaddr, n->hwaddr, n->hwaddr_len < 6 ? n->hwaddr_len : 6);
		it->flags = NET_IFF_MULTICAST | (n->flags & NETIF_FLAG_BROADCAST ? NET_IFF_BROADCAST : 0);
	} else {
		return false;
	}
	if (netif_is_up(n))
		it->flags |= NET_IFF_UP;
	if (netif_is_up(n) && netif_is_link_up(n))
		it->flags |= NET_IFF_RUNNING | NET_IFF_LOWER_UP;
	if (!ip4_addr_isany_val(*netif_ip4_addr(n))) {
		it->has_ip4 = true;
		it->ip4 = ip4_addr_get_u32(netif_ip4_addr(n));
		it->mask4 = ip4_addr_get_u32(netif_ip4_netmask(n));
	}
	fill_ip6(it, n);
	return true;
}

static unsigned snapshot(struct net_ifinfo *out, unsigned max)
{
	unsigned count = 0;
	struct netif *n;

	net_start(); /* the loopback exists once the stack is up */
	LOCK_TCPIP_CORE();
	NETIF_FOREACH(n) {
		if (count < max && fill(&out[count], n))
			count++;
	}
	UNLOCK_TCPIP_CORE();
	/* lwIP lists the newest first: Linux's order is the index's */
	for (unsigned i = 1; i < count; i++) {
		for (unsigned j = i; j > 0 && out[j - 1].index > out[j].index; j--) {
			struct net_ifinfo t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	}
	return count;
}

void net_ifinfo_init(void)
{
	net_ifinfo_register(snapshot);
}
