/*
 * What socket options put on the wire, for tests/net/test_sockopts.py:
 * UDP datagrams and a TCP SYN to argv[1] (the host's side of a raw link)
 * whose TTL and TOS bytes the test reads. Each datagram's payload names
 * what it should carry. Carapace only: the datagram API (carapace_dgram_send)
 * sends through the kernel's own frame builder (udp_output.c), sendto
 * through lwIP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <carapace/dgram.h>

static struct sockaddr_in to(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static void opt(int fd, int level, int name, int v)
{
	if (setsockopt(fd, level, name, &v, sizeof(v)))
		printf("setsockopt %d %d: %s\n", level, name, strerror(errno));
}

static void send_one(int fd, const struct sockaddr_in *a, const char *text)
{
	ssize_t n = sendto(fd, text, strlen(text), 0, (const struct sockaddr *)a, sizeof(*a));

	printf("sendto \"%s\" = %s\n", text, n < 0 ? strerror(errno) : "sent");
}

/* Through the kernel's frame builder (lwIP's path until ARP answered). */
static void send_frame(int fd, const struct sockaddr_in *a, const char *text)
{
	struct carapace_dgram d = { .buf = (void *)text, .len = (uint32_t)strlen(text),
				    .addrlen = sizeof(*a) };

	d.addr.in = *a;
	printf("dgram_send \"%s\" = %d\n", text, carapace_dgram_send(fd, &d, 1, 0));
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "10.0.2.2";
	struct sockaddr_in peer = to(host, 9), sub = to("10.0.2.255", 9), all = to("255.255.255.255", 9);
	struct sockaddr_in tcp_peer = to(host, 9);
	int plain = socket(AF_INET, SOCK_DGRAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	struct timespec second = { 1, 0 };

	setvbuf(stdout, NULL, _IONBF, 0);
	send_one(plain, &peer, "default ttl 64 tos 0"); /* ARP asks first */
	nanosleep(&second, NULL);
	opt(u, IPPROTO_IP, IP_TTL, 7);
	opt(u, IPPROTO_IP, IP_TOS, 0x28);
	send_one(u, &peer, "lwip ttl 7 tos 40");
	send_frame(u, &peer, "frame ttl 7 tos 40");
	opt(u, IPPROTO_IP, IP_TTL, -1);
	opt(u, IPPROTO_IP, IP_TOS, 0);
	send_frame(u, &peer, "frame ttl 64 tos 0");
	send_one(u, &sub, "subnet broadcast without SO_BROADCAST");
	send_one(u, &all, "broadcast without SO_BROADCAST");
	opt(u, SOL_SOCKET, SO_BROADCAST, 1);
	opt(u, IPPROTO_IP, IP_TTL, 3);
	send_one(u, &sub, "subnet broadcast ttl 3 tos 0");
	send_one(u, &all, "broadcast ttl 3 tos 0");
	{
		/* SO_DONTROUTE: the host is on the link, 10.9.9.9 only through
		 * the gateway. */
		int d = socket(AF_INET, SOCK_DGRAM, 0), dt = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in far = to("10.9.9.9", 9);

		send_one(d, &far, "off link without SO_DONTROUTE ttl 64 tos 0");
		ssize_t n = sendto(d, "x", 1, MSG_DONTROUTE, (struct sockaddr *)&far, sizeof(far));

		printf("MSG_DONTROUTE off link = %s\n", n < 0 ? strerror(errno) : "sent");
		opt(d, SOL_SOCKET, SO_DONTROUTE, 1);
		send_one(d, &far, "off link with SO_DONTROUTE");
		send_one(d, &peer, "on link with SO_DONTROUTE ttl 64 tos 0");
		send_frame(d, &far, "off link dgram_send with SO_DONTROUTE");
		opt(dt, SOL_SOCKET, SO_DONTROUTE, 1);
		printf("tcp connect off link with SO_DONTROUTE = %s\n",
		       connect(dt, (struct sockaddr *)&far, sizeof(far)) ? strerror(errno) : "0");
	}
	opt(t, IPPROTO_IP, IP_TTL, 9);
	opt(t, IPPROTO_IP, IP_TOS, 0x13); /* TCP keeps the ECN bits: 0x10 */
	fcntl(t, F_SETFL, O_NONBLOCK);
	printf("tcp connect = %s\n",
	       connect(t, (struct sockaddr *)&tcp_peer, sizeof(tcp_peer)) ? strerror(errno) : "0");
	nanosleep(&second, NULL);
	printf("sockopts_wire: done\n");
	return 0;
}
