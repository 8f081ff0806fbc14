/*
 * The interface ioctls of a socket (carapace/ifinfo.h; README.md,
 * "Interfaces as Linux shows them"), answered from a snapshot of the
 * interfaces as Linux's dev_ioctl and devinet_ioctl answer them. The
 * caller copied struct ifreq in and copies it back; nothing here touches
 * application memory. Portable.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/ifinfo.h>

#define AF_INET_VALUE 2
#define IFR_UNION     16 /* the union after ifr_name */

static net_ifinfo_fn provider;

void net_ifinfo_register(net_ifinfo_fn fn)
{
	provider = fn;
}

unsigned net_ifinfo_list(struct net_ifinfo *out, unsigned max)
{
	net_ifinfo_fn fn = provider;

	return fn ? fn(out, max) : 0;
}

bool net_ifreq_cmd(unsigned cmd)
{
	switch (cmd) {
	case NET_SIOCGIFNAME: case NET_SIOCGIFCONF: case NET_SIOCGIFFLAGS:
	case NET_SIOCGIFADDR: case NET_SIOCGIFBRDADDR: case NET_SIOCGIFNETMASK:
	case NET_SIOCGIFMTU: case NET_SIOCGIFHWADDR: case NET_SIOCGIFINDEX:
		return true;
	default:
		return net_ifreq_sets(cmd);
	}
}

bool net_ifreq_sets(unsigned cmd)
{
	switch (cmd) {
	case 0x890b: /* SIOCADDRT */
	case 0x890c: /* SIOCDELRT */
	case 0x8914: /* SIOCSIFFLAGS */
	case 0x8916: /* SIOCSIFADDR */
	case 0x8918: /* SIOCSIFDSTADDR */
	case 0x891a: /* SIOCSIFBRDADDR */
	case 0x891c: /* SIOCSIFNETMASK */
	case 0x891e: /* SIOCSIFMETRIC */
	case 0x8922: /* SIOCSIFMTU */
	case 0x8923: /* SIOCSIFNAME */
	case 0x8924: /* SIOCSIFHWADDR */
	case 0x8931: /* SIOCADDMULTI */
	case 0x8932: /* SIOCDELMULTI */
	case 0x8936: /* SIOCDIFADDR */
	case 0x8943: /* SIOCSIFTXQLEN */
		return true;
	default:
		return false;
	}
}

static const struct net_ifinfo *by_name(const uint8_t req[NET_IFREQ_SIZE],
					const struct net_ifinfo *ifs, unsigned n)
{
	char name[NET_IFNAMSIZ];

	/* Linux ends the name at its last byte whatever the application left. */
	memcpy(name, req, NET_IFNAMSIZ);
	name[NET_IFNAMSIZ - 1] = '\0';
	for (unsigned i = 0; i < n; i++)
		if (strcmp(ifs[i].name, name) == 0)
			return &ifs[i];
	return NULL;
}

/* A struct sockaddr_in with addr (network order) at the union. */
static void put_sin(uint8_t req[NET_IFREQ_SIZE], uint32_t addr)
{
	uint8_t *sin = req + IFR_UNION;

	memset(sin, 0, 16);
	sin[0] = AF_INET_VALUE; /* sin_family, little-endian */
	memcpy(sin + 4, &addr, 4);
}

static void put_int(uint8_t req[NET_IFREQ_SIZE], int32_t v)
{
	memcpy(req + IFR_UNION, &v, sizeof(v));
}

int net_ifreq(unsigned cmd, int family, uint8_t req[NET_IFREQ_SIZE],
	      const struct net_ifinfo *ifs, unsigned n)
{
	const struct net_ifinfo *it;
	bool address = cmd == NET_SIOCGIFADDR || cmd == NET_SIOCGIFNETMASK ||
		       cmd == NET_SIOCGIFBRDADDR;
	uint16_t flags;
	int32_t index;

	if (net_ifreq_sets(cmd))
		return -EPERM; /* the application does not configure the network */
	if (address && family != AF_INET_VALUE)
		return -ENOTTY; /* devinet_ioctl's: only AF_INET sockets reach it */
	if (cmd == NET_SIOCGIFNAME) {
		memcpy(&index, req + IFR_UNION, sizeof(index));
		for (unsigned i = 0; i < n; i++) {
			if (ifs[i].index == index) {
				memset(req, 0, NET_IFNAMSIZ);
				memcpy(req, ifs[i].name, strlen(ifs[i].name));
				return 0;
			}
		}
		return -ENODEV;
	}
	if (!(it = by_name(req, ifs, n)))
		return -ENODEV;
	switch (cmd) {
	case NET_SIOCGIFFLAGS:
		flags = (uint16_t)it->flags; /* the low 16 bits: ifr_flags is a short */
		memcpy(req + IFR_UNION, &flags, sizeof(flags));
		return 0;
	case NET_SIOCGIFINDEX:
		put_int(req, it->index);
		return 0;
	case NET_SIOCGIFMTU:
		put_int(req, (int32_t)it->mtu);
		return 0;
	case NET_SIOCGIFHWADDR: {
		uint16_t type = (uint16_t)it->type;

		memset(req + IFR_UNION, 0, 16);
		memcpy(req + IFR_UNION, &type, sizeof(type));
		memcpy(req + IFR_UNION + 2, it->hwaddr, sizeof(it->hwaddr));
		return 0;
	}
	case NET_SIOCGIFADDR:
	case NET_SIOCGIFNETMASK:
	case NET_SIOCGIFBRDADDR:
		if (!it->has_ip4)
			return -EADDRNOTAVAIL;
		if (cmd == NET_SIOCGIFADDR)
			put_sin(req, it->ip4);
		else if (cmd == NET_SIOCGIFNETMASK)
			put_sin(req, it->mask4);
		else /* Linux keeps no broadcast for a loopback or point-to-point address */
			put_sin(req, (it->flags & NET_IFF_BROADCAST) ? (it->ip4 | ~it->mask4) : 0);
		return 0;
	default:
		return -ENOTTY;
	}
}

unsigned net_ifconf_count(const struct net_ifinfo *ifs, unsigned n)
{
	unsigned count = 0;

	for (unsigned i = 0; i < n; i++)
		count += ifs[i].has_ip4;
	return count;
}

bool net_ifconf_entry(unsigned i, uint8_t rec[NET_IFREQ_SIZE], const struct net_ifinfo *ifs,
		      unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		if (!ifs[k].has_ip4)
			continue;
		if (i-- == 0) {
			memset(rec, 0, NET_IFREQ_SIZE);
			memcpy(rec, ifs[k].name, strlen(ifs[k].name));
			put_sin(rec, ifs[k].ip4);
			return true;
		}
	}
	return false;
}
