/*
 * net_echo PORT [CONNECTIONS]: an epoll TCP echo server, the guest side of
 * the round-trip benchmark (scripts/bench-net). Every byte a client sends
 * comes back; a connection's unsent bytes stop its reading until they are
 * written, so a slow client costs memory of one buffer, not more. Exits 0
 * after CONNECTIONS connections have closed (0 or none: never), 3 when the
 * system has no sockets, 4 when a call fails.
 *
 * Plain POSIX and Linux's epoll, nothing of Carapace: the same program runs
 * in Carapace and in the Linux guest (scripts/linux-guest).
 */
#include "net_common.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#define ECHO_BUFFER 65536
#define MAX_EVENTS 64

struct connection {
	int fd;
	size_t pending; /* bytes in buffer not yet written back */
	size_t written; /* of those, already written */
	char buffer[ECHO_BUFFER];
};

static int epoll_fd;

static void fail(const char *call)
{
	printf("net_echo: %s: %s\n", call, strerror(errno));
	exit(NET_EXIT_FAILED);
}

static void watch(struct connection *c, int op, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(epoll_fd, op, c->fd, &ev) < 0)
		fail("epoll_ctl");
}

static void accept_all(int listener)
{
	for (;;) {
		int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
				return;
			fail("accept4");
		}
		int one = 1;
		/* Small messages go out at once: the benchmark measures the
		 * round trip, not Nagle's delay. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct connection *c = malloc(sizeof(*c));
		if (!c) {
			printf("net_echo: out of memory for a connection\n");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->pending = c->written = 0;
		watch(c, EPOLL_CTL_ADD, EPOLLIN);
	}
}

/* Writes back what is pending. Returns 0 when all is written, 1 when the
 * socket is full (wait for EPOLLOUT), -1 when the connection is gone. */
static int flush(struct connection *c)
{
	while (c->written < c->pending) {
		ssize_t n = write(c->fd, c->buffer + c->written, c->pending - c->written);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->written += (size_t)n;
	}
	c->pending = c->written = 0;
	return 0;
}

/* Reads and echoes until the socket is empty. Returns -1 when the
 * connection is over. */
static int serve(struct connection *c, unsigned events)
{
	if (c->pending) {
		int rc = flush(c);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return 0;
		watch(c, EPOLL_CTL_MOD, EPOLLIN);
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	for (;;) {
		ssize_t n = read(c->fd, c->buffer, sizeof(c->buffer));
		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->pending = (size_t)n;
		int rc = flush(c);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			watch(c, EPOLL_CTL_MOD, EPOLLOUT);
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	int port = argc >= 2 ? net_parse_port(argv[1]) : -1;
	long limit = argc >= 3 ? net_parse_count(argv[2]) : 0;

	if (argc < 2 || argc > 3 || port < 0 || limit < 0) {
		printf("usage: net_echo PORT [CONNECTIONS]\n");
		return NET_EXIT_USAGE;
	}
	int listener = net_listen("net_echo", port, SOCK_NONBLOCK | SOCK_CLOEXEC);
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		fail("epoll_create1");
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &ev) < 0)
		fail("epoll_ctl");

	long closed = 0;
	struct epoll_event events[MAX_EVENTS];
	while (limit == 0 || closed < limit) {
		int n = epoll_wait(epoll_fd, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			struct connection *c = events[i].data.ptr;
			if (!c) {
				accept_all(listener);
				continue;
			}
			if (serve(c, events[i].events) < 0) {
				close(c->fd); /* also leaves the epoll set */
				free(c);
				closed++;
			}
		}
	}
	printf("net_echo: served %ld connections\n", closed);
	return 0;
}
