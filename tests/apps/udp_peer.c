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
 * Usage: udp_peer [PORT]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 120000) == 1 && (p.revents & POLLIN) ? 0 : -1;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7, fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in from, peeked;
	socklen_t flen;
	char buf[2048], peek[2048];
	long echoed = 0, strangers = 0;
	int first = 1;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
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
			       memcmp(peek, buf, (size_t)n) == 0 && peeked.sin_port == from.sin_port
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
		if (a.sin_port != from.sin_port || a.sin_addr.s_addr != from.sin_addr.s_addr) {
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
