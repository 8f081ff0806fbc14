/*
 * The machine's network interfaces as a Linux program asks for them
 * (kernel/net/README.md, "Interfaces as Linux shows them"): the socket
 * ioctls on struct ifreq and struct ifconf (ifreq.c) and the NETLINK_ROUTE
 * dumps musl's getifaddrs and if_nameindex read (netlink_route.c).
 *
 * Both work on a snapshot of the interfaces (struct net_ifinfo), which
 * the network stack fills (kernel/net/net_ifinfo.c registers it); this
 * part is portable: the host tests and the fuzzers feed it directly.
 *
 * Names: Linux's, "lo" (index 1) and "eth0", "eth1"... for the devices in
 * the order they registered (index 2, 3...). lwIP calls them lo0, en1...
 */
#ifndef CARAPACE_IFINFO_H
#define CARAPACE_IFINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_IFNAMSIZ     16 /* IFNAMSIZ, with the NUL */
#define NET_IFINFO_MAX   8  /* interfaces a snapshot holds */
#define NET_IFINFO_IP6   3  /* IPv6 addresses an interface shows (lwIP's number) */

/* struct ifreq (40 bytes on x86_64) and struct ifconf (16). */
#define NET_IFREQ_SIZE   40
#define NET_IFCONF_SIZE  16

/* Linux's interface flags (IFF_*) and hardware types (ARPHRD_*). */
#define NET_IFF_UP        0x1
#define NET_IFF_BROADCAST 0x2
#define NET_IFF_LOOPBACK  0x8
#define NET_IFF_RUNNING   0x40
#define NET_IFF_MULTICAST 0x1000
#define NET_IFF_LOWER_UP  0x10000
#define NET_ARPHRD_ETHER    1
#define NET_ARPHRD_LOOPBACK 772

/* The socket ioctls (Linux's values). */
#define NET_SIOCGIFNAME    0x8910
#define NET_SIOCGIFCONF    0x8912
#define NET_SIOCGIFFLAGS   0x8913
#define NET_SIOCGIFADDR    0x8915
#define NET_SIOCGIFBRDADDR 0x8919
#define NET_SIOCGIFNETMASK 0x891b
#define NET_SIOCGIFMTU     0x8921
#define NET_SIOCGIFHWADDR  0x8927
#define NET_SIOCGIFINDEX   0x8933

struct net_ifaddr6 {
	uint8_t addr[16];
	uint8_t prefixlen;
	uint8_t scope;          /* RT_SCOPE_*: 254 host, 253 link, 0 universe */
	bool tentative;         /* duplicate address detection still running */
};

struct net_ifinfo {
	int index;              /* Linux's ifindex: 1 lo, 2 eth0... */
	char name[NET_IFNAMSIZ];
	unsigned flags;         /* NET_IFF_* */
	unsigned type;          /* NET_ARPHRD_* */
	unsigned mtu;
	uint8_t hwaddr[6];      /* zero for lo, as Linux shows it */
	bool has_ip4;
	uint32_t ip4, mask4;    /* network order */
	unsigned n_ip6;
	struct net_ifaddr6 ip6[NET_IFINFO_IP6];
};

/*
 * The stack's snapshot: fills out with at most max interfaces, in index
 * order; the count. Registered once (net_init); without it, no interface.
 */
typedef unsigned (*net_ifinfo_fn)(struct net_ifinfo *out, unsigned max);
void net_ifinfo_register(net_ifinfo_fn fn);
unsigned net_ifinfo_list(struct net_ifinfo *out, unsigned max);

/* Is cmd an interface ioctl net_ifreq answers (the rest stay -ENOTTY)? */
bool net_ifreq_cmd(unsigned cmd);
/* Setting ioctls (SIOCSIF*, SIOCADDRT...): Carapace refuses them (-EPERM). */
bool net_ifreq_sets(unsigned cmd);

/*
 * One interface ioctl (not SIOCGIFCONF) on req, a kernel copy of the
 * application's struct ifreq, answered in place; family: the socket's
 * (address ioctls answer on AF_INET sockets only, as Linux). 0 or -errno.
 */
int net_ifreq(unsigned cmd, int family, uint8_t req[NET_IFREQ_SIZE],
	      const struct net_ifinfo *ifs, unsigned n);

/*
 * SIOCGIFCONF: the i-th struct ifreq of the list (name and IPv4 address)
 * into rec; false past the last. net_ifconf_count: how many there are.
 */
unsigned net_ifconf_count(const struct net_ifinfo *ifs, unsigned n);
bool net_ifconf_entry(unsigned i, uint8_t rec[NET_IFREQ_SIZE], const struct net_ifinfo *ifs,
		      unsigned n);

/*
 * NETLINK_ROUTE (netlink_route.c). req, len: one datagram the application
 * sent (kernel copy); portid: the socket's. The answers go to out (room
 * bytes), *outlen their length. 0, or -ENOBUFS when they do not fit (out
 * then holds nothing). Malformed messages end the walk as Linux does
 * (ignored); unknown requests answer NLMSG_ERROR -EOPNOTSUPP.
 */
#define NETLINK_ANSWER_MAX 16384 /* one answer's bytes at most (musl reads 8 KiB) */
int netlink_route_answer(const uint8_t *req, size_t len, uint32_t portid,
			 const struct net_ifinfo *ifs, unsigned n, uint8_t *out, size_t room,
			 size_t *outlen);

/* socket(AF_NETLINK, SOCK_RAW or SOCK_DGRAM, NETLINK_ROUTE) (netlink_socket.c). */
void netlink_socket_register(void);

#endif
