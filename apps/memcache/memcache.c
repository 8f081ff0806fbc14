/*
 * Carapace's own memcached (apps/README.md): the text protocol of
 * mc_proto.c over TCP and UDP on one epoll loop, its cache given all free
 * memory and shrunk through the shrinker API (<carapace/shrinker.h>) when
 * another allocation needs memory. Built by `make apps` into
 * build/apps/memcache/memcache.so.
 *
 *     memcache.so [-p TCP-PORT] [-U UDP-PORT] [-t THREADS] [-P]
 *
 * Ports default to 11211 (0: off); THREADS (1 to 16, default 1) each wait
 * on their own epoll set, the connections dealt to them in turn; the
 * first one also reads the UDP socket. UDP goes
 * through Carapace's datagram API (<carapace/dgram.h>) where there is
 * one, and TCP through its stream API (<carapace/stream.h>: the
 * connections one wake-up found ready read with one call, their replies
 * sent with another); -P keeps to recvmmsg and sendmmsg, recv and send
 * (the portable path, which a kernel without the APIs also falls back to).
 *
 * Off Carapace (no shrinker API: built with -DMC_NO_SHRINKER) the cache has
 * no limit but what malloc gives, which is how the host tests and a native
 * build run it.
 */
#define _GNU_SOURCE /* accept4, on a host's glibc too */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MC_NO_SHRINKER
#include <carapace/shrinker.h>
#endif
#if defined(__has_include)
#if __has_include(<carapace/dgram.h>)
#include <carapace/dgram.h>
#define MC_DGRAM_API 1
#endif
#if __has_include(<carapace/stream.h>)
#include <carapace/stream.h>
#define MC_STREAM_API 1
#endif
#endif

#include "mc_proto.h"

#define READ_CHUNK 16384
/* The input buffer's most: a command line and the largest value with its
 * "\r\n" (a 1 MiB value must fit), and room for one more read. */
#define IN_MAX (MC_LINE_MAX + MC_VALUE_MAX + 2 + READ_CHUNK)
#define UDP_MAX 1400 /* a response datagram's payload, header included */
#define UDP_HEADER 8

struct conn {
	int fd;
	char *in;
	size_t in_len, in_cap;
	struct mc_out out;
	size_t out_sent;
	/* Replies wait for room to send: epoll asks for EPOLLOUT instead of EPOLLIN. */
	bool waiting_to_send;
	struct mc_session s;
};

/*
 * The cache is shared by the threads (-t): its lock is held while a
 * thread runs requests, not while it reads or sends, and only when there
 * is more than one thread (the shrinker runs in an allocating thread of
 * the application: with one, there is nobody to exclude). Recursive: the
 * shrinker takes it too, and may run inside a malloc of the thread that
 * holds it (the pinned item is then left alone).
 */
static struct mc_cache cache;
static pthread_mutex_t cache_lock;
static unsigned open_conns, nthreads = 1;

static void cache_lock_take(void)
{
	if (nthreads > 1)
		pthread_mutex_lock(&cache_lock);
}

static void cache_lock_drop(void)
{
	if (nthreads > 1)
		pthread_mutex_unlock(&cache_lock);
}

static size_t process_locked(struct mc_session *s, const char *in, size_t len, struct mc_out *out)
{
	size_t used;

	cache_lock_take();
	used = mc_proto_process(&cache, s, in, len, out);
	cache_lock_drop();
	return used;
}

/*
 * The cache's clock, read at most once per wake-up of the loop: a system
 * call costs more than the rest of a request, and the protocol's times
 * are whole seconds. Every epoll_wait return marks it stale.
 */
static __thread int64_t clock_seconds;
static __thread bool clock_stale = true;

static int64_t now_seconds(void)
{
	struct timespec ts;

	if (clock_stale) {
		clock_gettime(CLOCK_REALTIME, &ts);
		clock_seconds = ts.tv_sec;
		clock_stale = false;
	}
	return clock_seconds;
}

#ifndef MC_NO_SHRINKER
/* The shrinker: the oldest items go first. Runs in an allocating thread. */
static size_t give_back(size_t wanted, void *arg)
{
	size_t freed;

	cache_lock_take();
	freed = mc_cache_shrink(arg, wanted);
	cache_lock_drop();
	return freed;
}
#endif

static int listen_on(int type, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	mc_out_free(&c->out);
	free(c);
	__atomic_sub_fetch(&open_conns, 1, __ATOMIC_RELAXED);
}

/* Asks epoll for readable or (replies pending) writable; -1 on failure. */
static int conn_wait_for(int ep, struct conn *c, bool to_send)
{
	struct epoll_event ev = { .events = to_send ? EPOLLOUT : EPOLLIN, .data.ptr = c };

	if (c->waiting_to_send == to_send)
		return 0;
	c->waiting_to_send = to_send;
	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/*
 * Sends what is pending; returns -1 when the connection is to be closed.
 * While replies wait for room, the connection is not read (epoll asks
 * for EPOLLOUT only): a client that sends without reading cannot make
 * the replies grow without end.
 */
static int conn_flush(int ep, struct conn *c)
{
	while (c->out_sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.buf + c->out_sent, c->out.len - c->out_sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			return conn_wait_for(ep, c, true);
		if (n <= 0)
			return -1;
		c->out_sent += (size_t)n;
	}
	c->out.len = c->out_sent = 0;
	if (c->s.close)
		return -1;
	return conn_wait_for(ep, c, false);
}

/* Makes room for a read of READ_CHUNK (the buffer grows up to IN_MAX):
 * the room, or 0 when the buffer is full (a request longer than any valid
 * one) or cannot grow: the connection is to be closed. */
static size_t conn_room(struct conn *c)
{
	if (c->in_cap - c->in_len < READ_CHUNK && c->in_cap < IN_MAX) {
		size_t cap = c->in_cap ? c->in_cap * 2 : READ_CHUNK * 2;
		char *p;

		if (cap > IN_MAX)
			cap = IN_MAX;
		if (!(p = realloc(c->in, cap)))
			return 0;
		c->in = p;
		c->in_cap = cap;
	}
	/* What stays buffered is one unfinished request (the rest was
	 * processed): a full buffer is one longer than any valid request. */
	return c->in_cap - c->in_len;
}

/* Answers every complete request in the input, n bytes of which just
 * arrived, into out; -1 when out of memory (close). */
static int conn_process(struct conn *c, size_t n)
{
	size_t used;

	c->in_len += n;
	c->s.connections = __atomic_load_n(&open_conns, __ATOMIC_RELAXED);
	used = process_locked(&c->s, c->in, c->in_len, &c->out);
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	return c->out.failed ? -1 : 0;
}

/*
 * Reads what has arrived, answers every complete request in it and sends
 * the answers with one call. One read when it does not fill the buffer:
 * epoll is level-triggered, so bytes that come later wake the loop again,
 * and a second read would only find nothing (a system call for EAGAIN).
 */
static int conn_read(int ep, struct conn *c)
{
	for (;;) {
		size_t room = conn_room(c);
		ssize_t n;

		if (room == 0)
			return -1;
		n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (conn_process(c, (size_t)n) < 0 || conn_flush(ep, c) < 0)
			return -1;
		if ((size_t)n < room || c->waiting_to_send)
			return 0;
	}
}

#ifdef MC_STREAM_API
/*
 * TCP through Carapace's stream API (<carapace/stream.h>): the
 * connections that one wake-up found readable are read with one call, and
 * their replies sent with another, where conn_read makes a recv and a
 * send for each (apps/README.md has what it saves). What the calls leave
 * (a read that filled the buffer, a reply partly sent) goes on the
 * portable way.
 */
static bool stream_api = true;

static void streams_serve(int ep, struct conn **ready, unsigned n)
{
	struct carapace_stream io[CARAPACE_STREAM_BATCH];
	bool filled[CARAPACE_STREAM_BATCH];
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++)
		io[i] = (struct carapace_stream){ ready[i]->in + ready[i]->in_len,
						  (uint32_t)(ready[i]->in_cap - ready[i]->in_len),
						  ready[i]->fd, 0 };
	if (carapace_stream_recv(io, n, 0) < 0) {
		if (errno == ENOSYS)
			stream_api = false; /* a kernel without it: recv and send from now on */
		for (unsigned i = 0; i < n; i++)
			if (conn_read(ep, ready[i]) < 0)
				conn_close(ep, ready[i]);
		return;
	}
	/* Each read's requests answered; the connections still open move to
	 * the front of ready (m <= i: nothing unread is overwritten). */
	for (unsigned i = 0; i < n; i++) {
		struct conn *c = ready[i];
		int64_t got = io[i].result;

		if (got == -EAGAIN)
			continue;
		if (got <= 0 || conn_process(c, (size_t)got) < 0) {
			conn_close(ep, c);
			continue;
		}
		filled[m] = (uint64_t)got == io[i].len;
		ready[m++] = c;
	}
	/* The replies, one call for all: io[k] is ready[at[k]]'s. */
	unsigned char at[CARAPACE_STREAM_BATCH];
	bool failed[CARAPACE_STREAM_BATCH] = { false };
	unsigned k = 0;

	for (unsigned j = 0; j < m; j++) {
		if (ready[j]->out.len == 0)
			continue;
		at[k] = (unsigned char)j;
		io[k++] = (struct carapace_stream){ ready[j]->out.buf, (uint32_t)ready[j]->out.len,
						    ready[j]->fd, 0 };
	}
	if (k && carapace_stream_send(io, k, 0) < 0)
		for (unsigned j = 0; j < k; j++)
			io[j].result = -EAGAIN; /* conn_flush sends them */
	for (unsigned j = 0; j < k; j++) {
		struct conn *c = ready[at[j]];

		if (io[j].result > 0)
			c->out_sent = (size_t)io[j].result;
		else if (io[j].result != -EAGAIN)
			failed[at[j]] = true; /* the peer is gone */
	}
	for (unsigned j = 0; j < m; j++) {
		struct conn *c = ready[j];

		/* The rest of a reply (all sent: the close a quit asked for),
		 * then what a read that filled its room left. */
		if (failed[j] || conn_flush(ep, c) < 0 ||
		    (filled[j] && !c->waiting_to_send && conn_read(ep, c) < 0))
			conn_close(ep, c);
	}
}
#else
static const bool stream_api = false;
static void streams_serve(int ep, struct conn **ready, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (conn_read(ep, ready[i]) < 0)
			conn_close(ep, ready[i]);
}
#endif

/*
 * UDP. A request is one datagram: memcached's 8-byte frame header (request
 * id, sequence number, datagram count, reserved), then commands; the
 * replies go back in datagrams of at most UDP_MAX bytes, each with the
 * request id, its number and the count. Whatever waits is read with one
 * recvmmsg, up to UDP_BATCH datagrams, and the replies of all of them
 * leave with one sendmmsg: two system calls for a batch instead of two
 * for each request (OSv's memcached showed what a server gains from the
 * kernel's fast paths; this is its part). A slot holds the largest
 * datagram, so that nothing is truncated.
 *
 * On Carapace the same two calls are the datagram API's
 * (<carapace/dgram.h>): no msghdr or iovec, each buffer checked for the
 * bytes it gets, and each reply's frame built by the kernel. A reply is
 * then one buffer: out keeps 8 bytes before each request's replies, where
 * the frame header of a reply that fits one datagram is written (most
 * do); a longer reply's datagrams are copied, header and part, into tx_buf.
 */
#define UDP_BATCH 16
#define UDP_IN_MAX 65536
#define UDP_TX_MAX 64 /* reply datagrams per sendmmsg */

struct udp_batch {
	char *in;                          /* UDP_BATCH slots of UDP_IN_MAX */
	struct sockaddr_in from[UDP_BATCH];
	struct iovec rx_iov[UDP_BATCH];
	struct mmsghdr rx[UDP_BATCH];
	size_t reply_start[UDP_BATCH];     /* where each request's replies start in out */
	size_t reply_end[UDP_BATCH];       /* and end */
	struct mc_out out;                 /* the batch's replies, back to back */
	char header[UDP_TX_MAX][UDP_HEADER];
	struct iovec tx_iov[UDP_TX_MAX][2];
	struct mmsghdr tx[UDP_TX_MAX];
	unsigned ntx;
#ifdef MC_DGRAM_API
	struct carapace_dgram din[UDP_BATCH], dout[UDP_TX_MAX];
	char tx_buf[UDP_TX_MAX][UDP_MAX];
#endif
};

/* Whether UDP goes through the datagram API (-P, or a kernel without it: no). */
#ifdef MC_DGRAM_API
static bool dgram_api = true;
#else
static const bool dgram_api = false;
#endif

/* Sends tx[from, to) with one sendmmsg, or the API's call: the count sent
 * (the first failed: 0, or -1 for the API's call not being there). */
static int udp_send_some(int fd, struct udp_batch *b, unsigned from, unsigned to)
{
	int n;

#ifdef MC_DGRAM_API
	if (dgram_api) {
		unsigned want = to - from < CARAPACE_DGRAM_BATCH ? to - from : CARAPACE_DGRAM_BATCH;

		n = carapace_dgram_send(fd, b->dout + from, want, 0);
		if (n < 0 && (errno == ENOSYS || errno == EOPNOTSUPP)) {
			dgram_api = false;
			return -1;
		}
		return n > 0 ? n : 0;
	}
#endif
	n = sendmmsg(fd, b->tx + from, to - from, 0);
	return n > 0 ? n : 0;
}

static void udp_flush(int fd, struct udp_batch *b)
{
	for (unsigned sent = 0; sent < b->ntx;) {
		int n = udp_send_some(fd, b, sent, b->ntx);

		/* The datagram that failed (no room, a peer unreachable) is lost,
		 * as memcached's would be; the others are still sent. (The API
		 * missing: the same datagrams again, with sendmmsg.) */
		if (n >= 0)
			sent += n > 0 ? (unsigned)n : 1;
	}
	b->ntx = 0;
}

/* The replies in out[from, to) to request i, split into datagrams. */
static void udp_reply(int fd, struct udp_batch *b, unsigned i, size_t from, size_t to)
{
	size_t per = UDP_MAX - UDP_HEADER, count = (to - from + per - 1) / per;
	const char *id = b->in + (size_t)i * UDP_IN_MAX;

	if (count > 0xffff)
		return; /* the frame header cannot number them */
	for (size_t k = 0; k < count; k++) {
		char *h;

		if (b->ntx == UDP_TX_MAX)
			udp_flush(fd, b);
		h = b->header[b->ntx];
		memcpy(h, id, 2); /* the request id */
		h[2] = (char)(k >> 8), h[3] = (char)k;
		h[4] = (char)(count >> 8), h[5] = (char)count;
		h[6] = h[7] = 0;
		b->tx_iov[b->ntx][0] = (struct iovec){ h, UDP_HEADER };
		b->tx_iov[b->ntx][1] = (struct iovec){ b->out.buf + from + k * per,
						       to - from - k * per < per ? to - from - k * per : per };
#ifdef MC_DGRAM_API
		if (dgram_api) {
			size_t len = b->tx_iov[b->ntx][1].iov_len;
			char *d = count == 1 ? b->out.buf + from - UDP_HEADER : b->tx_buf[b->ntx];

			memcpy(d, h, UDP_HEADER);
			if (count > 1)
				memcpy(d + UDP_HEADER, b->tx_iov[b->ntx][1].iov_base, len);
			b->dout[b->ntx] = (struct carapace_dgram){
				.buf = d, .len = (uint32_t)(UDP_HEADER + len),
				.addrlen = sizeof(b->from[i]),
			};
			b->dout[b->ntx].addr.in = b->from[i];
		}
#endif
		b->tx[b->ntx].msg_hdr = (struct msghdr){
			.msg_name = &b->from[i], .msg_namelen = sizeof(b->from[i]),
			.msg_iov = b->tx_iov[b->ntx], .msg_iovlen = 2,
		};
		b->ntx++;
	}
}

/*
 * Up to UDP_BATCH datagrams into b's slots, their lengths in rx[].msg_len
 * and their sources in from[]: the count, or -1 with errno.
 */
static int udp_receive(int fd, struct udp_batch *b)
{
#ifdef MC_DGRAM_API
	if (dgram_api) {
		int n;

		for (unsigned i = 0; i < UDP_BATCH; i++)
			b->din[i] = (struct carapace_dgram){ b->in + (size_t)i * UDP_IN_MAX, UDP_IN_MAX };
		n = carapace_dgram_recv(fd, b->din, UDP_BATCH, MSG_DONTWAIT);
		if (n < 0 && (errno == ENOSYS || errno == EOPNOTSUPP)) {
			dgram_api = false; /* recvmmsg, from now on */
			return udp_receive(fd, b);
		}
		for (int i = 0; i < n; i++) {
			b->rx_iov[i].iov_base = b->din[i].buf;
			b->rx[i].msg_len = b->din[i].len < UDP_IN_MAX ? b->din[i].len : UDP_IN_MAX;
			memcpy(&b->from[i], &b->din[i].addr.in, sizeof(b->from[i]));
		}
		return n;
	}
#endif
	for (unsigned i = 0; i < UDP_BATCH; i++) {
		b->rx_iov[i] = (struct iovec){ b->in + (size_t)i * UDP_IN_MAX, UDP_IN_MAX };
		b->rx[i].msg_hdr = (struct msghdr){
			.msg_name = &b->from[i], .msg_namelen = sizeof(b->from[i]),
			.msg_iov = &b->rx_iov[i], .msg_iovlen = 1,
		};
	}
	return recvmmsg(fd, b->rx, UDP_BATCH, MSG_DONTWAIT, NULL);
}

/* Reads and answers what waits on the UDP socket, a batch at a time. */
static void udp_serve(int fd, struct udp_batch *b)
{
	/* A few batches per wake-up, so that TCP connections are not starved. */
	for (int round = 0; round < 4; round++) {
		int n = udp_receive(fd, b);

		if (n <= 0)
			return;
		b->out.len = 0;
		for (int i = 0; i < n; i++) {
			struct mc_session s = { .connections = __atomic_load_n(&open_conns, __ATOMIC_RELAXED) };
			size_t len = b->rx[i].msg_len;

			if (dgram_api) /* the room for its reply's frame header */
				mc_out_add(&b->out, "\0\0\0\0\0\0\0\0", UDP_HEADER);
			b->reply_start[i] = b->out.len;
			if (len >= UDP_HEADER)
				process_locked(&s, (char *)b->rx_iov[i].iov_base + UDP_HEADER, len - UDP_HEADER,
					       &b->out);
			b->reply_end[i] = b->out.len;
		}
		if (b->out.failed) { /* out of memory: these requests go unanswered */
			mc_out_free(&b->out);
			return;
		}
		for (int i = 0; i < n; i++)
			udp_reply(fd, b, (unsigned)i, b->reply_start[i], b->reply_end[i]);
		udp_flush(fd, b);
		if (n < UDP_BATCH)
			return; /* nothing more was waiting */
	}
}

/* Each thread waits on its own epoll set; the first one holds the listeners. */
struct worker {
	int ep;
	int tcp; /* the listener: the first thread's, -1 in the others */
	int udp; /* the UDP socket: the first thread's, -1 in the others */
	struct udp_batch *batch; /* with udp */
	pthread_t thread;
};

#define THREADS_MAX 16
#ifdef MC_STREAM_API
#define STREAM_BATCH CARAPACE_STREAM_BATCH
#else
#define STREAM_BATCH 32
#endif
static struct worker workers[THREADS_MAX];
static unsigned next_worker;

/* A new connection goes to the next thread in turn. */
static void accept_one(int tcp)
{
	int fd = accept4(tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct worker *w = &workers[next_worker++ % nthreads];
	struct conn *c;
	int one = 1;

	if (fd < 0)
		return;
	if (!(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	__atomic_add_fetch(&open_conns, 1, __ATOMIC_RELAXED);
	struct epoll_event cev = { .events = EPOLLIN, .data.ptr = c };

	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &cev) < 0)
		conn_close(w->ep, c);
}

static void *serve(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		/*
		 * One wake-up serves up to 64 ready connections. Not more: the
		 * kernel allocates (and its heap zeroes) room for as many
		 * events as asked for at every call.
		 */
		struct epoll_event evs[64];
		int n = epoll_wait(w->ep, evs, sizeof(evs) / sizeof(evs[0]), -1);

		struct conn *ready[STREAM_BATCH];
		unsigned nready = 0;

		clock_stale = true;
		for (int i = 0; i < n; i++) {
			if (w->udp >= 0 && evs[i].data.ptr == &w->udp) {
				udp_serve(w->udp, w->batch);
			} else if (w->tcp >= 0 && evs[i].data.ptr == &w->tcp) {
				accept_one(w->tcp);
			} else {
				struct conn *c = evs[i].data.ptr;
				int r = (evs[i].events & EPOLLOUT) ? conn_flush(w->ep, c) : 0;

				if (r < 0 || !(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
					/* closed, or only writable */
				} else if (!stream_api || c->waiting_to_send) {
					r = conn_read(w->ep, c);
				} else if (conn_room(c) == 0) {
					r = -1;
				} else {
					/* Read with the others that are ready (the stream API). */
					ready[nready++] = c;
					if (nready == STREAM_BATCH) {
						streams_serve(w->ep, ready, nready);
						nready = 0;
					}
				}
				if (r < 0)
					conn_close(w->ep, c);
			}
		}
		if (nready)
			streams_serve(w->ep, ready, nready);
	}
	return NULL;
}

static int number_arg(const char *s, long min, long max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "memcache: '%s' is not %s\n", s, what);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	int tcp_port = 11211, udp_port = 11211, opt;
	struct worker *first = &workers[0];

	while ((opt = getopt(argc, argv, "p:U:t:P")) != -1) {
		if (opt == 'p')
			tcp_port = number_arg(optarg, 0, 65535, "a port");
		else if (opt == 'U')
			udp_port = number_arg(optarg, 0, 65535, "a port");
		else if (opt == 't')
			nthreads = (unsigned)number_arg(optarg, 1, THREADS_MAX, "a thread count (1-16)");
		else if (opt == 'P') {
#ifdef MC_DGRAM_API
			dgram_api = false;
#endif
#ifdef MC_STREAM_API
			stream_api = false;
#endif
		}
		else
			return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	pthread_mutexattr_t recursive;

	pthread_mutexattr_init(&recursive);
	pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&cache_lock, &recursive);
	if (mc_cache_init(&cache, 0, now_seconds) < 0)
		return 1;
#ifndef MC_NO_SHRINKER
	if (carapace_shrinker_register("memcache", give_back, &cache) < 0) {
		perror("memcache: shrinker");
		return 1;
	}
#endif
	for (unsigned i = 0; i < nthreads; i++) {
		workers[i].tcp = workers[i].udp = -1;
		if ((workers[i].ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
			perror("memcache: epoll_create1");
			return 1;
		}
	}
	if (tcp_port && (first->tcp = listen_on(SOCK_STREAM, tcp_port)) < 0) {
		perror("memcache: tcp");
		return 1;
	}
	if (udp_port && (first->udp = listen_on(SOCK_DGRAM, udp_port)) < 0) {
		perror("memcache: udp");
		return 1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &first->tcp };

	if (first->tcp >= 0)
		epoll_ctl(first->ep, EPOLL_CTL_ADD, first->tcp, &ev);
	/*
	 * The first thread alone reads the UDP socket (memcached's threads all
	 * do): a batch call takes whatever waits, and with every thread
	 * reading, each datagram woke them all to contend for the socket's
	 * lock, the losers finding nothing (memaslap --udp -c 16, -t 2:
	 * 10,194 guest instructions an operation, 1,018 of them spinning on
	 * that lock, against 8,524 and 67 with one reader, 2026-12-07). TCP
	 * connections are still dealt to every thread.
	 */
	if (first->udp >= 0) {
		ev.data.ptr = &first->udp;
		if (!(first->batch = calloc(1, sizeof(*first->batch))) ||
		    !(first->batch->in = malloc((size_t)UDP_BATCH * UDP_IN_MAX)) ||
		    epoll_ctl(first->ep, EPOLL_CTL_ADD, first->udp, &ev) < 0) {
			perror("memcache: udp");
			return 1;
		}
	}
	for (unsigned i = 1; i < nthreads; i++) {
		if ((errno = pthread_create(&workers[i].thread, NULL, serve, &workers[i]))) {
			perror("memcache: pthread_create");
			return 1;
		}
	}
	printf("memcache: listening on tcp %d (%s), udp %d (%s), %u threads\n", tcp_port,
	       stream_api ? "the stream API" : "recv and send", udp_port,
	       dgram_api ? "the datagram API" : "recvmmsg", nthreads);
	fflush(stdout);
	serve(first);
	return 0;
}
