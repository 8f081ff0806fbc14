/*
 * Socket options of TCP and UDP sockets over 127.0.0.1, run natively and in
 * Carapace by tests/apps/differential: the output must be the same. Each
 * option set and read back (IP_TTL, IP_TOS, IP_MULTICAST_TTL,
 * IP_MULTICAST_LOOP, SO_BROADCAST, SO_DONTROUTE, SO_OOBINLINE,
 * SO_RCVLOWAT, SO_SNDLOWAT, TCP_MAXSEG, TCP_CORK, TCP_QUICKACK,
 * TCP_NODELAY), the errors for bad values, short and missing buffers and
 * options of the other protocol, and what can be seen from one process:
 * a send to the loopback's broadcast address without SO_BROADCAST
 * (EACCES), SO_RCVLOWAT holding back poll and a blocking recv until
 * enough bytes came, TCP_CORK holding a partial segment until it is
 * cleared, TCP_MAXSEG clamping the segments sent, SIOCINQ and SIOCOUTQ.
 * What is only seen on the wire (the TTL and TOS bytes) is
 * tests/net/test_sockopts.py's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "show_result.h"

/* <linux/sockios.h>'s names; musl has no such header. */
#ifndef SIOCINQ
#define SIOCINQ FIONREAD
#endif
#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

static struct sockaddr_in loop4(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* setsockopt of an int; prints "what set V = rc". */
static void set_int(int fd, const char *what, int level, int name, int v)
{
	char line[96];

	snprintf(line, sizeof(line), "%s set %d", what, v);
	show(line, setsockopt(fd, level, name, &v, sizeof(v)));
}

/* getsockopt of an int; prints "what = V" (and the length when not 4). */
static void get_int(int fd, const char *what, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0)
		printf("%s get = -1 %s\n", what, err_name(errno));
	else if (len != sizeof(v))
		printf("%s get = %d (length %u)\n", what, v, (unsigned)len);
	else
		printf("%s get = %d\n", what, v);
}

struct opt {
	const char *name;
	int level, opt;
	int values[6]; /* set in turn, each read back; ends at INT32_MIN */
};

#define END INT32_MIN

static const struct opt tcp_opts[] = {
	{ "IP_TTL", IPPROTO_IP, IP_TTL, { 1, 255, -1, 0, 256, END } },
	{ "IP_TOS", IPPROTO_IP, IP_TOS, { 0x13, 511, -1, 0x28, END } },
	{ "SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, { 5, 0, END } },
	{ "SO_DONTROUTE", SOL_SOCKET, SO_DONTROUTE, { 1, 0, END } },
	{ "SO_OOBINLINE", SOL_SOCKET, SO_OOBINLINE, { 7, 0, END } },
	{ "SO_RCVLOWAT", SOL_SOCKET, SO_RCVLOWAT, { 10, 0, 1, END } },
	{ "SO_SNDLOWAT", SOL_SOCKET, SO_SNDLOWAT, { 10, END } },
	{ "TCP_MAXSEG", IPPROTO_TCP, TCP_MAXSEG, { 87, 32768, 88, 1000, END } },
	{ "TCP_CORK", IPPROTO_TCP, TCP_CORK, { 1, 0, END } },
	{ "TCP_QUICKACK", IPPROTO_TCP, TCP_QUICKACK, { 0, 1, END } },
	{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, { 3, 0, END } },
};

static const struct opt udp_opts[] = {
	{ "IP_TTL", IPPROTO_IP, IP_TTL, { 7, -1, -2, END } },
	{ "IP_TOS", IPPROTO_IP, IP_TOS, { 0x13, 0x1ff, END } },
	{ "IP_MULTICAST_TTL", IPPROTO_IP, IP_MULTICAST_TTL, { 9, -1, 256, END } },
	{ "IP_MULTICAST_LOOP", IPPROTO_IP, IP_MULTICAST_LOOP, { 0, 3, END } },
	{ "SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, { 1, 0, END } },
	{ "SO_RCVLOWAT", SOL_SOCKET, SO_RCVLOWAT, { 3, END } },
	{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, { 1, END } },
	{ "TCP_MAXSEG", IPPROTO_TCP, TCP_MAXSEG, { 1000, END } },
	{ "TCP_CORK", IPPROTO_TCP, TCP_CORK, { 1, END } },
};

static void walk(int fd, const char *kind, const struct opt *opts, size_t n)
{
	char what[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s %s", kind, opts[i].name);
		get_int(fd, what, opts[i].level, opts[i].opt);
		for (const int *v = opts[i].values; *v != END; v++) {
			set_int(fd, what, opts[i].level, opts[i].opt, *v);
			get_int(fd, what, opts[i].level, opts[i].opt);
		}
	}
}

/* Short, missing and odd buffers. */
static void bad_input(int tcp, int udp)
{
	unsigned char byte = 0x30;
	int v = 0;
	socklen_t len;

	show("IP_TTL set with 1 byte (100)", (byte = 100,
		setsockopt(tcp, IPPROTO_IP, IP_TTL, &byte, 1)));
	get_int(tcp, "IP_TTL after the byte", IPPROTO_IP, IP_TTL);
	show("IP_TOS set with 1 byte (0x30)", (byte = 0x30,
		setsockopt(tcp, IPPROTO_IP, IP_TOS, &byte, 1)));
	get_int(tcp, "IP_TOS after the byte", IPPROTO_IP, IP_TOS);
	show("IP_TTL set with 0 bytes", setsockopt(tcp, IPPROTO_IP, IP_TTL, &v, 0));
	show("IP_TOS set with 0 bytes", setsockopt(tcp, IPPROTO_IP, IP_TOS, &v, 0));
	show("SO_BROADCAST set with 2 bytes", setsockopt(udp, SOL_SOCKET, SO_BROADCAST, &v, 2));
	show("SO_RCVLOWAT set with 3 bytes", setsockopt(tcp, SOL_SOCKET, SO_RCVLOWAT, &v, 3));
	show("TCP_MAXSEG set with 2 bytes", setsockopt(tcp, IPPROTO_TCP, TCP_MAXSEG, &v, 2));
	show("TCP_CORK set with 2 bytes", setsockopt(tcp, IPPROTO_TCP, TCP_CORK, &v, 2));
	show("TCP_QUICKACK set with 2 bytes", setsockopt(tcp, IPPROTO_TCP, TCP_QUICKACK, &v, 2));
	show("IP_TTL set NULL", setsockopt(tcp, IPPROTO_IP, IP_TTL, NULL, 4));
	show("SO_BROADCAST set NULL", setsockopt(udp, SOL_SOCKET, SO_BROADCAST, NULL, 4));
	show("TCP_CORK set NULL", setsockopt(tcp, IPPROTO_TCP, TCP_CORK, NULL, 4));
	show("IP_TTL get NULL length", getsockopt(tcp, IPPROTO_IP, IP_TTL, &v, NULL));
	len = 4;
	show("IP_TTL get NULL value", getsockopt(tcp, IPPROTO_IP, IP_TTL, NULL, &len));
	len = (socklen_t)-1;
	show("IP_TTL get length -1", getsockopt(tcp, IPPROTO_IP, IP_TTL, &v, &len));
	len = 1;
	byte = 0;
	show("IP_TTL get into 1 byte", getsockopt(tcp, IPPROTO_IP, IP_TTL, &byte, &len));
	printf("IP_TTL in 1 byte: %u, length %u\n", byte, (unsigned)len);
	len = 3;
	v = 0;
	show("IP_TOS get into 3 bytes", getsockopt(tcp, IPPROTO_IP, IP_TOS, &v, &len));
	printf("IP_TOS in 3 bytes: %d, length %u\n", v, (unsigned)len);
	len = 1;
	byte = 0;
	show("SO_BROADCAST get into 1 byte", getsockopt(udp, SOL_SOCKET, SO_BROADCAST, &byte, &len));
	printf("SO_BROADCAST length %u\n", (unsigned)len);
	len = 0;
	show("TCP_MAXSEG get into 0 bytes", getsockopt(tcp, IPPROTO_TCP, TCP_MAXSEG, &v, &len));
	printf("TCP_MAXSEG length %u\n", (unsigned)len);
}

/* A UDP send to the loopback's broadcast address (127.255.255.255). */
static void broadcast(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_in b = loop4(9);

	b.sin_addr.s_addr = htonl(0x7fffffff);
	show("udp sendto 127.255.255.255 without SO_BROADCAST",
	     sendto(s, "x", 1, 0, (struct sockaddr *)&b, sizeof(b)));
	show("udp connect 127.255.255.255 without SO_BROADCAST",
	     connect(c, (struct sockaddr *)&b, sizeof(b)));
	setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	setsockopt(c, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	show("udp sendto 127.255.255.255 with SO_BROADCAST",
	     sendto(s, "x", 1, 0, (struct sockaddr *)&b, sizeof(b)));
	show("udp connect 127.255.255.255 with SO_BROADCAST",
	     connect(c, (struct sockaddr *)&b, sizeof(b)));
	b = loop4(9);
	show("udp sendto 127.0.0.1 without SO_BROADCAST",
	     sendto(socket(AF_INET, SOCK_DGRAM, 0), "x", 1, 0, (struct sockaddr *)&b, sizeof(b)));
	close(s);
	close(c);
	/* SO_DONTROUTE: the loopback is on a link of this host's. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(s, SOL_SOCKET, SO_DONTROUTE, &one, sizeof(one));
	show("udp sendto 127.0.0.1 with SO_DONTROUTE",
	     sendto(s, "x", 1, 0, (struct sockaddr *)&b, sizeof(b)));
	show("udp sendto 127.0.0.1 with MSG_DONTROUTE",
	     sendto(s, "x", 1, MSG_DONTROUTE, (struct sockaddr *)&b, sizeof(b)));
	close(s);
}

/* A connected pair on 127.0.0.1: *a the client, *b the accepted side. */
static void tcp_pair(int *a, int *b, int mss)
{
	struct sockaddr_in addr = loop4(0);
	socklen_t len = sizeof(addr);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	*a = socket(AF_INET, SOCK_STREAM, 0);
	if (mss)
		setsockopt(*a, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
	if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&addr, &len) ||
	    connect(*a, (struct sockaddr *)&addr, sizeof(addr)) || (*b = accept(l, NULL, NULL)) < 0)
		printf("tcp_pair failed: %s\n", err_name(errno));
	close(l);
}

static void pause_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void rcvlowat(void)
{
	int a, b, v = 5, n;
	char buf[64];
	struct timeval tv = { 0, 300000 };
	struct timespec t0;

	tcp_pair(&a, &b, 0);
	show("SO_RCVLOWAT 5 on the receiver", setsockopt(b, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)));
	show("send 3 bytes", write(a, "abc", 3));
	pause_ms(100);
	printf("3 of 5 bytes waiting: readable %d\n", readable(b, 200));
	ioctl(b, SIOCINQ, &n);
	printf("SIOCINQ = %d\n", n);
	show("non-blocking recv of 3 of 5", recv(b, buf, sizeof(buf), MSG_DONTWAIT));
	show("send 3 bytes again", write(a, "def", 3));
	/* A blocking recv waits for 5 bytes; SO_RCVTIMEO ends the wait,
	 * and it returns the 3 it has. */
	setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("blocking recv of 3 of 5, SO_RCVTIMEO 300 ms", recv(b, buf, sizeof(buf), 0));
	printf("it waited its 300 ms: %s\n", ms_since(&t0) >= 290 ? "yes" : "no");
	show("send 6 bytes", write(a, "jklmno", 6));
	pause_ms(100);
	printf("6 of 5 bytes waiting: readable %d\n", readable(b, 1000));
	show("recv of 2 (less than SO_RCVLOWAT)", recv(b, buf, 2, 0));
	show("recv of the rest", recv(b, buf, sizeof(buf), 0));
	shutdown(a, SHUT_WR);
	printf("after the peer's FIN: readable %d\n", readable(b, 1000));
	close(a);
	close(b);
}

static void outq_inq(void)
{
	int a, b, n = -1, l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	static char big[1 << 16];
	long sent = 0, r;
	struct sockaddr_in addr = loop4(0);
	socklen_t len;

	show("SIOCOUTQ on a new tcp socket", ioctl(l, SIOCOUTQ, &n));
	printf("  = %d\n", n);
	show("SIOCOUTQ null pointer", ioctl(l, SIOCOUTQ, NULL));
	bind(l, (struct sockaddr *)&addr, sizeof(addr));
	listen(l, 1);
	show("SIOCOUTQ on a listener", ioctl(l, TIOCOUTQ, &n));
	show("SIOCINQ on a listener", ioctl(l, SIOCINQ, &n));
	close(l);
	tcp_pair(&a, &b, 0);
	show("send 5", write(a, "hello", 5));
	/* The peer's ACK may be a delayed one (lwIP's come within 250 ms;
	 * up to 5 s for a loaded host under TCG). */
	for (int i = 0; i < 100 && (ioctl(a, SIOCOUTQ, &n), n != 0); i++)
		pause_ms(50);
	printf("SIOCOUTQ after the peer acknowledged = %d\n", n);
	ioctl(b, SIOCINQ, &n);
	printf("SIOCINQ at the peer = %d\n", n);
	fcntl(a, F_SETFL, O_NONBLOCK);
	/* Until the peer's window is closed too: no room for 500 ms. */
	for (;;) {
		struct pollfd p = { .fd = a, .events = POLLOUT };

		while ((r = write(a, big, sizeof(big))) > 0)
			sent += r;
		if (poll(&p, 1, 500) != 1)
			break;
	}
	ioctl(a, SIOCOUTQ, &n);
	printf("peer not reading, buffers full: SIOCOUTQ > 0: %s, at most what was sent: %s\n",
	       n > 0 ? "yes" : "no", n <= sent ? "yes" : "no");
	close(a);
	close(b);
	addr = loop4(0);
	len = sizeof(addr);
	bind(u, (struct sockaddr *)&addr, sizeof(addr));
	getsockname(u, (struct sockaddr *)&addr, &len);
	show("udp send", sendto(u, "12345", 5, 0, (struct sockaddr *)&addr, sizeof(addr)));
	ioctl(u, SIOCOUTQ, &n);
	printf("udp SIOCOUTQ = %d\n", n);
	readable(u, 1000); /* Carapace's loopback delivers in lwIP's thread */
	/* as FIONREAD: the size of the next datagram */
	ioctl(u, SIOCINQ, &n);
	printf("udp SIOCINQ = %d\n", n);
	close(u);
}

/* The MSS a connection uses: at most the one set before connect. */
static void maxseg(void)
{
	int a, b, v;
	socklen_t len = sizeof(v);
	static char big[20000];
	long got = 0, r, reads = 0;

	tcp_pair(&a, &b, 600);
	getsockopt(a, IPPROTO_TCP, TCP_MAXSEG, &v, &len);
	printf("TCP_MAXSEG 600 before connect, connected: at most 600: %s, more than 500: %s\n",
	       v <= 600 ? "yes" : "no", v > 500 ? "yes" : "no");
	show("TCP_MAXSEG 700 on a connection", setsockopt(a, IPPROTO_TCP, TCP_MAXSEG, &(int){ 700 }, 4));
	getsockopt(a, IPPROTO_TCP, TCP_MAXSEG, &v, &len);
	printf("then at most 600 still: %s\n", v <= 600 ? "yes" : "no");
	/* With TCP_NODELAY each segment stays apart: no read of a
	 * segment-sized chunk gets more than the MSS... reads may join
	 * segments, so only the whole count is compared. */
	show("send 20000", write(a, big, sizeof(big)));
	while (got < (long)sizeof(big) && (r = read(b, big, sizeof(big))) > 0) {
		got += r;
		reads++;
	}
	printf("received %ld\n", got);
	close(a);
	close(b);
}

/* TCP_CORK: a partial segment waits until the cork is pulled. */
static void cork(void)
{
	int a, b, on = 1, off = 0;
	char buf[64];

	tcp_pair(&a, &b, 0);
	show("TCP_CORK on", setsockopt(a, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)));
	show("send 10 corked", write(a, "0123456789", 10));
	printf("corked 10 bytes reach the peer within 100 ms: %s\n", readable(b, 100) ? "yes" : "no");
	show("TCP_CORK off", setsockopt(a, IPPROTO_TCP, TCP_CORK, &off, sizeof(off)));
	printf("after TCP_CORK off: readable %d\n", readable(b, 2000));
	show("recv", recv(b, buf, sizeof(buf), MSG_DONTWAIT));
	show("TCP_QUICKACK on the receiver", setsockopt(b, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on)));
	close(a);
	close(b);
}

int main(void)
{
	int tcp = socket(AF_INET, SOCK_STREAM, 0), udp = socket(AF_INET, SOCK_DGRAM, 0);

	walk(tcp, "tcp", tcp_opts, sizeof(tcp_opts) / sizeof(tcp_opts[0]));
	walk(udp, "udp", udp_opts, sizeof(udp_opts) / sizeof(udp_opts[0]));
	bad_input(tcp, udp);
	close(tcp);
	close(udp);
	broadcast();
	rcvlowat();
	outq_inq();
	maxseg();
	cork();
	printf("sockopts: done\n");
	return 0;
}
