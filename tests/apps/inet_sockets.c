/*
 * TCP and UDP over 127.0.0.1 and ::1 inside one program, run natively and
 * in Carapace (lwIP) by tests/apps/differential: the output must be the
 * same. An echo over TCP with a thread, a bulk transfer with its checksum
 * (argv[1] MiB, 8 by default), UDP echo with the source address, a
 * non-blocking connect, half-close, a restart on a port in TIME_WAIT
 * (SO_REUSEADDR, SO_REUSEPORT), a close() that overtakes another
 * thread's receive, every call on a listening socket, a blocking send on
 * full buffers (it must sleep, not spin), and the errors: ECONNREFUSED,
 * EADDRINUSE, EINVAL (a second bind too), EAFNOSUPPORT, ENOTCONN, EOPNOTSUPP;
 * listen() on an unbound socket takes a port; an AF_INET6 socket and
 * addresses of the other family (v4-mapped, IPV6_V6ONLY); shutdown() of a
 * listener, and a connect tried again after a refusal; what poll says of
 * a TCP socket in TCP_CLOSE (POLLHUP: new, stopped listener, refused,
 * reset by its peer); a non-blocking connect refused, its error taken by
 * each call in turn, or reset before a connect call answered it; close()
 * with SO_LINGER {1, 0} (a reset) and {1, N} (a wait for the peer's
 * acknowledgement, at most N seconds, cut short by a signal); epoll on
 * sockets in TCP_CLOSE; a send to a peer that closed (its reset: EPIPE);
 * poll after shutdown(); sends and receives of 0 bytes; the buffer
 * sizes' least values; TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT; connect
 * with AF_UNSPEC (a disconnect).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "show_result.h"

static size_t bulk_bytes = 8u << 20;

static struct sockaddr_in loop4(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A listening TCP socket on 127.0.0.1 at an ephemeral port; *port gets it. */
static int listen_any(int *port)
{
	struct sockaddr_in a = loop4(0);
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 8) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		printf("listen_any failed: %s\n", err_name(errno));
	*port = ntohs(a.sin_port);
	return l;
}

/* Accepts one connection and echoes it until end of file, then closes. */
static void *echo_server(void *arg)
{
	int l = *(int *)arg, c = accept(l, NULL, NULL);
	static char buf[65536];
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(c, buf + off, (size_t)(n - off));

			if (w <= 0)
				break;
			off += w;
		}
	}
	close(c);
	return NULL;
}

static void tcp_echo(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = loop4(port), peer;
	socklen_t len = sizeof(peer);
	pthread_t t;
	char buf[64];

	pthread_create(&t, NULL, echo_server, &l);
	show("connect 127.0.0.1", connect(c, (struct sockaddr *)&a, sizeof(a)));
	show("setsockopt TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	getpeername(c, (struct sockaddr *)&peer, &len);
	printf("getpeername: %s, same port: %s\n", inet_ntoa(peer.sin_addr),
	       ntohs(peer.sin_port) == port ? "yes" : "no");
	show("send hello", send(c, "hello", 5, 0));
	show("recv the echo", recv(c, buf, 5, MSG_WAITALL));
	printf("  %.5s\n", buf);
	show("shutdown SHUT_WR", shutdown(c, SHUT_WR));
	show("recv after the server closed", recv(c, buf, sizeof(buf), 0));
	pthread_join(t, NULL);
	close(c);
	close(l);
}

struct bulk {
	int fd;
	uint64_t sum;
	size_t got;
};

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void *bulk_reader(void *arg)
{
	struct bulk *b = arg;
	static unsigned char buf[65536];
	ssize_t n;

	b->sum = 0xcbf29ce484222325ull;
	while ((n = read(b->fd, buf, sizeof(buf))) > 0) {
		b->sum = fnv(b->sum, buf, (size_t)n);
		b->got += (size_t)n;
	}
	return NULL;
}

static void tcp_bulk(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loop4(port);
	static unsigned char chunk[65536];
	struct bulk b = { 0 };
	uint64_t sum = 0xcbf29ce484222325ull;
	pthread_t t;

	connect(c, (struct sockaddr *)&a, sizeof(a));
	b.fd = accept(l, NULL, NULL);
	pthread_create(&t, NULL, bulk_reader, &b);
	for (size_t sent = 0; sent < bulk_bytes; sent += sizeof(chunk)) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (unsigned char)((sent + i) * 2654435761u >> 13);
		sum = fnv(sum, chunk, sizeof(chunk));
		if (write(c, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk)) {
			printf("bulk: short write\n");
			break;
		}
	}
	close(c);
	pthread_join(t, NULL);
	printf("bulk: %zu MiB sent, %zu received, checksum %s\n", bulk_bytes >> 20, b.got,
	       b.sum == sum ? "equal" : "DIFFERENT");
	close(b.fd);
	close(l);
}

static void udp(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = loop4(0), sb = loop4(0), from;
	socklen_t len = sizeof(sa);
	char buf[16];
	int flags;

	bind(a, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(a, (struct sockaddr *)&sa, &len);
	bind(b, (struct sockaddr *)&sb, sizeof(sb));
	len = sizeof(sb);
	getsockname(b, (struct sockaddr *)&sb, &len);
	show("udp sendto", sendto(b, "datagram", 8, 0, (struct sockaddr *)&sa, sizeof(sa)));
	len = sizeof(from);
	show("udp recvfrom", recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len));
	printf("  from %s, the sender's port: %s, length %u\n", inet_ntoa(from.sin_addr),
	       from.sin_port == sb.sin_port ? "yes" : "no", (unsigned)len);
	show("udp sendto again", sendto(b, "0123456789", 10, 0, (struct sockaddr *)&sa, sizeof(sa)));
	{
		struct iovec iov = { buf, 4 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		show("recvmsg 4 of 10", recvmsg(a, &m, 0));
		flags = m.msg_flags;
	}
	printf("  MSG_TRUNC: %d\n", !!(flags & MSG_TRUNC));
	show("recv with none waiting (DONTWAIT)", recv(a, buf, sizeof(buf), MSG_DONTWAIT));
	show("send on an unconnected udp socket", send(b, "x", 1, 0));
	close(a);
	close(b);
}

static void nonblocking_connect(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), err = -1;
	struct sockaddr_in a = loop4(port);
	struct pollfd p = { .fd = c, .events = POLLOUT };
	socklen_t len = sizeof(err);
	long rc = connect(c, (struct sockaddr *)&a, sizeof(a));

	printf("non-blocking connect: %s\n", rc == 0 ? "at once" : errno == EINPROGRESS ? "EINPROGRESS" : err_name(errno));
	show("poll for POLLOUT", poll(&p, 1, 5000));
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("SO_ERROR %d\n", err);
	/* Linux: the first connect after the outcome answers it (0), as a
	 * blocking one would have; only the next is EISCONN. */
	show("connect again after it finished", connect(c, (struct sockaddr *)&a, sizeof(a)));
	show("connect a third time", connect(c, (struct sockaddr *)&a, sizeof(a)));
	close(c);
	close(l);
}

/* TCP and UDP over ::1, and epoll's edge on a TCP socket. */
static void ipv6_and_epoll(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT }, got;
	socklen_t len = sizeof(a);
	int l = socket(AF_INET6, SOCK_STREAM, 0), c = socket(AF_INET6, SOCK_STREAM, 0), s, one = 1;
	int ep = epoll_create1(0), u, v;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	char buf[8], text[INET6_ADDRSTRLEN];

	show("setsockopt IPV6_V6ONLY", setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	show("bind [::1]:0", bind(l, (struct sockaddr *)&a, sizeof(a)));
	listen(l, 4);
	getsockname(l, (struct sockaddr *)&a, &len);
	show("connect [::1]", connect(c, (struct sockaddr *)&a, sizeof(a)));
	len = sizeof(got);
	s = accept(l, (struct sockaddr *)&got, &len);
	printf("accepted from %s (length %u)\n", inet_ntop(AF_INET6, &got.sin6_addr, text, sizeof(text)),
	       (unsigned)len);
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	printf("epoll ET before data: %d\n", epoll_wait(ep, &ev, 1, 0));
	send(c, "six", 3, 0);
	printf("epoll ET after data: %d\n", epoll_wait(ep, &ev, 1, 2000));
	printf("epoll ET again: %d\n", epoll_wait(ep, &ev, 1, 0));
	show("recv over ::1", recv(s, buf, sizeof(buf), 0));
	close(c);
	printf("epoll ET after the peer closed: %d\n", epoll_wait(ep, &ev, 1, 2000));
	show("recv at the end", recv(s, buf, sizeof(buf), 0));
	close(s);
	close(l);
	close(ep);
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	v = socket(AF_INET6, SOCK_DGRAM, 0);
	a.sin6_port = 0;
	bind(u, (struct sockaddr *)&a, sizeof(a));
	len = sizeof(a);
	getsockname(u, (struct sockaddr *)&a, &len);
	show("udp6 sendto [::1]", sendto(v, "v6", 2, 0, (struct sockaddr *)&a, sizeof(a)));
	show("udp6 recv", recv(u, buf, sizeof(buf), 0));
	close(u);
	close(v);
}

/* A link-local address names no interface by itself: Linux wants the
 * scope id (sin6_scope_id) for bind and connect. The port is not a
 * privileged one: Linux's bind says EACCES to another user first. */
static void link_local_without_scope(void)
{
	struct sockaddr_in6 ll = { .sin6_family = AF_INET6, .sin6_port = htons(9000) };
	int u = socket(AF_INET6, SOCK_DGRAM, 0), t = socket(AF_INET6, SOCK_STREAM, 0);

	inet_pton(AF_INET6, "fe80::1", &ll.sin6_addr);
	show("udp6 connect to fe80::1 without a scope id", connect(u, (struct sockaddr *)&ll, sizeof(ll)));
	show("tcp6 connect to fe80::1 without a scope id", connect(t, (struct sockaddr *)&ll, sizeof(ll)));
	show("udp6 bind to fe80::1 without a scope id", bind(u, (struct sockaddr *)&ll, sizeof(ll)));
	close(u);
	close(t);
}

/*
 * A socket bound once is EINVAL to a second bind, to another port or to
 * port 0 (lwIP's tcp_bind had put the pcb on its bound list twice: the
 * next close that walked the list never ended). The first port still
 * answers.
 */
static void bind_twice(int type, const char *name)
{
	int x = socket(AF_INET, type, 0), port;
	struct sockaddr_in a = loop4(0), got;
	socklen_t len = sizeof(got);
	char what[64];

	bind(x, (struct sockaddr *)&a, sizeof(a));
	getsockname(x, (struct sockaddr *)&got, &len);
	port = ntohs(got.sin_port);
	snprintf(what, sizeof(what), "%s bind again to port 0", name);
	show(what, bind(x, (struct sockaddr *)&a, sizeof(a)));
	a = loop4(port == 65535 ? port - 1 : port + 1);
	snprintf(what, sizeof(what), "%s bind again to another port", name);
	show(what, bind(x, (struct sockaddr *)&a, sizeof(a)));
	len = sizeof(got);
	getsockname(x, (struct sockaddr *)&got, &len);
	printf("%s still on its first port: %s\n", name, ntohs(got.sin_port) == port ? "yes" : "no");
	close(x);
}

/*
 * TCP_NODELAY on a listening socket: kept by the listener and inherited by
 * what it accepts, as on Linux. lwIP's listen pcb has no flags where a
 * connection's pcb has them (its accept callback is there): setting the
 * option on it bent that pointer, and the next connection's handshake
 * jumped through it (a page fault in lwIP's thread; the fuzzer's seed 9).
 */
/* Prints "WHAT = V", V the int option's value (0 when getsockopt fails). */
static void show_int_option(const char *what, int fd, int level, int name)
{
	int v = 0;
	socklen_t len = sizeof(v);

	getsockopt(fd, level, name, &v, &len);
	printf("%s = %d\n", what, v);
}

static void nodelay_listener(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), a, one = 1;
	struct sockaddr_in to = loop4(port);
	char byte = 0;

	show("listener setsockopt TCP_NODELAY", setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	show_int_option("listener TCP_NODELAY", l, IPPROTO_TCP, TCP_NODELAY);
	show("connect to the NODELAY listener", connect(c, (struct sockaddr *)&to, sizeof(to)));
	a = accept(l, NULL, NULL);
	show_int_option("accepted TCP_NODELAY", a, IPPROTO_TCP, TCP_NODELAY);
	send(c, "x", 1, 0);
	show("accepted recv", recv(a, &byte, 1, MSG_WAITALL));
	close(a);
	close(c);
	close(l);
}

/*
 * TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT as Linux's: 1 to 32767
 * seconds (the count 1 to 127), else EINVAL; read back; kept by a
 * listener (lwIP's listen pcb has no room for them) and inherited by what
 * it accepts. Carapace answered ENOPROTOOPT.
 */
static void keepalive_timing(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), a;
	struct sockaddr_in to = loop4(port);
	static const struct { const char *what; int name, v; } sets[] = {
		{ "TCP_KEEPIDLE 30", TCP_KEEPIDLE, 30 },   { "TCP_KEEPINTVL 5", TCP_KEEPINTVL, 5 },
		{ "TCP_KEEPCNT 4", TCP_KEEPCNT, 4 },       { "TCP_KEEPIDLE 0", TCP_KEEPIDLE, 0 },
		{ "TCP_KEEPIDLE 32768", TCP_KEEPIDLE, 32768 }, { "TCP_KEEPINTVL 0", TCP_KEEPINTVL, 0 },
		{ "TCP_KEEPCNT 128", TCP_KEEPCNT, 128 },   { "TCP_KEEPCNT -1", TCP_KEEPCNT, -1 },
	};
	char what[64];

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		snprintf(what, sizeof(what), "listener setsockopt %s", sets[i].what);
		show(what, setsockopt(l, IPPROTO_TCP, sets[i].name, &sets[i].v, sizeof(int)));
	}
	show("setsockopt TCP_KEEPIDLE of 2 bytes", setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &(int){ 9 }, 2));
	show_int_option("listener TCP_KEEPIDLE", l, IPPROTO_TCP, TCP_KEEPIDLE);
	connect(c, (struct sockaddr *)&to, sizeof(to));
	a = accept(l, NULL, NULL);
	show_int_option("accepted TCP_KEEPIDLE", a, IPPROTO_TCP, TCP_KEEPIDLE);
	show_int_option("accepted TCP_KEEPINTVL", a, IPPROTO_TCP, TCP_KEEPINTVL);
	show_int_option("accepted TCP_KEEPCNT", a, IPPROTO_TCP, TCP_KEEPCNT);
	close(a);
	close(c);
	close(l);
}

/*
 * Every call on a listening socket answers as Linux's does, and the
 * listener still accepts afterwards. lwIP's listen pcb is shorter than a
 * connection's: a call that reached a connection's field through it wrote
 * over other memory (TCP_NODELAY bent its accept callback). Options set on
 * the listener are the accepted socket's too, as Linux copies them.
 */
static void listener_calls(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), a, one = 1, v = 0;
	struct sockaddr_in to = loop4(port), got;
	struct pollfd p = { .fd = l, .events = POLLIN | POLLOUT };
	struct linger lg = { 1, 5 };
	socklen_t len = sizeof(got);
	char byte = 0;

	show("listener recv", recv(l, &byte, 1, MSG_DONTWAIT));
	show("listener send", send(l, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
	show("listener FIONREAD", ioctl(l, FIONREAD, &v));
	show("listener getpeername", getpeername(l, (struct sockaddr *)&got, &len));
	show("listener connect", connect(l, (struct sockaddr *)&to, sizeof(to)));
	show("listener bind again", bind(l, (struct sockaddr *)&to, sizeof(to)));
	show("listener listen again", listen(l, 2));
	show("listener poll", poll(&p, 1, 0));
	show("listener SO_KEEPALIVE", setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	show("listener SO_REUSEADDR", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	show("listener SO_LINGER", setsockopt(l, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	show_int_option("listener SO_ACCEPTCONN", l, SOL_SOCKET, SO_ACCEPTCONN);
	show("connect to the listener", connect(c, (struct sockaddr *)&to, sizeof(to)));
	show("poll the listener with a connection", poll(&p, 1, 5000));
	printf("listener poll events: %s%s\n", p.revents & POLLIN ? "IN" : "", p.revents & POLLOUT ? " OUT" : "");
	a = accept(l, NULL, NULL);
	show_int_option("accepted SO_KEEPALIVE", a, SOL_SOCKET, SO_KEEPALIVE);
	show_int_option("accepted SO_REUSEADDR", a, SOL_SOCKET, SO_REUSEADDR);
	lg.l_onoff = lg.l_linger = 0;
	len = sizeof(lg);
	getsockopt(a, SOL_SOCKET, SO_LINGER, &lg, &len);
	printf("accepted SO_LINGER = %d %d\n", lg.l_onoff, lg.l_linger);
	send(c, "y", 1, 0);
	show("accepted recv from the listener's connection", recv(a, &byte, 1, MSG_WAITALL));
	close(a);
	close(c);
	close(l);
}

/*
 * listen() on a socket that was never bound takes a free port first, as
 * Linux's does (autobind): lwIP's listener had kept port 0, which
 * getsockname named and where no connect but one to port 0 arrived. A
 * bind afterwards is EINVAL, as for any socket with a port.
 */
static void listen_unbound(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), a;
	struct sockaddr_in got, to = loop4(0);
	socklen_t len = sizeof(got);

	show("listen unbound", listen(l, 4));
	getsockname(l, (struct sockaddr *)&got, &len);
	printf("unbound listener's port nonzero: %s\n", got.sin_port ? "yes" : "no");
	show("bind after listen", bind(l, (struct sockaddr *)&to, sizeof(to)));
	to.sin_port = got.sin_port;
	show("connect to the unbound listener", connect(c, (struct sockaddr *)&to, sizeof(to)));
	a = accept(l, NULL, NULL);
	printf("unbound listener accepted: %s\n", a >= 0 ? "yes" : "no");
	close(a);
	close(c);
	close(l);
}

/* [::1] (mapped false) or [::ffff:127.0.0.1] at port. */
static struct sockaddr_in6 loop6(int port, int mapped)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

	if (mapped) {
		a.sin6_addr.s6_addr[10] = a.sin6_addr.s6_addr[11] = 0xff;
		a.sin6_addr.s6_addr[12] = 127;
	}
	a.sin6_addr.s6_addr[15] = 1;
	return a;
}

/*
 * An AF_INET6 socket meets an address of the other family: bound to
 * ::ffff:127.0.0.1 it may not reach ::1 (EAFNOSUPPORT), bound to ::1 not
 * 127.0.0.1 (ENETUNREACH), and IPV6_V6ONLY refuses v4-mapped addresses
 * (bind EINVAL, connect ENETUNREACH). lwIP had taken the bound address's
 * bytes as the other family's: a TCP connect sent its SYN from 7f00:1::
 * (EINPROGRESS for ever), and a v6-only socket bound and listened on
 * 127.0.0.1.
 */
static void mixed_families(void)
{
	struct sockaddr_in6 mapped = loop6(0, 1), six = loop6(0, 0), to;
	int t = socket(AF_INET6, SOCK_STREAM, 0), u = socket(AF_INET6, SOCK_DGRAM, 0), one = 1;

	bind(t, (struct sockaddr *)&mapped, sizeof(mapped));
	bind(u, (struct sockaddr *)&mapped, sizeof(mapped));
	to = loop6(9, 0);
	show("tcp from ::ffff:127.0.0.1 connect [::1]", connect(t, (struct sockaddr *)&to, sizeof(to)));
	show("udp from ::ffff:127.0.0.1 sendto [::1]",
	     sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	show("udp from ::ffff:127.0.0.1 connect [::1]", connect(u, (struct sockaddr *)&to, sizeof(to)));
	close(t);
	close(u);
	t = socket(AF_INET6, SOCK_STREAM, 0);
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	bind(t, (struct sockaddr *)&six, sizeof(six));
	bind(u, (struct sockaddr *)&six, sizeof(six));
	to = loop6(9, 1);
	show("tcp from [::1] connect ::ffff:127.0.0.1", connect(t, (struct sockaddr *)&to, sizeof(to)));
	show("udp from [::1] sendto ::ffff:127.0.0.1",
	     sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	close(t);
	close(u);
	t = socket(AF_INET6, SOCK_STREAM, 0);
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	setsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	show("v6only bind ::ffff:127.0.0.1", bind(t, (struct sockaddr *)&mapped, sizeof(mapped)));
	show("v6only tcp connect ::ffff:127.0.0.1", connect(t, (struct sockaddr *)&to, sizeof(to)));
	show("v6only udp connect ::ffff:127.0.0.1", connect(u, (struct sockaddr *)&to, sizeof(to)));
	show("v6only udp sendto ::ffff:127.0.0.1",
	     sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)));
	close(t);
	close(u);
}

static void errors(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), x;
	struct sockaddr_in a = loop4(port);

	x = socket(AF_INET, SOCK_STREAM, 0);
	show("bind to a port in use", bind(x, (struct sockaddr *)&a, sizeof(a)));
	show("bind with length 8", bind(x, (struct sockaddr *)&a, 8));
	close(x);
	bind_twice(SOCK_STREAM, "tcp");
	bind_twice(SOCK_DGRAM, "udp");
	close(l);
	show("connect to a closed port", connect(c, (struct sockaddr *)&a, sizeof(a)));
	close(c);
	c = socket(AF_INET, SOCK_STREAM, 0);
	show("send unconnected", send(c, "x", 1, MSG_NOSIGNAL));
	show("getpeername unconnected", getpeername(c, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }));
	show("socketpair(AF_INET)", socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){ 0 }));
	show("socket(AF_INET, stream, udp)", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	close(c);
	link_local_without_scope();
}

/*
 * A server restarts on its port while its old connection is in TIME_WAIT
 * (the server closed first): without SO_REUSEADDR the bind is EADDRINUSE,
 * with it (or SO_REUSEPORT) the new server binds, listens and serves.
 */
static void restart_in_time_wait(void)
{
	int port, l, c = socket(AF_INET, SOCK_STREAM, 0), s, x, on = 1;
	struct sockaddr_in a = loop4(0);
	char byte;

	/* The old server sets both options too, as Linux asks of the socket
	 * left in TIME_WAIT (its accepted connection inherits them). */
	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	setsockopt(l, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 8) ||
	    getsockname(l, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }))
		printf("restart: no listener: %s\n", err_name(errno));
	port = ntohs(a.sin_port);
	a = loop4(port);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) || (s = accept(l, NULL, NULL)) < 0) {
		printf("restart: no connection: %s\n", err_name(errno));
		return;
	}
	close(s);
	show("restart: the client sees end of file", read(c, &byte, 1));
	close(c);
	close(l);
	usleep(200 * 1000); /* the server's FIN_WAIT_2 becomes TIME_WAIT */
	x = socket(AF_INET, SOCK_STREAM, 0);
	show("restart without SO_REUSEADDR: bind", bind(x, (struct sockaddr *)&a, sizeof(a)));
	close(x);
	for (int opt = 0; opt < 2; opt++) {
		const char *name = opt ? "SO_REUSEPORT" : "SO_REUSEADDR";

		x = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(x, SOL_SOCKET, opt ? SO_REUSEPORT : SO_REUSEADDR, &on, sizeof(on));
		if (bind(x, (struct sockaddr *)&a, sizeof(a))) {
			printf("restart with %s: bind -1 %s\n", name, err_name(errno));
			close(x);
			continue;
		}
		printf("restart with %s: bind 0, listen %d", name, listen(x, 8));
		c = socket(AF_INET, SOCK_STREAM, 0);
		printf(", connect %d", connect(c, (struct sockaddr *)&a, sizeof(a)));
		s = accept(x, NULL, NULL);
		printf(", accept %s\n", s >= 0 ? "ok" : err_name(errno));
		/* The client closes first this time: no TIME_WAIT on the port. */
		close(c);
		if (s >= 0) {
			read(s, &byte, 1);
			close(s);
		}
		close(x);
	}
}

/*
 * A receive that another thread's close() overtakes: as on Linux the
 * receive keeps its socket (its own reference) and gets the bytes sent
 * after the close; when it returns, that last reference goes and the
 * socket closes (the peer reads end of file). In Carapace the receive
 * runs without the VFS lock, so it drops that reference itself.
 */
struct overtaken {
	int fd;
	volatile int receiving;
	ssize_t got;
	char buf[16];
};

static void *receive_overtaken(void *arg)
{
	struct overtaken *o = arg;

	o->receiving = 1;
	o->got = recv(o->fd, o->buf, sizeof(o->buf), 0);
	return NULL;
}

static void close_while_receiving(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loop4(port);
	struct timeval five = { .tv_sec = 5 };
	struct overtaken o = { .got = -2 };
	pthread_t t;
	char buf[16];

	connect(c, (struct sockaddr *)&a, sizeof(a));
	o.fd = accept(l, NULL, NULL);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof(five));
	pthread_create(&t, NULL, receive_overtaken, &o);
	while (!o.receiving)
		usleep(1000);
	usleep(200000); /* in recv, waiting */
	show("close while another thread receives", close(o.fd));
	show("send after that close", send(c, "late", 4, 0));
	pthread_join(t, NULL);
	printf("the receive got %zd bytes: %.*s\n", o.got, o.got > 0 ? (int)o.got : 0, o.buf);
	show("then the peer reads", recv(c, buf, sizeof(buf), 0));
	close(c);
	close(l);
}

static void *accept_waiting(void *arg)
{
	int *fd = arg;

	*fd = accept(*fd, NULL, NULL) < 0 ? -errno : 0;
	return NULL;
}

/*
 * shutdown() of a listener: SHUT_WR leaves it listening; SHUT_RD stops it,
 * wakes an accept that waits in another thread (EINVAL) and refuses
 * connections, keeping its port. A connect refused once may be tried again
 * on the same socket, and succeeds once something listens.
 */
/* poll's answer for fd, at once: "what poll: IN OUT RDHUP HUP ERR" (those set). */
static void show_poll(const char *what, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	poll(&p, 1, 0);
	printf("%s poll:%s%s%s%s%s\n", what, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLRDHUP ? " RDHUP" : "",
	       p.revents & POLLHUP ? " HUP" : "", p.revents & POLLERR ? " ERR" : "");
}

static void listener_shutdown_and_retry(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), a = l, again;
	struct sockaddr_in to = loop4(port), got;
	socklen_t len = sizeof(got);
	pthread_t t;

	show("listener shutdown SHUT_WR", shutdown(l, SHUT_WR));
	show("connect after SHUT_WR", connect(c, (struct sockaddr *)&to, sizeof(to)));
	close(c);
	close(accept(l, NULL, NULL));
	pthread_create(&t, NULL, accept_waiting, &a);
	usleep(200000); /* in accept, waiting */
	show("listener shutdown SHUT_RD", shutdown(l, SHUT_RD));
	pthread_join(t, NULL);
	printf("the waiting accept: %s\n", a < 0 ? err_name(-a) : "a connection");
	show("accept after SHUT_RD", accept(l, NULL, NULL));
	show_poll("stopped listener", l);
	getsockname(l, (struct sockaddr *)&got, &len);
	printf("stopped listener keeps its port: %s\n", ntohs(got.sin_port) == port ? "yes" : "no");
	c = socket(AF_INET, SOCK_STREAM, 0);
	show("connect to the stopped listener", connect(c, (struct sockaddr *)&to, sizeof(to)));
	show_poll("refused socket", c);
	close(l);

	show("connect again to the closed port", connect(c, (struct sockaddr *)&to, sizeof(to)));
	again = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(again, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (bind(again, (struct sockaddr *)&to, sizeof(to)) || listen(again, 4))
		printf("listening on the refused port failed: %s\n", err_name(errno));
	show("connect again on the refused socket", connect(c, (struct sockaddr *)&to, sizeof(to)));
	a = accept(again, NULL, NULL);
	printf("the retried connect accepted: %s\n", a >= 0 ? "yes" : "no");
	close(a);
	close(c);
	close(again);
}

/*
 * POLLHUP, as Linux's tcp_poll gives it to a TCP socket in TCP_CLOSE: one
 * never connected nor listening (OUT HUP), and one whose peer reset the
 * connection (closing with a byte unread): IN OUT RDHUP HUP ERR until the
 * error is read, then IN OUT RDHUP HUP. A connected one: OUT.
 */
static void poll_closed_sockets(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), p;
	struct sockaddr_in to = loop4(port);
	char byte;

	show_poll("new tcp socket", c);
	connect(c, (struct sockaddr *)&to, sizeof(to));
	p = accept(l, NULL, NULL);
	show_poll("connected socket", c);
	send(c, "x", 1, 0);
	usleep(100000); /* the byte there, unread */
	close(p);
	usleep(200000); /* the reset here */
	show_poll("reset socket", c);
	show("recv after the reset", recv(c, &byte, 1, 0));
	show_poll("reset socket, its error read", c);
	close(c);
	close(l);
}

/* SO_ERROR's value by name ("0" when none), taken. */
static void show_so_error(const char *what, int fd)
{
	int err = -1;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("%s SO_ERROR = %s\n", what, err_name(err));
}

/* epoll's answer for fd, at once, as show_poll's. */
static void show_epoll(const char *what, int fd)
{
	int ep = epoll_create1(0), n;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP };

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	ev.events = 0;
	n = epoll_wait(ep, &ev, 1, 0);
	printf("%s epoll: %d%s%s%s%s%s\n", what, n, ev.events & EPOLLIN ? " IN" : "",
	       ev.events & EPOLLOUT ? " OUT" : "", ev.events & EPOLLRDHUP ? " RDHUP" : "",
	       ev.events & EPOLLHUP ? " HUP" : "", ev.events & EPOLLERR ? " ERR" : "");
	close(ep);
}

/*
 * epoll, as poll, on TCP sockets in TCP_CLOSE: OUT HUP for a new socket,
 * a bound one, a stopped listener and a refused connect.
 */
static void epoll_closed_sockets(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = loop4(port), any = loop4(0);

	show_epoll("new tcp socket", c);
	bind(c, (struct sockaddr *)&any, sizeof(any));
	show_epoll("bound tcp socket", c);
	close(c);
	shutdown(l, SHUT_RD);
	show_epoll("stopped listener", l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	show("connect to the stopped listener, again", connect(c, (struct sockaddr *)&to, sizeof(to)));
	show_epoll("refused socket", c);
	close(c);
	close(l);
}

static volatile sig_atomic_t sigpipes;

static void count_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/*
 * The peer closed (its FIN read or not), this side sends: the first send
 * goes (1), the peer's stack answers with a reset; as Linux's tcp_reset
 * in CLOSE_WAIT the error is EPIPE: poll says HUP ERR, recv says 0 (the
 * FIN came first), the next send takes the error (EPIPE, SIGPIPE) and
 * the one after it EPIPE again; MSG_NOSIGNAL raises none. Carapace did
 * not see the reset after the FIN: no HUP ERR, ECONNRESET without SIGPIPE.
 */
static void send_after_peer_closed(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), p;
	struct sockaddr_in to = loop4(port);
	void (*old)(int) = signal(SIGPIPE, count_sigpipe);
	char byte;

	connect(c, (struct sockaddr *)&to, sizeof(to));
	p = accept(l, NULL, NULL);
	close(p);
	usleep(100000);
	show_poll("peer closed", c);
	show("send after the peer closed", send(c, "x", 1, 0));
	usleep(200000); /* the reset here */
	show_poll("peer closed, sent, reset", c);
	show("peer closed, reset, recv", recv(c, &byte, 1, 0));
	show("peer closed, reset, send", send(c, "x", 1, 0));
	show("peer closed, reset, send again", send(c, "x", 1, 0));
	show("peer closed, reset, send MSG_NOSIGNAL", send(c, "x", 1, MSG_NOSIGNAL));
	printf("SIGPIPE raised %d times\n", (int)sigpipes);
	show_so_error("peer closed, reset,", c);
	signal(SIGPIPE, old);
	close(c);
	close(l);
}

/*
 * shutdown() and poll, as Linux's tcp_poll: SHUT_WR alone leaves OUT;
 * SHUT_RD makes the socket readable (IN RDHUP: recv says 0, but data that
 * comes afterwards is still read); both ways shut, HUP too. Carapace's
 * poll did not look at SHUT_RD.
 */
static void shutdown_and_poll(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), p;
	struct sockaddr_in to = loop4(port);
	char buf[8];

	connect(c, (struct sockaddr *)&to, sizeof(to));
	p = accept(l, NULL, NULL);
	shutdown(c, SHUT_WR);
	usleep(50000);
	show_poll("shut for writing", c);
	show_poll("the peer of one shut for writing", p);
	shutdown(c, SHUT_RD);
	show_poll("shut both ways", c);
	show_epoll("shut both ways", c);
	close(c);
	close(p);
	c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&to, sizeof(to));
	p = accept(l, NULL, NULL);
	shutdown(c, SHUT_RD);
	show_poll("shut for reading", c);
	show("shut for reading, recv", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	send(p, "cd", 2, 0);
	usleep(50000);
	show("shut for reading, recv what came after", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	close(c);
	close(p);
	close(l);
}

/*
 * Zero bytes: a send of 0 on a connected socket is 0 (Carapace said EPIPE
 * and raised SIGPIPE); a receive of 0 answers as one of 1 would, moving
 * nothing: EAGAIN while nothing waits (Carapace said 0), 0 once a byte
 * does, which stays to be read.
 */
static void zero_lengths(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), p;
	struct sockaddr_in to = loop4(port);
	char byte = 0;

	connect(c, (struct sockaddr *)&to, sizeof(to));
	p = accept(l, NULL, NULL);
	show("send 0 bytes", send(c, &byte, 0, MSG_NOSIGNAL));
	show("recv 0 bytes, none waiting", recv(p, &byte, 0, MSG_DONTWAIT));
	send(c, "y", 1, 0);
	usleep(50000);
	show("recv 0 bytes, one waiting", recv(p, &byte, 0, MSG_DONTWAIT));
	show("then recv 1", recv(p, &byte, 1, MSG_DONTWAIT));
	close(c);
	close(p);
	close(l);
}

/* SO_RCVBUF and SO_SNDBUF read back doubled, their least values Linux's
 * (SOCK_MIN_SNDBUF twice SOCK_MIN_RCVBUF; Carapace had them swapped). */
static void buffer_sizes(void)
{
	int c = socket(AF_INET, SOCK_STREAM, 0), v = 100000, rcv = 0, snd = 0;
	socklen_t len = sizeof(v);

	setsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	getsockopt(c, SOL_SOCKET, SO_RCVBUF, &rcv, &len);
	setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	getsockopt(c, SOL_SOCKET, SO_SNDBUF, &snd, &len);
	printf("SO_RCVBUF, SO_SNDBUF 100000 read doubled: %s %s\n", rcv == 200000 ? "yes" : "no",
	       snd == 200000 ? "yes" : "no");
	v = 1;
	setsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	getsockopt(c, SOL_SOCKET, SO_RCVBUF, &rcv, &len);
	setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	getsockopt(c, SOL_SOCKET, SO_SNDBUF, &snd, &len);
	printf("least SO_SNDBUF twice least SO_RCVBUF: %s\n", snd == 2 * rcv && rcv > 0 ? "yes" : "no");
	close(c);
}

/* A non-blocking connect to addr, its outcome waited for with poll. */
static int connect_nonblocking(const struct sockaddr_in *a)
{
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = c, .events = POLLOUT };

	if (connect(c, (const struct sockaddr *)a, sizeof(*a)) == 0 || errno != EINPROGRESS)
		printf("non-blocking connect: %s\n", err_name(errno));
	poll(&p, 1, 5000);
	return c;
}

/*
 * A non-blocking connect refused (a port bound, nobody listening), as
 * Linux answers it: the socket is closed both ways with the error
 * pending (IN OUT RDHUP HUP ERR); the error goes to whichever call takes
 * it first (SO_ERROR, recv, connect), then recv says 0 and send EPIPE;
 * the next connect answers the attempt (its error, or ECONNABORTED once
 * that was taken) and leaves a new socket's state (OUT HUP, ENOTCONN).
 * Carapace said OUT HUP ERR, then recv ENOTCONN: the blocking connect's
 * answer, which sys_net.c gave by taking the error itself.
 */
static void nonblocking_refused(void)
{
	int b = socket(AF_INET, SOCK_STREAM, 0), c;
	struct sockaddr_in to = loop4(0);
	char byte;

	bind(b, (struct sockaddr *)&to, sizeof(to));
	getsockname(b, (struct sockaddr *)&to, &(socklen_t){ sizeof(to) });
	c = connect_nonblocking(&to);
	show_poll("non-blocking refused", c);
	show_so_error("non-blocking refused", c);
	show_so_error("non-blocking refused, again,", c);
	show_poll("non-blocking refused, its error read", c);
	show("non-blocking refused recv", recv(c, &byte, 1, 0));
	show("non-blocking refused send", send(c, "x", 1, MSG_NOSIGNAL));
	show("non-blocking refused connect again", connect(c, (struct sockaddr *)&to, sizeof(to)));
	show_poll("non-blocking refused, connect answered", c);
	show("non-blocking refused, connect answered, recv", recv(c, &byte, 1, 0));
	close(c);

	c = connect_nonblocking(&to);
	show("non-blocking refused, recv first", recv(c, &byte, 1, 0));
	show_so_error("non-blocking refused, recv first, then", c);
	show_poll("non-blocking refused, recv first, then", c);
	close(c);

	c = connect_nonblocking(&to);
	show("non-blocking refused, send first", send(c, "x", 1, MSG_NOSIGNAL));
	show_so_error("non-blocking refused, send first, then", c);
	close(c);

	c = connect_nonblocking(&to);
	show("non-blocking refused, connect first", connect(c, (struct sockaddr *)&to, sizeof(to)));
	show_so_error("non-blocking refused, connect first, then", c);
	show_poll("non-blocking refused, connect first, then", c);
	close(c);
	close(b);
}

/*
 * A non-blocking connect that succeeded, then was reset before a connect
 * call answered it: that call gives the reset's error and leaves a new
 * socket's state (OUT HUP, ENOTCONN), from which a connect tries anew,
 * as on Linux. Carapace's answer had been 0, the socket left reset.
 */
static void nonblocking_reset_before_answer(void)
{
	int port, l = listen_any(&port), c, p;
	struct sockaddr_in to = loop4(port);
	struct linger abort_on_close = { 1, 0 };
	struct pollfd pf;
	char byte;

	c = connect_nonblocking(&to);
	p = accept(l, NULL, NULL);
	setsockopt(p, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
	close(p);
	pf = (struct pollfd){ .fd = c, .events = POLLIN };
	poll(&pf, 1, 5000);
	show_poll("reset before its connect answered", c);
	show("reset before its connect answered, connect", connect(c, (struct sockaddr *)&to, sizeof(to)));
	show_poll("reset, its connect answered", c);
	show("reset, its connect answered, recv", recv(c, &byte, 1, 0));
	show("reset, its connect answered, connect again",
	     connect(c, (struct sockaddr *)&to, sizeof(to)));
	pf = (struct pollfd){ .fd = c, .events = POLLOUT };
	poll(&pf, 1, 5000);
	if (show("reset, connected again", connect(c, (struct sockaddr *)&to, sizeof(to))) == 0) {
		p = accept(l, NULL, NULL); /* only now: no connection, no accept's wait */
		show("reset, connected again, send", send(c, "y", 1, 0));
		show("reset, connected again, the peer's recv", recv(p, &byte, 1, 0));
		close(p);
	}
	close(c);
	close(l);
}

/*
 * connect() with AF_UNSPEC on a TCP socket, as Linux's tcp_disconnect: a
 * connection is reset (the peer's recv ECONNRESET), ECONNRESET waits in
 * SO_ERROR (poll OUT HUP ERR, recv takes it, then ENOTCONN), and the
 * socket connects again; a new socket: 0, nothing; a listener stops
 * listening (connects to it refused). Carapace said EISCONN. (The
 * receives do not wait: on that kernel they would have waited for ever.)
 */
static void disconnect_with_unspec(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), p;
	struct sockaddr_in to = loop4(port);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct pollfd pf;
	char byte = 0;

	connect(c, (struct sockaddr *)&to, sizeof(to));
	p = accept(l, NULL, NULL);
	show("connect AF_UNSPEC on a connection", connect(c, &unspec, sizeof(unspec)));
	show_poll("disconnected", c);
	pf = (struct pollfd){ .fd = p, .events = POLLIN };
	poll(&pf, 1, 5000);
	show_poll("the peer of the disconnected", p);
	show("the peer of the disconnected, recv", recv(p, &byte, 1, MSG_DONTWAIT));
	close(p);
	show("disconnected recv", recv(c, &byte, 1, MSG_DONTWAIT));
	show("disconnected recv again", recv(c, &byte, 1, MSG_DONTWAIT));
	show_poll("disconnected, its error read", c);
	if (show("disconnected, connect again", connect(c, (struct sockaddr *)&to, sizeof(to))) == 0) {
		p = accept(l, NULL, NULL); /* only now: no connection, no accept's wait */
		send(c, "z", 1, 0);
		show("disconnected, connected again, the peer's recv", recv(p, &byte, 1, 0));
		close(p);
	}
	close(c);
	c = socket(AF_INET, SOCK_STREAM, 0);
	show("connect AF_UNSPEC on a new socket", connect(c, &unspec, sizeof(unspec)));
	show_poll("new socket, AF_UNSPEC", c);
	close(c);
	show("connect AF_UNSPEC on a listener", connect(l, &unspec, sizeof(unspec)));
	show_poll("listener, AF_UNSPEC", l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	show("connect to the listener after AF_UNSPEC", connect(c, (struct sockaddr *)&to, sizeof(to)));
	close(c);
	close(l);
}

/* Sets SO_LINGER {on, sec} and prints what getsockopt reads back. */
static void show_linger(int fd, int on, int sec)
{
	struct linger lg = { on, sec };
	socklen_t len = sizeof(lg);

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	lg.l_onoff = lg.l_linger = -1;
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len);
	printf("SO_LINGER set {%d, %d} reads %d %d\n", on, sec, lg.l_onoff, lg.l_linger);
}

/*
 * SO_LINGER {1, 0}: close() aborts the connection, as on Linux: a reset
 * (the peer's recv is ECONNRESET, then 0) and no TIME_WAIT (the closed
 * socket's port is free at once). Carapace sent a FIN: the peer read 0,
 * and the port stayed in TIME_WAIT (EADDRINUSE). Before, what
 * getsockopt reads back: l_onoff 0 or 1, l_linger kept while off.
 */
static void linger_zero_resets(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), p, x;
	struct sockaddr_in to = loop4(port), me;
	struct pollfd pf;
	char byte;

	show_linger(c, 1, 5);
	show_linger(c, 0, 7);
	show_linger(c, 3, 2);
	show_linger(c, 1, 0);
	connect(c, (struct sockaddr *)&to, sizeof(to));
	p = accept(l, NULL, NULL);
	getsockname(c, (struct sockaddr *)&me, &(socklen_t){ sizeof(me) });
	show("close with SO_LINGER {1, 0}", close(c));
	pf = (struct pollfd){ .fd = p, .events = POLLIN };
	poll(&pf, 1, 5000);
	show_poll("the aborted connection's peer", p);
	show("the peer's recv", recv(p, &byte, 1, 0));
	show("the peer's recv again", recv(p, &byte, 1, 0));
	x = socket(AF_INET, SOCK_STREAM, 0);
	show("bind to the aborted socket's port", bind(x, (struct sockaddr *)&me, sizeof(me)));
	close(x);
	close(p);
	close(l);
}

static uint64_t ns_of(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A peer that starts reading after delay_ms, then reads to the end. */
struct late_reader {
	int fd, delay_ms;
	size_t got;
	int end; /* 0: end of file; else the errno of the read that ended it */
};

static void *read_late(void *arg)
{
	struct late_reader *r = arg;
	static char buf[65536];
	ssize_t n;

	usleep((useconds_t)r->delay_ms * 1000);
	while ((n = read(r->fd, buf, sizeof(buf))) > 0)
		r->got += (size_t)n;
	r->end = n < 0 ? errno : 0;
	return NULL;
}

/*
 * close() with SO_LINGER {1, sec} after sends that filled the buffers (the
 * peer reads after read_after_ms), as Linux's: close blocks until the
 * peer acknowledged every byte and the FIN, or until sec seconds passed;
 * it answers 0 either way, and a non-blocking socket lingers too. After
 * the time, the connection goes on: the peer still gets every byte, then
 * end of file. Data received and unread (unread): no wait, a reset. A
 * signal with a handler (signal_after_ms) cuts the wait short, close
 * still 0. Carapace's close had returned at once.
 */
static volatile sig_atomic_t linger_signals;

static void count_linger_signal(int sig)
{
	(void)sig;
	linger_signals++;
}

struct signal_later {
	pthread_t to;
	int after_ms;
};

static void *signal_later(void *arg)
{
	struct signal_later *sl = arg;

	usleep((useconds_t)sl->after_ms * 1000);
	pthread_kill(sl->to, SIGUSR1);
	return NULL;
}

static void linger_close(const char *what, int nonblock, int sec, int read_after_ms, int unread,
			 int signal_after_ms)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), rc;
	struct sockaddr_in a = loop4(port);
	struct pollfd pf = { .fd = c, .events = POLLOUT };
	struct linger lg = { 1, sec };
	static char chunk[65536];
	struct late_reader r = { .delay_ms = read_after_ms };
	size_t sent = 0;
	ssize_t n;
	uint64_t took;
	pthread_t t, k;
	struct signal_later sl = { pthread_self(), signal_after_ms };
	struct sigaction on_usr1 = { .sa_handler = count_linger_signal }, old;

	connect(c, (struct sockaddr *)&a, sizeof(a));
	poll(&pf, 1, 5000);
	r.fd = accept(l, NULL, NULL);
	if (unread) {
		send(r.fd, "z", 1, 0);
		usleep(100000);
	}
	do { /* until the buffers and the peer's window are full: no room for 200 ms */
		while ((n = send(c, chunk, sizeof(chunk), MSG_NOSIGNAL)) > 0)
			sent += (size_t)n;
	} while (poll(&pf, 1, 200) == 1);
	if (!nonblock)
		fcntl(c, F_SETFL, 0);
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	pthread_create(&t, NULL, read_late, &r);
	if (signal_after_ms) {
		linger_signals = 0;
		sigaction(SIGUSR1, &on_usr1, &old);
		pthread_create(&k, NULL, signal_later, &sl);
	}
	took = ns_of(CLOCK_MONOTONIC);
	rc = close(c);
	took = ns_of(CLOCK_MONOTONIC) - took;
	printf("%s: close = %d, blocked: %s", what, rc, took >= 200000000u ? "yes" : "no");
	if (signal_after_ms) {
		pthread_join(k, NULL);
		sigaction(SIGUSR1, &old, NULL);
		printf(", cut short by the signal: %s, its handler ran: %s",
		       took < 2500000000u ? "yes" : "no", linger_signals == 1 ? "yes" : "no");
	}
	if (read_after_ms > 1000 * sec) /* the time ran out first, not much after it */
		printf(", for its %d s: %s", sec,
		       took >= sec * 900000000ull && took < sec * 1000000000ull + 700000000u ? "yes" : "no");
	pthread_join(t, NULL);
	if (unread) /* how much arrived before the reset is the stack's business */
		printf("; the peer's read ends with %s\n", r.end ? err_name(r.end) : "end of file");
	else
		printf("; the peer got %s, then %s\n", r.got == sent ? "every byte" : "not every byte",
		       r.end ? err_name(r.end) : "end of file");
	close(r.fd);
	close(l);
}

static void linger_closes(void)
{
	linger_close("linger 5 s, peer reads after 300 ms", 0, 5, 300, 0, 0);
	linger_close("linger 5 s, non-blocking, peer reads after 300 ms", 1, 5, 300, 0, 0);
	linger_close("linger 1 s, peer reads after 2 s", 0, 1, 2000, 0, 0);
	linger_close("linger 5 s, a byte unread", 0, 5, 300, 1, 0);
	linger_close("linger 5 s, a signal after 300 ms, peer reads after 3 s", 0, 5, 3000, 0, 300);
}

/*
 * A blocking send to a peer that never reads, with SO_SNDTIMEO: once the
 * window and the send buffer are full, the send must sleep until its time
 * limit, not spin. Carapace's waits woke on lwIP's SENDMINUS, which every
 * write that finds the buffer full posts: the send retried for ever, a
 * busy loop (found by fuzz_net). Measured on the last send, which moves
 * nothing: the thread's CPU time against the wall time it waited.
 */
static void blocking_send_sleeps(void)
{
	int port, l = listen_any(&port), c = socket(AF_INET, SOCK_STREAM, 0), p;
	struct sockaddr_in a = loop4(port);
	struct timeval limit = { 0, 300000 };
	static unsigned char chunk[65536];
	uint64_t wall, cpu;
	ssize_t n;
	int rounds = 0;

	connect(c, (struct sockaddr *)&a, sizeof(a));
	p = accept(l, NULL, NULL);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
	do /* until a send moves nothing: the buffers are full */
		n = send(c, chunk, sizeof(chunk), MSG_NOSIGNAL);
	while (n > 0 && ++rounds < 2000);
	wall = ns_of(CLOCK_MONOTONIC);
	cpu = ns_of(CLOCK_THREAD_CPUTIME_ID);
	n = send(c, chunk, sizeof(chunk), MSG_NOSIGNAL);
	wall = ns_of(CLOCK_MONOTONIC) - wall;
	cpu = ns_of(CLOCK_THREAD_CPUTIME_ID) - cpu;
	show("blocked send on full buffers", n);
	printf("blocked send waited its time: %s, slept: %s\n", wall >= 250000000u ? "yes" : "no",
	       cpu * 4 < wall ? "yes" : "no");
	close(c);
	close(p);
	close(l);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		bulk_bytes = (size_t)atoi(argv[1]) << 20;
	tcp_echo();
	tcp_bulk();
	udp();
	nonblocking_connect();
	ipv6_and_epoll();
	errors();
	restart_in_time_wait();
	close_while_receiving();
	nodelay_listener();
	keepalive_timing();
	listener_calls();
	listen_unbound();
	mixed_families();
	listener_shutdown_and_retry();
	poll_closed_sockets();
	nonblocking_refused();
	nonblocking_reset_before_answer();
	linger_zero_resets();
	disconnect_with_unspec();
	linger_closes();
	epoll_closed_sockets();
	send_after_peer_closed();
	shutdown_and_poll();
	zero_lengths();
	buffer_sizes();
	blocking_send_sleeps();
	printf("inet_sockets: done\n");
	return 0;
}
