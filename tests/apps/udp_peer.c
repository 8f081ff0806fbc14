/*
 * A UDP server for tests/net/test_udp_channels.py (kernel/net/README.md,
 * "Net channels"): what a bound and a connected UDP socket receive from
 * the host, through --net user --forward udp:PORT:7.
 *
 * 1. Bound to 0.0.0.0:7: echoes every datagram until one reads "connect".
 *    The first datagram is peeked first (MSG_PEEK, then read: the same
 *    bytes, the same sender), and a 1-byte read of a longer one must say
 *    MSG_TRUNC and the whole length.
 * 2. Connects to the sender of "connect", answers "connected", then
 *    echoes what arrives until "quit" (from its peer: datagrams from any
 *    other sender must not be delivered; each is printed if one is).
 * 3. Prints what it saw and exits 0.
 *
 * Usage: udp_peer [PORT [6]]: with 6, an AF_INET6 socket bound to ::, which
 * takes IPv4 too (IPV6_V6ONLY off).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Whether a and b are the same sender (address and port). */
static int same_sender(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *x6 = (const void *)a, *y6 = (const void *)b;
	const struct sockaddr_in *x4 = (const void *)a, *y4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return x4->sin_port == y4->sin_port && x4->sin_addr.s_addr == y4->sin_addr.s_addr;
	return x6->sin6_port == y6->sin6_port && !memcmp(&x6->sin6_addr, &y6->sin6_addr, 16);
}

static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 120000) == 1 && (p.revents & POLLIN) ? 0 : -1;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7, v6 = argc > 2 && !strcmp(argv[2], "6");
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0), off = 0;
	struct sockaddr_storage a, from, peeked;
	struct sockaddr_in *a4 = (void *)&a;
	struct sockaddr_in6 *a6 = (void *)&a;
	socklen_t flen, alen = v6 ? sizeof(*a6) : sizeof(*a4);
	char buf[2048], peek[2048];
	long echoed = 0, strangers = 0;
	int first = 1;

	memset(&a, 0, sizeof(a));
	if (v6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	} else {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, alen)) {
		perror("udp_peer: bind");
		return 1;
	}
	printf("udp_peer: bound to port %d\n", port);
	fflush(stdout);
	for (;;) {
		ssize_t n;

		if (wait_readable(fd))
			return 2;
		if (first) {
			flen = sizeof(peeked);
			n = recvfrom(fd, peek, sizeof(peek), MSG_PEEK, (struct sockaddr *)&peeked, &flen);
			flen = sizeof(from);
			if (recvfrom(fd, buf, 1, MSG_PEEK | MSG_TRUNC, (struct sockaddr *)&from, &flen) != n)
				printf("udp_peer: MSG_TRUNC did not give the whole length\n");
		}
		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			return 3;
		if (first) {
			printf("udp_peer: peek %s\n",
			       memcmp(peek, buf, (size_t)n) == 0 && same_sender(&peeked, &from)
				       ? "equal" : "differs");
			first = 0;
		}
		if (n == 7 && memcmp(buf, "connect", 7) == 0)
			break;
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
		echoed++;
	}
	printf("udp_peer: echoed %ld unconnected\n", echoed);
	if (connect(fd, (struct sockaddr *)&from, flen)) {
		perror("udp_peer: connect");
		return 4;
	}
	send(fd, "connected", 9, 0);
	echoed = 0;
	for (;;) {
		ssize_t n;

		if (wait_readable(fd))
			return 5;
		flen = sizeof(a);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&a, &flen);
		if (n < 0)
			return 6;
		if (!same_sender(&a, &from)) {
			printf("udp_peer: delivered from a stranger: %.*s\n", (int)n, buf);
			strangers++;
		}
		if (n == 4 && memcmp(buf, "quit", 4) == 0)
			break;
		send(fd, buf, (size_t)n, 0);
		echoed++;
	}
	printf("udp_peer: echoed %ld connected, %ld from strangers\n", echoed, strangers);
	close(fd);
	return 0;
}
