/*
 * Carapace's datagram API (<carapace/dgram.h>, kernel/net/README.md "The
 * datagram API") for tests/net/test_dgram_api.py.
 *
 * 1. Bad arguments, each of which must fail with its errno and change
 *    nothing: counts and flags out of range, the array or a buffer NULL,
 *    unmapped or the kernel's (this thread's syscall stack, whose bytes
 *    must stay as they were; a receive into it must also leave the
 *    datagram waiting), a datagram too long, bad addresses, files that
 *    are not UDP sockets. Then what must work, on 127.0.0.1 (lwIP's path:
 *    a loopback socket has no net channel): a batch sent and received,
 *    a datagram truncated to its room, a batch cut at its bad datagram.
 *    Each check prints "dgram: NAME ok" or "dgram: NAME FAILED ...".
 * 2. Echoes, through the API, what arrives on 0.0.0.0:PORT (the host's
 *    datagrams: the socket's net channel in, frames built by the kernel
 *    out; "big" is answered with 3,000 bytes, over the MTU: lwIP's path,
 *    which fragments) until a datagram reads "quit"; prints "dgram: N failed, M
 *    echoed" and exits with 0 only when every check passed.
 *
 * Usage: dgram_api [PORT]   (7 by default)
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <carapace/dgram.h>

#define CHECK_PREFIX "dgram"
#include "check.h"

#define STACK_SIZE (16 * 1024) /* a syscall stack (kernel/sched/thread.c) */
#define SPAN 64

static void expect(const char *name, int rc, int want_rc, int want_errno)
{
	int e = errno;

	if (rc == want_rc && (want_rc != -1 || e == want_errno)) {
		printf("dgram: %s ok\n", name);
		return;
	}
	printf("dgram: %s FAILED: %d (%s), wanted %d (%s)\n", name, rc, rc < 0 ? strerror(e) : "-",
	       want_rc, want_rc < 0 ? strerror(want_errno) : "-");
	failures++;
}

static int udp_socket(uint32_t addr, int port, struct sockaddr_in *bound)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t len = sizeof(*bound);

	*bound = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				      .sin_addr.s_addr = addr };
	if (fd < 0 || bind(fd, (struct sockaddr *)bound, sizeof(*bound)) ||
	    getsockname(fd, (struct sockaddr *)bound, &len)) {
		printf("dgram: setup failed: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static struct carapace_dgram to(const struct sockaddr_in *a, void *buf, uint32_t len)
{
	struct carapace_dgram d = { .buf = buf, .len = len, .addrlen = sizeof(*a) };

	d.addr.in = *a;
	return d;
}

static void bad_arguments(void)
{
	struct sockaddr_in a, b;
	int fd = udp_socket(htonl(INADDR_LOOPBACK), 0, &a), other = udp_socket(htonl(INADDR_LOOPBACK), 0, &b);
	int tcp = socket(AF_INET, SOCK_STREAM, 0), pipefd[2];
	char buf[256], big[4] = "abc";
	char *kstack = (char *)(uintptr_t)(gs_word(16) - STACK_SIZE + 64), before[SPAN];
	char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct carapace_dgram d[CARAPACE_DGRAM_BATCH + 1], one;

	if (tcp < 0 || pipe(pipefd) || gone == MAP_FAILED || munmap(gone, 4096)) {
		printf("dgram: setup failed\n");
		exit(1);
	}
	memset(d, 0, sizeof(d));
	for (int i = 0; i <= CARAPACE_DGRAM_BATCH; i++)
		d[i] = (struct carapace_dgram){ buf, sizeof(buf) };

	/* The arguments themselves. */
	expect("recv count 0", carapace_dgram_recv(fd, d, 0, MSG_DONTWAIT), -1, EINVAL);
	expect("recv count 17", carapace_dgram_recv(fd, d, CARAPACE_DGRAM_BATCH + 1, MSG_DONTWAIT), -1,
	       EINVAL);
	expect("recv count -1", carapace_dgram_recv(fd, d, (unsigned)-1, MSG_DONTWAIT), -1, EINVAL);
	expect("recv flag MSG_PEEK", carapace_dgram_recv(fd, d, 1, MSG_PEEK), -1, EINVAL);
	expect("send flag MSG_DONTWAIT", carapace_dgram_send(fd, d, 1, MSG_DONTWAIT), -1, EINVAL);
	expect("recv array NULL", carapace_dgram_recv(fd, NULL, 1, MSG_DONTWAIT), -1, EFAULT);
	expect("recv array unmapped", carapace_dgram_recv(fd, (void *)gone, 1, MSG_DONTWAIT), -1, EFAULT);
	expect("recv array kernel text", carapace_dgram_recv(fd, (void *)(uintptr_t)printf, 1,
							      MSG_DONTWAIT), -1, EFAULT);
	memcpy(before, kstack, SPAN);
	expect("send array kernel stack", carapace_dgram_send(fd, (void *)kstack, 1, 0), -1, EFAULT);
	expect("recv array kernel stack", carapace_dgram_recv(fd, (void *)kstack, 1, MSG_DONTWAIT), -1,
	       EFAULT);
	check("kernel stack unchanged by the array", memcmp(before, kstack, SPAN) == 0);

	/* Files that are not UDP sockets. */
	expect("recv bad fd", carapace_dgram_recv(-1, d, 1, MSG_DONTWAIT), -1, EBADF);
	expect("recv pipe", carapace_dgram_recv(pipefd[0], d, 1, MSG_DONTWAIT), -1, ENOTSOCK);
	expect("recv tcp socket", carapace_dgram_recv(tcp, d, 1, MSG_DONTWAIT), -1, EOPNOTSUPP);
	expect("send tcp socket", carapace_dgram_send(tcp, d, 1, 0), -1, EOPNOTSUPP);
	expect("recv nothing waiting", carapace_dgram_recv(fd, d, 1, MSG_DONTWAIT), -1, EAGAIN);

	/* Sends: each datagram's buffer, size and address. */
	one = to(&a, NULL, 10);
	expect("send buffer NULL", carapace_dgram_send(other, &one, 1, 0), -1, EFAULT);
	one = to(&a, gone, 10);
	expect("send buffer unmapped", carapace_dgram_send(other, &one, 1, 0), -1, EFAULT);
	one = to(&a, kstack, SPAN);
	expect("send buffer kernel stack", carapace_dgram_send(other, &one, 1, 0), -1, EFAULT);
	one = to(&a, big, 65508);
	expect("send too long", carapace_dgram_send(other, &one, 1, 0), -1, EMSGSIZE);
	one = to(&a, big, 3);
	one.addrlen = 29;
	expect("send address too long", carapace_dgram_send(other, &one, 1, 0), -1, EINVAL);
	one.addrlen = 8;
	expect("send address too short", carapace_dgram_send(other, &one, 1, 0), -1, EINVAL);
	one.addrlen = sizeof(one.addr.in);
	one.addr.in.sin_family = AF_INET6;
	expect("send address family", carapace_dgram_send(other, &one, 1, 0), -1, EAFNOSUPPORT);
	one.addrlen = 0;
	expect("send no address", carapace_dgram_send(other, &one, 1, 0), -1, EDESTADDRREQ);
	expect("nothing sent by a bad send", carapace_dgram_recv(fd, d, 1, MSG_DONTWAIT), -1, EAGAIN);

	/* A receive into kernel memory: refused, the datagram kept. */
	one = to(&a, "kept", 4);
	expect("send one", carapace_dgram_send(other, &one, 1, 0), 1, 0);
	memcpy(before, kstack, SPAN);
	d[0] = (struct carapace_dgram){ kstack, SPAN };
	expect("recv buffer kernel stack", carapace_dgram_recv(fd, d, 1, 0), -1, EFAULT);
	check("kernel stack unchanged by the buffer", memcmp(before, kstack, SPAN) == 0);
	d[0] = (struct carapace_dgram){ gone, SPAN };
	expect("recv buffer unmapped", carapace_dgram_recv(fd, d, 1, 0), -1, EFAULT);
	d[0] = (struct carapace_dgram){ buf, sizeof(buf) };
	expect("recv the kept datagram", carapace_dgram_recv(fd, d, 1, 0), 1, 0);
	check("its bytes and sender", d[0].len == 4 && !memcmp(buf, "kept", 4) && d[0].flags == 0 &&
	      d[0].addrlen == sizeof(b) && d[0].addr.in.sin_port == b.sin_port);

	/* A batch cut at its bad datagram: the ones before it go. */
	{
		struct carapace_dgram out[3] = { to(&a, "one", 3), to(&a, gone, 3), to(&a, "three", 5) };

		expect("send batch cut at the 2nd", carapace_dgram_send(other, out, 3, 0), 1, 0);
		out[1] = to(&a, "two", 3);
		expect("send batch of 3", carapace_dgram_send(other, out, 3, 0), 3, 0);
	}
	for (int i = 0; i < 4; i++)
		d[i] = (struct carapace_dgram){ buf + 64 * i, 64 };
	/* lwIP's loopback delivers from its own thread: they may come apart. */
	{
		int got = 0, n = 0;

		while (got < 4 && (n = carapace_dgram_recv(fd, d + got, 4 - (unsigned)got, 0)) > 0)
			got += n;
		expect("recv batch of 4", n < 0 ? n : got, 4, 0);
	}
	check("batch in order", d[0].len == 3 && !memcmp(d[0].buf, "one", 3) && d[1].len == 3 &&
	      !memcmp(d[1].buf, "one", 3) && d[2].len == 3 && !memcmp(d[2].buf, "two", 3) &&
	      d[3].len == 5 && !memcmp(d[3].buf, "three", 5));

	/* Truncated to the room: the whole length said, the room's worth copied. */
	memset(buf, '.', sizeof(buf));
	one = to(&a, "0123456789abcdef", 16);
	expect("send 16 bytes", carapace_dgram_send(other, &one, 1, 0), 1, 0);
	d[0] = (struct carapace_dgram){ buf, 10 };
	expect("recv into 10 bytes", carapace_dgram_recv(fd, d, 1, 0), 1, 0);
	check("truncated", d[0].len == 16 && d[0].flags == CARAPACE_DGRAM_TRUNC &&
	      !memcmp(buf, "0123456789", 10) && buf[10] == '.');
	close(fd);
	close(other);
	close(tcp);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Echoes the host's datagrams until "quit": the count echoed. */
static long echo(int port)
{
	static char slots[CARAPACE_DGRAM_BATCH][2048], big[3000];
	struct carapace_dgram d[CARAPACE_DGRAM_BATCH];
	struct sockaddr_in a;
	int fd = udp_socket(htonl(INADDR_ANY), port, &a);
	long echoed = 0;

	for (size_t k = 0; k < sizeof(big); k++)
		big[k] = (char)(k % 251);
	printf("dgram: bound to port %d\n", port);
	fflush(stdout);
	for (;;) {
		int n;

		for (int i = 0; i < CARAPACE_DGRAM_BATCH; i++)
			d[i] = (struct carapace_dgram){ slots[i], sizeof(slots[i]) };
		n = carapace_dgram_recv(fd, d, CARAPACE_DGRAM_BATCH, 0);
		if (n < 0) {
			printf("dgram: echo recv FAILED: %s\n", strerror(errno));
			failures++;
			return echoed;
		}
		for (int i = 0; i < n; i++) {
			if (d[i].len == 4 && !memcmp(d[i].buf, "quit", 4))
				return echoed;
			if (d[i].len > sizeof(slots[i])) /* truncated: the room's worth back */
				d[i].len = sizeof(slots[i]);
			if (d[i].len == 3 && !memcmp(d[i].buf, "big", 3)) /* over the MTU */
				d[i].buf = big, d[i].len = sizeof(big);
		}
		if (carapace_dgram_send(fd, d, (unsigned)n, 0) != n) {
			printf("dgram: echo send FAILED: %s\n", strerror(errno));
			failures++;
		}
		echoed += n;
	}
}

int main(int argc, char **argv)
{
	long echoed;

	setvbuf(stdout, NULL, _IOLBF, 0); /* each line as it comes: a hang shows where */
	bad_arguments();
	echoed = echo(argc > 1 ? atoi(argv[1]) : 7);
	printf("dgram: %d failed, %ld echoed\n", failures, echoed);
	return failures != 0;
}
