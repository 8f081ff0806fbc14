/*
 * What the guest-side network benchmark programs (net_echo.c, net_sink.c)
 * share: the status that says the system has no sockets, so that the
 * harness (scripts/bench-net) prints "n/a" instead of a figure, and the
 * listening socket. Plain POSIX: the same file builds for Carapace
 * (scripts/carapace cc) and for the Linux guest (musl-gcc -static).
 */
#ifndef NET_COMMON_H
#define NET_COMMON_H

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Exit statuses of the guest programs, read by scripts/bench-net. */
enum {
	NET_EXIT_USAGE = 2,
	NET_EXIT_NO_SOCKETS = 3, /* socket() says the system has none */
	NET_EXIT_FAILED = 4,	 /* any other failure of a call */
};

/* Whether socket()'s errno means "this system has no (IPv4 TCP) sockets"
 * rather than a failure worth a figure: the call is missing or the family
 * or protocol is not supported. */
static inline int net_no_sockets(int err)
{
	return err == ENOSYS || err == EAFNOSUPPORT || err == EPROTONOSUPPORT;
}

/* A port given on the command line: 1 to 65535, digits only. */
static inline int net_parse_port(const char *text)
{
	char *end;
	long port = strtol(text, &end, 10);

	if (end == text || *end != '\0' || port < 1 || port > 65535)
		return -1;
	return (int)port;
}

/* A TCP socket listening on 0.0.0.0:PORT with SO_REUSEADDR; exits with
 * NET_EXIT_NO_SOCKETS or NET_EXIT_FAILED (after a line that names the call)
 * when it cannot. FLAGS go to socket()'s type (SOCK_NONBLOCK). */
static inline int net_listen(const char *name, int port, int flags)
{
	struct sockaddr_in addr;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

	/* A client that gave up (net_client's probe closes after 2 s, and a
	 * slow guest can accept that connection later) must cost the server
	 * one connection (its write gets EPIPE), not its life by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);

	if (fd < 0) {
		int err = errno;
		printf("%s: socket: %s%s\n", name, strerror(err),
		       net_no_sockets(err) ? " (no sockets)" : "");
		exit(net_no_sockets(err) ? NET_EXIT_NO_SOCKETS : NET_EXIT_FAILED);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		printf("%s: setsockopt SO_REUSEADDR: %s\n", name, strerror(errno));
		exit(NET_EXIT_FAILED);
	}
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)port);
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 128) < 0) {
		printf("%s: bind/listen on port %d: %s\n", name, port, strerror(errno));
		exit(NET_EXIT_FAILED);
	}
	printf("%s: listening on port %d\n", name, port);
	fflush(stdout);
	return fd;
}

/* CONNECTIONS from argv: how many connections to serve before exiting
 * with status 0 (0: forever). */
static inline long net_parse_count(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (end == text || *end != '\0' || n < 0)
		return -1;
	return n;
}

#endif
