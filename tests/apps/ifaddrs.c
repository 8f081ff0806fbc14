/*
 * The machine's interfaces as a program learns them: the socket ioctls
 * (SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFADDR...), musl's
 * if_nametoindex, if_indextoname, if_nameindex and getifaddrs (the last
 * two over an AF_NETLINK NETLINK_ROUTE socket), and that socket itself.
 *
 * Without arguments (tests/apps/differential): only what every Linux
 * shows of its loopback, brought up ("unshare -n" with "ip link set lo
 * up" has nothing else): nothing about other interfaces, nor IPv6 (a
 * host may have it off). With "eth0" (an integration case, Carapace
 * under --net user): the device's interface too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* <linux/netlink.h>'s part used here (the musl sysroot has no Linux headers). */
struct nlmsghdr {
	unsigned nlmsg_len;
	unsigned short nlmsg_type, nlmsg_flags;
	unsigned nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
	int error;
	struct nlmsghdr msg;
};
struct sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	unsigned nl_pid, nl_groups;
};
struct rtgenmsg {
	unsigned char rtgen_family;
};
#define NETLINK_ROUTE  0
#define NLM_F_REQUEST  1
#define NLM_F_DUMP     0x300
#define NLMSG_ERROR    2
#define RTM_GETLINK    18
#define NLMSG_DATA(h)  ((void *)((char *)(h) + sizeof(struct nlmsghdr)))

static void result(const char *what, int rc)
{
	if (rc < 0)
		printf("%s = -1 %s\n", what, strerror(errno));
	else
		printf("%s = %d\n", what, rc);
}

static int ifreq_call(int fd, unsigned long cmd, const char *name, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	return ioctl(fd, cmd, ifr);
}

static const char *ip4(const struct sockaddr *sa)
{
	static char buf[2][INET_ADDRSTRLEN];
	static int k;

	k ^= 1;
	if (!sa || sa->sa_family != AF_INET)
		return "(none)";
	inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf[k], sizeof(buf[k]));
	return buf[k];
}

static void print_flags(const char *what, unsigned flags)
{
	printf("%s:%s%s%s%s%s\n", what, flags & IFF_UP ? " UP" : "",
	       flags & IFF_BROADCAST ? " BROADCAST" : "", flags & IFF_LOOPBACK ? " LOOPBACK" : "",
	       flags & IFF_RUNNING ? " RUNNING" : "", flags & IFF_MULTICAST ? " MULTICAST" : "");
}

/* The ioctls on one interface that has an IPv4 address. */
static void ioctls_of(int fd, const char *name)
{
	struct ifreq ifr;
	char line[96];
	int rc;

	rc = ifreq_call(fd, SIOCGIFINDEX, name, &ifr);
	printf("SIOCGIFINDEX %s = %d, index %d\n", name, rc, rc ? 0 : ifr.ifr_ifindex);
	rc = ifreq_call(fd, SIOCGIFFLAGS, name, &ifr);
	snprintf(line, sizeof(line), "SIOCGIFFLAGS %s = %d", name, rc);
	print_flags(line, rc ? 0 : (unsigned short)ifr.ifr_flags);
	rc = ifreq_call(fd, SIOCGIFADDR, name, &ifr);
	printf("SIOCGIFADDR %s = %d %s\n", name, rc, rc ? "" : ip4(&ifr.ifr_addr));
	rc = ifreq_call(fd, SIOCGIFNETMASK, name, &ifr);
	printf("SIOCGIFNETMASK %s = %d %s\n", name, rc, rc ? "" : ip4(&ifr.ifr_netmask));
	rc = ifreq_call(fd, SIOCGIFBRDADDR, name, &ifr);
	printf("SIOCGIFBRDADDR %s = %d %s\n", name, rc, rc ? "" : ip4(&ifr.ifr_broadaddr));
	rc = ifreq_call(fd, SIOCGIFMTU, name, &ifr);
	printf("SIOCGIFMTU %s = %d %d\n", name, rc, rc ? 0 : ifr.ifr_mtu);
	rc = ifreq_call(fd, SIOCGIFHWADDR, name, &ifr);
	{
		const unsigned char *m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;

		printf("SIOCGIFHWADDR %s = %d type %d %02x:%02x:%02x:%02x:%02x:%02x\n", name, rc,
		       ifr.ifr_hwaddr.sa_family, m[0], m[1], m[2], m[3], m[4], m[5]);
	}
}

/* SIOCGIFCONF: the size asked with no buffer, then the list. */
static void ifconf_of(int fd, const char *name)
{
	struct ifreq list[16];
	struct ifconf ifc = { .ifc_len = 0, .ifc_buf = NULL };
	int rc, found = 0, len;

	rc = ioctl(fd, SIOCGIFCONF, &ifc);
	len = ifc.ifc_len;
	printf("SIOCGIFCONF without a buffer = %d, a whole number of ifreq, more than 0: %s\n", rc,
	       len > 0 && len % (int)sizeof(struct ifreq) == 0 ? "yes" : "no");
	ifc.ifc_len = sizeof(list);
	ifc.ifc_req = list;
	rc = ioctl(fd, SIOCGIFCONF, &ifc);
	for (int i = 0; rc == 0 && i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
		if (strcmp(list[i].ifr_name, name) == 0) {
			printf("SIOCGIFCONF lists %s %s\n", name, ip4(&list[i].ifr_addr));
			found = 1;
		}
	printf("SIOCGIFCONF = %d, the same length as asked: %s, %s found: %s\n", rc,
	       ifc.ifc_len == len ? "yes" : "no", name, found ? "yes" : "no");
	ifc.ifc_len = sizeof(struct ifreq) - 1;
	rc = ioctl(fd, SIOCGIFCONF, &ifc);
	printf("SIOCGIFCONF with room for less than one = %d, length %d\n", rc, ifc.ifc_len);
	ifc.ifc_buf = (char *)8;
	ifc.ifc_len = sizeof(list);
	result("SIOCGIFCONF into a bad buffer", ioctl(fd, SIOCGIFCONF, &ifc));
}

/* What getifaddrs lists of one interface. */
static void getifaddrs_of(const char *name, int want_ip6)
{
	struct ifaddrs *all, *a;

	if (getifaddrs(&all)) {
		printf("getifaddrs = -1 %s\n", strerror(errno));
		return;
	}
	printf("getifaddrs = 0\n");
	for (a = all; a; a = a->ifa_next) {
		char line[160];

		if (strcmp(a->ifa_name, name) || !a->ifa_addr)
			continue;
		if (a->ifa_addr->sa_family == AF_INET) {
			snprintf(line, sizeof(line), "getifaddrs %s AF_INET %s netmask %s flags", name,
				 ip4(a->ifa_addr), ip4(a->ifa_netmask));
			print_flags(line, a->ifa_flags);
		} else if (a->ifa_addr->sa_family == AF_PACKET) {
			const struct sockaddr_ll *ll = (const struct sockaddr_ll *)a->ifa_addr;
			const unsigned char *m = ll->sll_addr;

			printf("getifaddrs %s AF_PACKET index %d type %d length %d "
			       "%02x:%02x:%02x:%02x:%02x:%02x\n", name, ll->sll_ifindex, ll->sll_hatype,
			       ll->sll_halen, m[0], m[1], m[2], m[3], m[4], m[5]);
		} else if (a->ifa_addr->sa_family == AF_INET6 && want_ip6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a->ifa_addr;
			char text[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
			printf("getifaddrs %s AF_INET6 %s scope id %u\n", name, text,
			       (unsigned)s6->sin6_scope_id);
		}
	}
	freeifaddrs(all);
}

/* The netlink socket itself: requests Linux answers without privileges. */
static void netlink_calls(void)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} req = { { sizeof(req), 200, NLM_F_REQUEST, 7, 0 }, { AF_UNSPEC } };
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(me);
	union {
		char buf[8192];
		struct nlmsghdr h;
	} u;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t n;

	printf("netlink socket: %s\n", fd >= 0 ? "yes" : strerror(errno));
	result("netlink bind", bind(fd, (struct sockaddr *)&me, sizeof(me)));
	getsockname(fd, (struct sockaddr *)&me, &len);
	printf("netlink getsockname: family %d, length %u, port id nonzero: %s\n", me.nl_family,
	       (unsigned)len, me.nl_pid ? "yes" : "no");
	result("netlink send of an unknown type", (int)send(fd, &req, sizeof(req), 0));
	n = recv(fd, u.buf, sizeof(u.buf), MSG_DONTWAIT);
	if (n >= (ssize_t)(sizeof(struct nlmsghdr) + sizeof(int)) && u.h.nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(&u.h);

		printf("its answer: NLMSG_ERROR %s, seq %u\n", strerror(-e->error), u.h.nlmsg_seq);
	} else {
		printf("its answer: %zd bytes, type %d\n", n, n > 0 ? u.h.nlmsg_type : -1);
	}
	result("netlink send of 8 bytes", (int)send(fd, &req, 8, 0));
	n = recv(fd, u.buf, sizeof(u.buf), MSG_DONTWAIT);
	printf("their answer: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	send(fd, &req, sizeof(req), 0);
	n = recv(fd, u.buf, 16, MSG_PEEK | MSG_TRUNC);
	printf("a dump's first recv, 16 bytes, MSG_PEEK|MSG_TRUNC: more than 16: %s, type %d\n",
	       n > 16 ? "yes" : "no", u.h.nlmsg_type);
	close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW, 31);
	printf("netlink protocol 31: %s\n", fd < 0 ? strerror(errno) : "made");
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : NULL;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), fd6 = socket(AF_INET6, SOCK_DGRAM, 0);
	int fdu = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct ifreq ifr;
	char name[IF_NAMESIZE];
	struct if_nameindex *ni;
	int found = 0;
	unsigned index;

	ioctls_of(fd, "lo");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = 1;
	result("SIOCGIFNAME 1", ioctl(fd, SIOCGIFNAME, &ifr));
	printf("its name: %s\n", ifr.ifr_name);
	ifr.ifr_ifindex = 0;
	result("SIOCGIFNAME 0", ioctl(fd, SIOCGIFNAME, &ifr));
	result("SIOCGIFINDEX nosuchif", ifreq_call(fd, SIOCGIFINDEX, "nosuchif", &ifr));
	result("SIOCGIFADDR nosuchif", ifreq_call(fd, SIOCGIFADDR, "nosuchif", &ifr));
	result("SIOCGIFFLAGS nosuchif", ifreq_call(fd, SIOCGIFFLAGS, "nosuchif", &ifr));
	result("SIOCGIFINDEX into a bad pointer", ioctl(fd, SIOCGIFINDEX, (void *)8));
	result("SIOCGIFINDEX lo on an AF_INET6 socket", ifreq_call(fd6, SIOCGIFINDEX, "lo", &ifr));
	result("SIOCGIFINDEX lo on an AF_UNIX socket", ifreq_call(fdu, SIOCGIFINDEX, "lo", &ifr));
	result("SIOCGIFFLAGS lo on an AF_UNIX socket", ifreq_call(fdu, SIOCGIFFLAGS, "lo", &ifr));
	result("SIOCGIFADDR lo on an AF_UNIX socket", ifreq_call(fdu, SIOCGIFADDR, "lo", &ifr));
	result("SIOCGIFADDR lo on an AF_INET6 socket", ifreq_call(fd6, SIOCGIFADDR, "lo", &ifr));
	result("SIOCGIFINDEX lo on stdout (no socket)", ifreq_call(1, SIOCGIFINDEX, "lo", &ifr));
	ifconf_of(fd, "lo");
	printf("if_nametoindex(lo) = %u\n", if_nametoindex("lo"));
	printf("if_indextoname(1) = %s\n", if_indextoname(1, name) ? name : strerror(errno));
	errno = 0;
	index = if_nametoindex("nosuchif");
	printf("if_nametoindex(nosuchif) = %u %s\n", index, strerror(errno));
	if ((ni = if_nameindex())) {
		for (struct if_nameindex *p = ni; p->if_index; p++)
			found |= p->if_index == 1 && strcmp(p->if_name, "lo") == 0;
		if_freenameindex(ni);
	}
	printf("if_nameindex lists lo at 1: %s\n", found ? "yes" : "no");
	getifaddrs_of("lo", dev != NULL);
	netlink_calls();
	if (dev) {
		/* Carapace only (an integration case): the device and what it refuses. */
		ioctls_of(fd, dev);
		ifconf_of(fd, dev);
		printf("if_nametoindex(%s) = %u\n", dev, if_nametoindex(dev));
		getifaddrs_of(dev, 1);
		result("SIOCSIFFLAGS lo", ifreq_call(fd, SIOCSIFFLAGS, "lo", &ifr));
	}
	printf("ifaddrs: done\n");
	return 0;
}
