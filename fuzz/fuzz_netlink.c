/*
 * Fuzzes what an application hands the interface calls
 * (kernel/net/README.md, "Interfaces as Linux shows them"): the input is
 * a datagram sent on a NETLINK_ROUTE socket (netlink_route.c), answered
 * from a fixed snapshot of lo, eth0 and an interface without an IPv4
 * address; the answer must fit its room and be whole netlink messages.
 * The input's first 40 bytes are also a struct ifreq for every interface
 * ioctl (ifreq.c), byte 0 picking the socket's family.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/ifinfo.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const unsigned cmds[] = {
	NET_SIOCGIFNAME, NET_SIOCGIFFLAGS, NET_SIOCGIFADDR, NET_SIOCGIFBRDADDR,
	NET_SIOCGIFNETMASK, NET_SIOCGIFMTU, NET_SIOCGIFHWADDR, NET_SIOCGIFINDEX, 0x8914,
};

static uint8_t out[NETLINK_ANSWER_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_ifinfo ifs[3] = {
		{ .index = 1, .name = "lo", .type = NET_ARPHRD_LOOPBACK, .mtu = 65536,
		  .flags = NET_IFF_UP | NET_IFF_LOOPBACK | NET_IFF_RUNNING, .has_ip4 = true,
		  .ip4 = 0x0100007f, .mask4 = 0xff, .n_ip6 = 1 },
		{ .index = 2, .name = "eth0", .type = NET_ARPHRD_ETHER, .mtu = 1500,
		  .flags = NET_IFF_UP | NET_IFF_BROADCAST | NET_IFF_RUNNING | NET_IFF_MULTICAST,
		  .has_ip4 = true, .ip4 = 0x0f02000a, .mask4 = 0x00ffffff, .n_ip6 = 3 },
		{ .index = 3, .name = "eth1", .type = NET_ARPHRD_ETHER, .mtu = 1500 },
	};
	size_t outlen = 0, at = 0;
	/* a short room now and then, for -ENOBUFS */
	size_t room = size && data[0] == 0xff ? 64 : sizeof(out);

	if (netlink_route_answer(data, size, 42, ifs, 3, out, room, &outlen) == 0) {
		CHECK(outlen <= room);
		while (at < outlen) {
			uint32_t len;

			CHECK(outlen - at >= 16);
			memcpy(&len, out + at, 4);
			CHECK(len >= 16 && len <= outlen - at && len % 4 == 0);
			at += len;
		}
	} else {
		CHECK(outlen == 0);
	}
	if (size >= NET_IFREQ_SIZE) {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			uint8_t req[NET_IFREQ_SIZE];

			memcpy(req, data, sizeof(req));
			(void)net_ifreq(cmds[i], data[0] & 1 ? 2 : 1, req, ifs, 3);
		}
	}
	return 0;
}
