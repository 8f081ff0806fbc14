/*
 * Concurrency: an epoll echo server (edge-triggered, non-blocking, one
 * thread) and CLIENTS connections to it over an abstract AF_UNIX name, all
 * open at once. Every client sends its own line and must get it back; the
 * output is the same natively and in Carapace (tests/apps/differential).
 * CLIENTS is 500: both ends are descriptors of this one process, and
 * RLIMIT_NOFILE is 1024.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CLIENTS 500

static struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "\0carapace-echo" };
static const socklen_t addr_len = 2 + 1 + 13;
static int listener;
static long accepted, echoed_bytes;

/* Echoes what each connection sends until it closes; ends after CLIENTS closes. */
static void *server(void *arg)
{
	int ep = epoll_create1(0), closed = 0;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = listener }, got[64];
	char buf[256];

	(void)arg;
	epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
	while (closed < CLIENTS) {
		int n = epoll_wait(ep, got, 64, 10000);

		if (n <= 0) {
			printf("server: epoll_wait returned %d, %d closed\n", n, closed);
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = got[i].data.fd;

			if (fd == listener) {
				int c;

				while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event cev = { .events = EPOLLIN | EPOLLET, .data.fd = c };

					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
					accepted++;
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r > 0) {
					echoed_bytes += write(fd, buf, (size_t)r);
					continue;
				}
				if (r == 0 || errno != EAGAIN) {
					close(fd);
					closed++;
				}
				break;
			}
		}
	}
	close(ep);
	return NULL;
}

int main(void)
{
	static int fds[CLIENTS];
	int wrong = 0;
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (bind(listener, (struct sockaddr *)&addr, addr_len) || listen(listener, 64)) {
		perror("bind/listen");
		return 1;
	}
	pthread_create(&t, NULL, server, NULL);
	/* All connected first (a full backlog makes connect wait), then all talk. */
	for (int i = 0; i < CLIENTS; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fds[i], (struct sockaddr *)&addr, addr_len))
			wrong++;
	}
	for (int i = 0; i < CLIENTS; i++) {
		char line[32];
		int len = snprintf(line, sizeof(line), "client %d\n", i);

		if (write(fds[i], line, (size_t)len) != len)
			wrong++;
	}
	for (int i = 0; i < CLIENTS; i++) {
		char line[32], back[32];
		int len = snprintf(line, sizeof(line), "client %d\n", i);
		ssize_t got = 0, r;

		while (got < len && (r = read(fds[i], back + got, (size_t)(len - got))) > 0)
			got += r;
		if (got != len || memcmp(line, back, (size_t)len))
			wrong++;
		close(fds[i]);
	}
	pthread_join(t, NULL);
	printf("unix_epoll_server: %d clients connected at once, %ld accepted, %ld bytes echoed, %d wrong\n",
	       CLIENTS, accepted, echoed_bytes, wrong);
	return wrong != 0;
}
