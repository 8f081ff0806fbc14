/*
 * AF_UNIX sockets, run natively and in Carapace by tests/apps/differential:
 * both must print the same lines. Each line names a call and what it
 * returned (a count, or an errno name), so a difference shows where.
 *
 * Covered: socketpair echo (stream, with a thread), half-close, MSG_PEEK,
 * MSG_TRUNC and MSG_DONTWAIT on datagrams, a named stream server (bind,
 * listen, connect, accept4, getsockname/getpeername), abstract names,
 * sendmsg/recvmsg with two iovecs, sendmmsg/recvmmsg, SO_TYPE/SO_ERROR,
 * shutdown's poll bits, EPIPE with SIGPIPE ignored, MSG_WAITALL, and the
 * errors: EAFNOSUPPORT, EINVAL, ESOCKTNOSUPPORT (not for SEQPACKET:
 * Carapace lacks it), EPROTONOSUPPORT, EFAULT, ENOTSOCK, EBADF,
 * EADDRINUSE, ECONNREFUSED, ENOENT, ENOTCONN, EISCONN, ECONNRESET.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>

#include "show_result.h"

static void *echo_thread(void *arg)
{
	int fd = *(int *)arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	close(fd);
	return NULL;
}

static void stream_echo(void)
{
	int sv[2];
	pthread_t t;
	char msg[100000], back[100000];
	size_t got = 0;
	unsigned sum = 0;

	show("socketpair(stream)", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pthread_create(&t, NULL, echo_thread, &sv[1]);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)(i * 7 + 3);
	show("write 100000", write(sv[0], msg, sizeof(msg)));
	while (got < sizeof(back)) {
		ssize_t n = read(sv[0], back + got, sizeof(back) - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	for (size_t i = 0; i < got; i++)
		sum = sum * 31 + (unsigned char)back[i];
	printf("echoed %zu bytes, same: %s, sum %08x\n", got,
	       got == sizeof(msg) && !memcmp(msg, back, got) ? "yes" : "no", sum);
	show("shutdown(SHUT_WR)", shutdown(sv[0], SHUT_WR));
	show("read after the echo closed", read(sv[0], back, sizeof(back)));
	pthread_join(t, NULL);
	close(sv[0]);
}

static void half_close(void)
{
	int sv[2];
	char buf[16];
	struct pollfd p;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	show("send hello", send(sv[0], "hello", 5, 0));
	show("shutdown(a, SHUT_WR)", shutdown(sv[0], SHUT_WR));
	show("send after SHUT_WR", send(sv[0], "x", 1, MSG_NOSIGNAL));
	p = (struct pollfd){ .fd = sv[1], .events = POLLIN | POLLRDHUP };
	show("poll(b)", poll(&p, 1, 0));
	printf("b revents: in=%d rdhup=%d hup=%d\n", !!(p.revents & POLLIN),
	       !!(p.revents & POLLRDHUP), !!(p.revents & POLLHUP));
	show("recv(b, PEEK)", recv(sv[1], buf, sizeof(buf), MSG_PEEK));
	show("recv(b)", recv(sv[1], buf, sizeof(buf), 0));
	show("recv(b) at end", recv(sv[1], buf, sizeof(buf), 0));
	show("b still sends", send(sv[1], "back", 4, 0));
	show("a still receives", recv(sv[0], buf, sizeof(buf), 0));
	close(sv[1]);
	show("send to a closed peer (SIGPIPE ignored)", send(sv[0], "x", 1, 0));
	p = (struct pollfd){ .fd = sv[0], .events = POLLIN | POLLOUT };
	poll(&p, 1, 0);
	printf("a revents after the close: hup=%d\n", !!(p.revents & POLLHUP));
	close(sv[0]);
}

static void datagrams(void)
{
	int sv[2];
	char buf[8];
	struct msghdr m = { 0 };
	struct iovec iov = { buf, 4 };

	show("socketpair(dgram)", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv));
	show("recv empty (nonblock)", recv(sv[1], buf, sizeof(buf), 0));
	show("send 10", send(sv[0], "0123456789", 10, 0));
	show("send 3", send(sv[0], "abc", 3, 0));
	show("send 0", send(sv[0], "", 0, 0));
	show("recv 4 with MSG_TRUNC", recv(sv[1], buf, 4, MSG_TRUNC | MSG_PEEK));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	show("recvmsg 4 of 10", recvmsg(sv[1], &m, 0));
	printf("msg_flags MSG_TRUNC: %d, bytes %.4s\n", !!(m.msg_flags & MSG_TRUNC), buf);
	show("recv 3", recv(sv[1], buf, sizeof(buf), 0));
	show("recv 0-byte datagram", recv(sv[1], buf, sizeof(buf), 0));
	show("recv empty again", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	close(sv[1]);
	show("send to a closed dgram peer", send(sv[0], "x", 1, 0));
	close(sv[0]);
}

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void named_server(void)
{
	struct sockaddr_un a, got;
	socklen_t len = path_addr(&a, "/tmp/carapace-test.sock"), glen;
	int l, x, s, y;
	char buf[16];

	unlink(a.sun_path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	x = socket(AF_UNIX, SOCK_STREAM, 0);
	show("connect to a missing path", connect(x, (struct sockaddr *)&a, len));
	show("listen before bind", listen(l, 4));
	show("bind", bind(l, (struct sockaddr *)&a, len));
	show("bind again", bind(l, (struct sockaddr *)&a, len));
	show("bind of a name in use", bind(x, (struct sockaddr *)&a, len));
	show("connect before listen", connect(x, (struct sockaddr *)&a, len));
	show("listen", listen(l, 4));
	show("connect", connect(x, (struct sockaddr *)&a, len));
	show("connect again", connect(x, (struct sockaddr *)&a, len));
	glen = sizeof(got);
	s = accept4(l, (struct sockaddr *)&got, &glen, SOCK_NONBLOCK);
	printf("accept4: %s, peer address length %u\n", s >= 0 ? "ok" : "failed", (unsigned)glen);
	glen = sizeof(got);
	show("getsockname(accepted)", getsockname(s, (struct sockaddr *)&got, &glen));
	printf("  length %u path %s\n", (unsigned)glen, got.sun_path);
	glen = sizeof(got);
	show("getpeername(client)", getpeername(x, (struct sockaddr *)&got, &glen));
	printf("  length %u path %s\n", (unsigned)glen, got.sun_path);
	glen = sizeof(got);
	show("getsockname(client)", getsockname(x, (struct sockaddr *)&got, &glen));
	printf("  length %u\n", (unsigned)glen);
	show("send ping", send(x, "ping", 4, 0));
	show("recv on the accepted socket", recv(s, buf, sizeof(buf), 0));
	show("recv again (nonblocking)", recv(s, buf, sizeof(buf), 0));
	show("accept with none waiting (MSG_DONTWAIT has no say)", (fcntl(l, F_SETFL, O_NONBLOCK), accept(l, NULL, NULL)));
	/* A close with unread data resets the other end. */
	show("send unread", send(x, "unread", 6, 0));
	close(s);
	show("recv after a reset", recv(x, buf, sizeof(buf), 0));
	show("recv after that", recv(x, buf, sizeof(buf), 0));
	close(x);
	close(l);
	y = socket(AF_UNIX, SOCK_STREAM, 0);
	show("connect to a name whose socket closed", connect(y, (struct sockaddr *)&a, len));
	show("unlink the name", unlink(a.sun_path));
	show("connect after the unlink", connect(y, (struct sockaddr *)&a, len));
	close(y);
}

static void abstract_names(void)
{
	struct sockaddr_un srv = { .sun_family = AF_UNIX }, cli = { .sun_family = AF_UNIX }, got;
	socklen_t slen = offsetof(struct sockaddr_un, sun_path) + 1 + 13;
	socklen_t clen = offsetof(struct sockaddr_un, sun_path) + 1 + 6, glen;
	int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM, 0);
	int c = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[16];

	memcpy(srv.sun_path, "\0carapace-srv", 14);
	memcpy(cli.sun_path, "\0client", 7);
	show("bind abstract", bind(a, (struct sockaddr *)&srv, slen));
	show("bind the same abstract name", bind(c, (struct sockaddr *)&srv, slen));
	glen = sizeof(got);
	getsockname(a, (struct sockaddr *)&got, &glen);
	printf("getsockname length %u name %.12s\n", (unsigned)glen, got.sun_path + 1);
	show("sendto from an unnamed socket", sendto(c, "anon", 4, 0, (struct sockaddr *)&srv, slen));
	glen = sizeof(got);
	show("recvfrom", recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen));
	printf("  sender address length %u\n", (unsigned)glen);
	show("bind the client", bind(b, (struct sockaddr *)&cli, clen));
	show("sendto from the client", sendto(b, "named", 5, 0, (struct sockaddr *)&srv, slen));
	glen = sizeof(got);
	show("recvfrom", recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen));
	printf("  sender address length %u name %.6s\n", (unsigned)glen, got.sun_path + 1);
	glen = 3; /* too short: the address is cut, the length says the whole */
	show("sendto again", sendto(b, "x", 1, 0, (struct sockaddr *)&srv, slen));
	show("recvfrom with 3 bytes of room", recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen));
	printf("  reported length %u\n", (unsigned)glen);
	show("send on an unconnected datagram socket", send(b, "x", 1, 0));
	show("sendto a stream socket's... no: a missing name", sendto(b, "x", 1, 0, (struct sockaddr *)&cli, clen - 1));
	close(a);
	close(b);
	close(c);
}

static void vectors(void)
{
	int sv[2];
	char a[3] = "abc", b[4] = "defg", r1[2], r2[10];
	struct iovec out[2] = { { a, 3 }, { b, 4 } }, in[2] = { { r1, 2 }, { r2, 10 } };
	struct msghdr m = { .msg_iov = out, .msg_iovlen = 2 };
	struct mmsghdr mm[4];
	struct iovec mi[4];
	char mb[4][8];

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	show("sendmsg of two iovecs", sendmsg(sv[0], &m, 0));
	m.msg_iov = in;
	show("recvmsg into two iovecs", recvmsg(sv[1], &m, 0));
	printf("  got %.2s|%.5s\n", r1, r2);
	show("writev", writev(sv[0], out, 2));
	show("readv", readv(sv[1], in, 2));
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		mi[i] = (struct iovec){ (void *)"xyz", (size_t)i + 1 };
		mm[i].msg_hdr.msg_iov = &mi[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	show("sendmmsg of 3", sendmmsg(sv[0], mm, 3, 0));
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 4; i++) {
		mi[i] = (struct iovec){ mb[i], sizeof(mb[i]) };
		mm[i].msg_hdr.msg_iov = &mi[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	show("recvmmsg of up to 4 (DONTWAIT)", recvmmsg(sv[1], mm, 4, MSG_DONTWAIT, NULL));
	printf("  lengths %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
	close(sv[0]);
	close(sv[1]);
}

static void *slow_writer(void *arg)
{
	int fd = *(int *)arg;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	write(fd, "abc", 3);
	nanosleep(&ts, NULL);
	write(fd, "def", 3);
	return NULL;
}

static void waitall(void)
{
	int sv[2];
	pthread_t t;
	char buf[8];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pthread_create(&t, NULL, slow_writer, &sv[1]);
	show("recv 6 with MSG_WAITALL", recv(sv[0], buf, 6, MSG_WAITALL));
	pthread_join(t, NULL);
	show("ioctl FIONBIO 1", ioctl(sv[0], FIONBIO, &(int){ 1 }));
	show("recv after FIONBIO", recv(sv[0], buf, 6, 0));
	printf("fcntl sees O_NONBLOCK: %d\n", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK));
	close(sv[0]);
	close(sv[1]);
}

static void options(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), v;
	socklen_t len = sizeof(v);
	struct timeval tv = { 1, 500000 };

	getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len);
	printf("SO_TYPE %d (len %u)\n", v, (unsigned)len);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR %d\n", v);
	v = 10000;
	show("setsockopt SO_RCVBUF 10000", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len);
	printf("SO_RCVBUF reads %d\n", v);
	show("setsockopt SO_SNDTIMEO", setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	len = sizeof(tv);
	getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len);
	printf("SO_SNDTIMEO %ld.%06ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
	v = 1;
	show("setsockopt SO_REUSEADDR", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
	show("setsockopt with a short value", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, 2));
	show("setsockopt of an unknown option", setsockopt(fd, SOL_SOCKET, 12345, &v, sizeof(v)));
	len = (socklen_t)-1;
	show("getsockopt with a negative length", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	close(fd);
}

static void errors(void)
{
	struct sockaddr_un a;
	socklen_t len = path_addr(&a, "/tmp/carapace-err.sock");
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), p[2];
	char buf[4];
	void *volatile bad = (void *)1; /* hidden from the compiler's bounds warnings */

	show("socket(12345)", socket(12345, SOCK_STREAM, 0));
	show("socket(AF_UNIX, 99)", socket(AF_UNIX, 99, 0));
	show("socket(AF_UNIX, stream|0x100000)", socket(AF_UNIX, SOCK_STREAM | 0x100000, 0));
	show("socket(AF_UNIX, stream, 7)", socket(AF_UNIX, SOCK_STREAM, 7));
	show("socket(AF_UNIX, SOCK_RDM)", socket(AF_UNIX, SOCK_RDM, 0));
	show("socketpair(12345)", socketpair(12345, SOCK_STREAM, 0, p));
	show("socketpair into a bad address", socketpair(AF_UNIX, SOCK_STREAM, 0, bad));
	show("bind with length 200", bind(fd, (struct sockaddr *)&a, 200));
	show("bind with length -1", bind(fd, (struct sockaddr *)&a, (socklen_t)-1));
	show("bind with length 1", bind(fd, (struct sockaddr *)&a, 1));
	show("bind from a bad address", bind(fd, bad, len));
	a.sun_family = AF_INET;
	show("bind of another family", bind(fd, (struct sockaddr *)&a, len));
	a.sun_family = AF_UNIX;
	pipe(p);
	show("connect on a pipe", connect(p[0], (struct sockaddr *)&a, len));
	show("connect on fd -1", connect(-1, (struct sockaddr *)&a, len));
	show("connect on fd 999", connect(999, (struct sockaddr *)&a, len));
	len = (socklen_t)-1;
	show("getsockname with a negative length", getsockname(fd, (struct sockaddr *)&a, &len));
	show("getsockname with a bad length pointer", getsockname(fd, (struct sockaddr *)&a, bad));
	len = sizeof(a);
	show("getpeername unconnected", getpeername(fd, (struct sockaddr *)&a, &len));
	show("send unconnected", send(fd, "x", 1, 0));
	show("recv unconnected", recv(fd, buf, sizeof(buf), 0));
	show("recvmsg with a bad msghdr", syscall(SYS_recvmsg, fd, bad, 0));
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	show("send from a bad buffer", send(p[0], bad, 10, 0));
	show("recv into a bad buffer", (send(p[1], "x", 1, 0), recv(p[0], bad, 10, 0)));
	close(p[0]);
	close(p[1]);
	show("shutdown with how 7", shutdown(fd, 7));
	show("listen on a datagram socket", listen(socket(AF_UNIX, SOCK_DGRAM, 0), 1));
	close(fd);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* EPIPE, not the end of the run: the default action is tests/apps/sigpipe.c's. */
	signal(SIGPIPE, SIG_IGN);
	stream_echo();
	half_close();
	datagrams();
	named_server();
	abstract_names();
	vectors();
	waitall();
	options();
	errors();
	printf("unix_sockets: done\n");
	return 0;
}
