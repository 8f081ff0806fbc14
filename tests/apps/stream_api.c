/*
 * Carapace's stream API (<carapace/stream.h>, kernel/net/README.md "The
 * stream API") for the integration case app-stream-api.
 *
 * Bad arguments, each of which must fail with its errno and change
 * nothing: counts and flags out of range, the array NULL, unmapped, in
 * kernel text or on this thread's syscall stack (whose bytes must stay as
 * they were); entries whose descriptor is not a stream socket or whose
 * buffer is not the application's (a receive into the syscall stack must
 * leave it unchanged and the bytes waiting; a send from it must send
 * nothing). Then what must work over TCP on 127.0.0.1: three connections
 * written with one call and read with another, a batch whose bad entry
 * leaves the others alone, the peer's close as 0, and a send after
 * shutdown(SHUT_WR) answered EPIPE without SIGPIPE (whose default action
 * would end the run); on a listening socket ENOTCONN and EPIPE, and the
 * listener accepts after them. Each check prints "stream: NAME ok" or "stream:
 * NAME FAILED ..."; the last line is "stream: N failed", and the status 0
 * only when none did.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <carapace/stream.h>

#define CHECK_PREFIX "stream"
#include "check.h"

#define STACK_SIZE (16 * 1024) /* inside a syscall stack (kernel/sched/thread.c) */
#define SPAN 64
#define CONNS 3

/* The call fails as a whole with errno want. */
static void expect_errno(const char *name, int rc, int want)
{
	int e = errno;

	if (rc == -1 && e == want) {
		printf("stream: %s ok\n", name);
		return;
	}
	printf("stream: %s FAILED: %d (%s), wanted -1 (%s)\n", name, rc, rc < 0 ? strerror(e) : "-",
	       strerror(want));
	failures++;
}

/* One entry's call succeeded and its result is want. */
static void expect_result(const char *name, int rc, const struct carapace_stream *s, int64_t want)
{
	if (rc >= 1 && s->result == want) {
		printf("stream: %s ok\n", name);
		return;
	}
	printf("stream: %s FAILED: call %d, result %lld, wanted %lld\n", name, rc,
	       (long long)s->result, (long long)want);
	failures++;
}

static struct carapace_stream entry(int fd, void *buf, uint32_t len)
{
	return (struct carapace_stream){ .buf = buf, .len = len, .fd = fd, .result = 12345 };
}

/* Connections on 127.0.0.1: client[i] connected to server[i]; *lp their
 * listener, left listening. */
static int connections(int client[CONNS], int server[CONNS], int *lp)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = *lp = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, CONNS) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		return -1;
	for (int i = 0; i < CONNS; i++) {
		if ((client[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(client[i], (struct sockaddr *)&a, sizeof(a)) ||
		    (server[i] = accept(l, NULL, NULL)) < 0)
			return -1;
	}
	return 0;
}

/* Waits until fd has something to read (loopback goes through lwIP's thread). */
static void readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	poll(&p, 1, 5000);
}

static void bad_arguments(int conn)
{
	char buf[SPAN];
	char *kstack = (char *)(uintptr_t)(gs_word(16) - STACK_SIZE + 64), before[SPAN];
	char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct carapace_stream s[CARAPACE_STREAM_BATCH + 1];

	if (gone == MAP_FAILED || munmap(gone, 4096)) {
		printf("stream: setup failed\n");
		return;
	}
	for (int i = 0; i <= CARAPACE_STREAM_BATCH; i++)
		s[i] = entry(conn, buf, sizeof(buf));
	expect_errno("recv count 0", carapace_stream_recv(s, 0, 0), EINVAL);
	expect_errno("recv count 33", carapace_stream_recv(s, CARAPACE_STREAM_BATCH + 1, 0), EINVAL);
	expect_errno("send count -1", carapace_stream_send(s, (unsigned)-1, 0), EINVAL);
	expect_errno("recv flag MSG_DONTWAIT", carapace_stream_recv(s, 1, MSG_DONTWAIT), EINVAL);
	expect_errno("send flag MSG_NOSIGNAL", carapace_stream_send(s, 1, MSG_NOSIGNAL), EINVAL);
	expect_errno("recv array NULL", carapace_stream_recv(NULL, 1, 0), EFAULT);
	expect_errno("recv array unmapped", carapace_stream_recv((void *)gone, 1, 0), EFAULT);
	expect_errno("send array kernel text", carapace_stream_send((void *)(uintptr_t)printf, 1, 0),
		     EFAULT);
	memcpy(before, kstack, SPAN);
	expect_errno("send array kernel stack", carapace_stream_send((void *)kstack, 1, 0), EFAULT);
	expect_errno("recv array kernel stack", carapace_stream_recv((void *)kstack, 1, 0), EFAULT);
	check("kernel stack unchanged by the array", memcmp(before, kstack, SPAN) == 0);
}

static void bad_entries(int client, int server)
{
	char buf[SPAN];
	char *kstack = (char *)(uintptr_t)(gs_word(16) - STACK_SIZE + 64), before[SPAN];
	char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int pipefd[2], udp = socket(AF_INET, SOCK_DGRAM, 0);
	struct carapace_stream s;

	if (gone == MAP_FAILED || munmap(gone, 4096) || pipe(pipefd) || udp < 0) {
		printf("stream: setup failed\n");
		return;
	}
	s = entry(-1, buf, sizeof(buf));
	expect_result("recv bad fd", carapace_stream_recv(&s, 1, 0), &s, -EBADF);
	s = entry(pipefd[0], buf, sizeof(buf));
	expect_result("recv pipe", carapace_stream_recv(&s, 1, 0), &s, -ENOTSOCK);
	s = entry(udp, buf, sizeof(buf));
	expect_result("recv udp socket", carapace_stream_recv(&s, 1, 0), &s, -EOPNOTSUPP);
	s = entry(udp, "x", 1);
	expect_result("send udp socket", carapace_stream_send(&s, 1, 0), &s, -EOPNOTSUPP);
	s = entry(server, buf, sizeof(buf));
	expect_result("recv nothing waiting", carapace_stream_recv(&s, 1, 0), &s, -EAGAIN);

	/* Sends from memory that is not the application's: nothing goes. */
	s = entry(client, NULL, 10);
	expect_result("send buffer NULL", carapace_stream_send(&s, 1, 0), &s, -EFAULT);
	s = entry(client, gone, 10);
	expect_result("send buffer unmapped", carapace_stream_send(&s, 1, 0), &s, -EFAULT);
	s = entry(client, kstack, SPAN);
	expect_result("send buffer kernel stack", carapace_stream_send(&s, 1, 0), &s, -EFAULT);

	/* Receives into it: refused, the bytes kept for the next receive. */
	s = entry(client, "kept", 4);
	expect_result("send 4 bytes", carapace_stream_send(&s, 1, 0), &s, 4);
	readable(server);
	memcpy(before, kstack, SPAN);
	s = entry(server, kstack, SPAN);
	expect_result("recv buffer kernel stack", carapace_stream_recv(&s, 1, 0), &s, -EFAULT);
	check("kernel stack unchanged by the buffer", memcmp(before, kstack, SPAN) == 0);
	s = entry(server, NULL, SPAN);
	expect_result("recv buffer NULL", carapace_stream_recv(&s, 1, 0), &s, -EFAULT);
	s = entry(server, gone, SPAN);
	expect_result("recv buffer unmapped", carapace_stream_recv(&s, 1, 0), &s, -EFAULT);
	s = entry(server, buf, sizeof(buf));
	expect_result("recv the kept bytes", carapace_stream_recv(&s, 1, 0), &s, 4);
	check("nothing but them arrived", memcmp(buf, "kept", 4) == 0);
	close(pipefd[0]);
	close(pipefd[1]);
	close(udp);
}

static void batches(int client[CONNS], int server[CONNS])
{
	static const char *msg[CONNS] = { "first", "second!", "third..." };
	char buf[CONNS][SPAN];
	struct carapace_stream s[CONNS + 1];
	int rc, got = 0;

	for (int i = 0; i < CONNS; i++)
		s[i] = entry(client[i], (void *)msg[i], (uint32_t)strlen(msg[i]));
	rc = carapace_stream_send(s, CONNS, 0);
	check("send on 3 connections in one call", rc == CONNS && s[0].result == 5 &&
	      s[1].result == 7 && s[2].result == 8);
	for (int i = 0; i < CONNS; i++)
		readable(server[i]);
	for (int i = 0; i < CONNS; i++)
		s[i] = entry(server[i], buf[i], SPAN);
	rc = carapace_stream_recv(s, CONNS, 0);
	for (int i = 0; i < CONNS; i++)
		got += s[i].result == (int64_t)strlen(msg[i]) && !memcmp(buf[i], msg[i], strlen(msg[i]));
	check("recv on 3 connections in one call", rc == CONNS && got == CONNS);

	/* A bad entry in the middle: the others are done. */
	s[0] = entry(server[0], "reply0", 6);
	s[1] = entry(server[1], (void *)1, 6);
	s[2] = entry(-1, "x", 1);
	s[3] = entry(server[2], "reply2", 6);
	rc = carapace_stream_send(s, 4, 0);
	check("a batch's bad entries leave the others", rc == 4 && s[0].result == 6 &&
	      s[1].result == -EFAULT && s[2].result == -EBADF && s[3].result == 6);
	readable(client[0]);
	readable(client[2]);
	s[0] = entry(client[0], buf[0], SPAN);
	s[1] = entry(client[1], buf[1], SPAN);
	s[2] = entry(client[2], buf[2], SPAN);
	rc = carapace_stream_recv(s, CONNS, 0);
	check("their replies, and none from the bad one", rc == CONNS && s[0].result == 6 &&
	      !memcmp(buf[0], "reply0", 6) && s[1].result == -EAGAIN && s[2].result == 6 &&
	      !memcmp(buf[2], "reply2", 6));

	/* The peer's close reads as 0; a send after SHUT_WR is EPIPE, no SIGPIPE. */
	close(client[0]);
	readable(server[0]);
	s[0] = entry(server[0], buf[0], SPAN);
	expect_result("recv after the peer closed", carapace_stream_recv(s, 1, 0), s, 0);
	shutdown(server[1], SHUT_WR);
	s[0] = entry(server[1], "late", 4);
	expect_result("send after SHUT_WR (no SIGPIPE)", carapace_stream_send(s, 1, 0), s, -EPIPE);
}

/*
 * Entries on a listening socket answer before lwIP is called (its pcb is
 * lwIP's shorter listen pcb: kernel/net/README.md), as recv and send with
 * MSG_NOSIGNAL would; the listener still accepts after them.
 */
static void listener_entries(int l)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char buf[SPAN];
	struct carapace_stream s = entry(l, buf, sizeof(buf));
	int c = socket(AF_INET, SOCK_STREAM, 0), n = -1;

	expect_result("recv on a listener", carapace_stream_recv(&s, 1, 0), &s, -ENOTCONN);
	s = entry(l, "x", 1);
	expect_result("send on a listener (no SIGPIPE)", carapace_stream_send(&s, 1, 0), &s, -EPIPE);
	check("the listener accepts after them",
	      getsockname(l, (struct sockaddr *)&a, &len) == 0 &&
	      connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 && (n = accept(l, NULL, NULL)) >= 0);
	close(n);
	close(c);
}

int main(void)
{
	int client[CONNS], server[CONNS], listener;

	setvbuf(stdout, NULL, _IOLBF, 0); /* each line as it comes: a hang shows where */
	if (connections(client, server, &listener)) {
		printf("stream: setup failed: %s\n", strerror(errno));
		return 1;
	}
	bad_arguments(server[0]);
	bad_entries(client[0], server[0]);
	batches(client, server);
	listener_entries(listener);
	printf("stream: %d failed\n", failures);
	return failures != 0;
}
