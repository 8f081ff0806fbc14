/*
 * The loopback is synchronous, as on Linux: when a send to 127.0.0.1, ::1
 * (or, given as argv[1], an address of this machine's own) returns, the
 * receiving socket has the data, and a non-blocking connect to a local
 * listener has finished its handshake before connect returns (its answer
 * is still EINPROGRESS, as Linux's). Every receive here is MSG_DONTWAIT,
 * every poll and epoll_wait has a timeout of 0: a stack that delivers
 * looped packets later, from another thread, answers EAGAIN or 0.
 *
 * Run natively and in Carapace by tests/apps/differential (no argument:
 * 127.0.0.1 and ::1); the integration case app-loopback-own runs it with
 * Carapace's address on QEMU's user network.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "show_result.h"

#define BATCH 8

/* An address of the family with port 0: the loopback, or the one given. */
struct where {
	const char *name;
	int family;
	struct sockaddr_storage a;
	socklen_t len;
};

static int where_parse(struct where *w, const char *text)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&w->a;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&w->a;

	memset(&w->a, 0, sizeof(w->a));
	w->name = text;
	if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		w->family = AF_INET;
		w->len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		w->family = AF_INET6;
		w->len = sizeof(*a6);
		return 0;
	}
	return -1;
}

/* A socket of type bound to w's address at a fresh port; *at gets its name. */
static int bound(const struct where *w, int type, struct sockaddr_storage *at)
{
	int s = socket(w->family, type, 0);
	socklen_t len = sizeof(*at);

	if (s < 0 || bind(s, (const struct sockaddr *)&w->a, w->len) ||
	    getsockname(s, (struct sockaddr *)at, &len))
		printf("%s: socket or bind failed: %s\n", w->name, err_name(errno));
	return s;
}

static const char *poll_text(short revents)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s", revents & POLLIN ? " IN" : "",
		 revents & POLLOUT ? " OUT" : "", revents & POLLRDHUP ? " RDHUP" : "",
		 revents & POLLHUP ? " HUP" : "", revents & POLLERR ? " ERR" : "");
	return buf[0] ? buf : " none";
}

static void show_poll(const char *what, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	poll(&p, 1, 0);
	printf("%s poll:%s\n", what, poll_text(p.revents));
}

/*
 * sendmmsg of BATCH datagrams, then recvmmsg with MSG_DONTWAIT: all of
 * them, in order; once from a socket to itself, once to another socket.
 */
static void udp_batch(const struct where *w, int to_self)
{
	struct sockaddr_storage at, at2;
	int r = bound(w, SOCK_DGRAM, &at), s = to_self ? r : bound(w, SOCK_DGRAM, &at2);
	struct mmsghdr out[BATCH], in[BATCH];
	struct iovec iov_out[BATCH], iov_in[BATCH];
	char data[BATCH][8], got[BATCH][16], what[96];
	int n, in_order = 1;

	memset(out, 0, sizeof(out));
	memset(in, 0, sizeof(in));
	for (int i = 0; i < BATCH; i++) {
		snprintf(data[i], sizeof(data[i]), "dgram%d", i);
		iov_out[i] = (struct iovec){ data[i], strlen(data[i]) };
		out[i].msg_hdr = (struct msghdr){ .msg_name = &at, .msg_namelen = w->len,
						  .msg_iov = &iov_out[i], .msg_iovlen = 1 };
		iov_in[i] = (struct iovec){ got[i], sizeof(got[i]) };
		in[i].msg_hdr = (struct msghdr){ .msg_iov = &iov_in[i], .msg_iovlen = 1 };
	}
	snprintf(what, sizeof(what), "udp %s %s: sendmmsg of %d", w->name,
		 to_self ? "to itself" : "to another socket", BATCH);
	show(what, sendmmsg(s, out, BATCH, 0));
	snprintf(what, sizeof(what), "udp %s %s: recvmmsg MSG_DONTWAIT", w->name,
		 to_self ? "to itself" : "to another socket");
	n = (int)show(what, recvmmsg(r, in, BATCH, MSG_DONTWAIT, NULL));
	for (int i = 0; i < n; i++)
		if (in[i].msg_len != strlen(data[i]) || memcmp(got[i], data[i], in[i].msg_len))
			in_order = 0;
	printf("  the datagrams intact and in order: %s\n", in_order ? "yes" : "no");
	if (!to_self)
		close(s);
	close(r);
}

/* sendto, sendmsg, and send on a connected socket: each readable at once. */
static void udp_single(const struct where *w)
{
	struct sockaddr_storage at, from;
	int r = bound(w, SOCK_DGRAM, &at), s = bound(w, SOCK_DGRAM, &from), ep;
	struct iovec iov = { "sendmsg", 7 };
	struct msghdr m = { .msg_name = &at, .msg_namelen = w->len, .msg_iov = &iov,
			    .msg_iovlen = 1 };
	struct epoll_event ev = { .events = EPOLLIN }, got;
	char buf[32], what[96];

	snprintf(what, sizeof(what), "udp %s sendto", w->name);
	show(what, sendto(s, "sendto", 6, 0, (struct sockaddr *)&at, w->len));
	show_poll("  the receiver", r);
	snprintf(what, sizeof(what), "udp %s recv MSG_DONTWAIT", w->name);
	show(what, recv(r, buf, sizeof(buf), MSG_DONTWAIT));

	snprintf(what, sizeof(what), "udp %s sendmsg", w->name);
	show(what, sendmsg(s, &m, 0));
	snprintf(what, sizeof(what), "udp %s recv MSG_DONTWAIT", w->name);
	show(what, recv(r, buf, sizeof(buf), MSG_DONTWAIT));

	ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev);
	connect(s, (struct sockaddr *)&at, w->len);
	snprintf(what, sizeof(what), "udp %s connected send", w->name);
	show(what, send(s, "send", 4, 0));
	snprintf(what, sizeof(what), "udp %s epoll_wait 0 ms", w->name);
	show(what, epoll_wait(ep, &got, 1, 0));
	snprintf(what, sizeof(what), "udp %s recv MSG_DONTWAIT", w->name);
	show(what, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	snprintf(what, sizeof(what), "udp %s recv MSG_DONTWAIT, none left", w->name);
	show(what, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	close(ep);
	close(s);
	close(r);
}

/* Receives with MSG_DONTWAIT until EAGAIN or end of file: the bytes got. */
static long drain(int fd, int *eof)
{
	static char buf[1 << 17];
	long total = 0;
	ssize_t n;

	*eof = 0;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += n;
	if (n == 0)
		*eof = 1;
	return total;
}

/*
 * A non-blocking connect to a listener: Linux answers EINPROGRESS, yet the
 * handshake is over when connect returns (POLLOUT at once, the listener's
 * accept ready). Then sends both ways, each read at once by the peer;
 * shutdown and close seen at once too.
 */
static void tcp(const struct where *w)
{
	static char big[16384];
	struct sockaddr_storage at;
	int l = bound(w, SOCK_STREAM, &at), c, p, eof;
	struct pollfd lp = { .fd = l, .events = POLLIN };
	char what[96];
	long rc;

	listen(l, 4);
	fcntl(l, F_SETFL, O_NONBLOCK);
	c = socket(w->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	rc = connect(c, (struct sockaddr *)&at, w->len);
	printf("tcp %s non-blocking connect: %s\n", w->name,
	       rc == 0 ? "0" : err_name(errno));
	poll(&lp, 1, 0);
	printf("  the listener's poll:%s\n", poll_text(lp.revents));
	show_poll("  the connecting socket", c);
	p = accept(l, NULL, NULL);
	printf("  accept at once: %s\n", p >= 0 ? "yes" : err_name(errno));
	if (p < 0) {
		/* What a stack that loops back later needs: wait for it. */
		poll(&lp, 1, 5000);
		p = accept(l, NULL, NULL);
	}
	{
		int err = -1;
		socklen_t len = sizeof(err);

		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
		printf("  SO_ERROR %d\n", err);
	}
	/* Both ends' writes wait for nothing: TCP_NODELAY makes no difference
	 * to whether the bytes are there, it is only so Nagle cannot hold a
	 * second small write on either stack. */
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	snprintf(what, sizeof(what), "tcp %s send 100 bytes", w->name);
	show(what, send(c, big, 100, 0));
	printf("  the peer's recv MSG_DONTWAIT: %ld bytes\n", drain(p, &eof));
	snprintf(what, sizeof(what), "tcp %s send 100 bytes again", w->name);
	show(what, send(c, big, 100, 0));
	printf("  the peer's recv MSG_DONTWAIT: %ld bytes\n", drain(p, &eof));
	snprintf(what, sizeof(what), "tcp %s the accepted socket sends %zu bytes", w->name,
		 sizeof(big));
	show(what, send(p, big, sizeof(big), 0));
	printf("  the connecting socket's recv MSG_DONTWAIT: %ld bytes\n", drain(c, &eof));
	snprintf(what, sizeof(what), "tcp %s shutdown SHUT_WR", w->name);
	show(what, shutdown(c, SHUT_WR));
	drain(p, &eof);
	printf("  the peer's recv MSG_DONTWAIT: end of file %s\n", eof ? "yes" : "no");
	close(p);
	show_poll("  the peer closed: the connecting socket", c);
	close(c);
	close(l);
}

static void run(const char *text)
{
	struct where w;

	if (where_parse(&w, text)) {
		printf("%s: not an address\n", text);
		return;
	}
	udp_batch(&w, 1);
	udp_batch(&w, 0);
	udp_single(&w);
	tcp(&w);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			run(argv[i]);
	} else {
		run("127.0.0.1");
		run("::1");
	}
	printf("loopback_sync: done\n");
	return 0;
}
