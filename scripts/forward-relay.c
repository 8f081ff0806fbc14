/*
 * forward-relay: the host side of the launcher's TCP forwards under
 * --net user (scripts/carapace run --forward tcp:HOSTPORT:GUESTPORT, and
 * scripts/linux-guest's).
 *
 *   forward-relay HOSTPORT[:INNERPORT]...
 *
 * QEMU's user networking (libslirp 4.7) listens on a forwarded port with
 * a backlog of 1 and accepts one connection per turn of QEMU's main loop
 * (10 to 50 ms under TCG). A client that opens many connections at once
 * overflows that queue: the host's kernel drops the handshakes it has no
 * room for, and each such client waits 1 to 3 s for a retransmission, or
 * gives up (redis-benchmark's 50 clients ended in "Connection reset by
 * peer").
 *
 * The relay listens on 127.0.0.1:HOSTPORT itself with a backlog of
 * SOMAXCONN and accepts every client at once. For each one it opens a
 * connection to QEMU's forward, which the launcher binds to 127.0.0.1:
 * INNERPORT, a private port: one connect at a time per port, the next only
 * when slirp's listening socket has no connection waiting in its accept
 * queue any more (asked of the kernel through sock_diag, as `ss` does), so
 * that its backlog of 1 never overflows. Then it copies bytes both ways:
 * epoll, non-blocking sockets, a bounded buffer per direction (a side is
 * not read while the other side's buffer is full), a FIN passed on as
 * shutdown(SHUT_WR), a reset passed on as a reset (SO_LINGER 0, then close).
 *
 * Without INNERPORT the relay picks a free one (bind to port 0). Once it
 * listens on every HOSTPORT it prints one line "ports INNERPORT..." on its
 * standard output (in the order of its arguments), or "error MESSAGE" and
 * exits with status 1. It ends on SIGTERM, and when the process that
 * started it (the launcher) ends, however it ends (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FORWARDS 64
#define BUF_SIZE (64 * 1024)    /* per direction of a connection */
#define QUEUE_POLL_MS 1         /* how often slirp's accept queue is asked */
#define QUEUE_WAIT_MS 5000      /* go on after this long even if it is not empty */
#define START_WAIT_MS 60000     /* refused connects retried until QEMU listens */
#define RETRY_MS 50             /* between those retries */
#define ACCEPT_PAUSE_MS 100     /* out of file descriptors: accept again after */
#define TCP_STATE_LISTEN 10     /* include/net/tcp_states.h, not exported */

enum kind { LISTENER, CLIENT, INNER };

struct conn;

/* One socket of a relayed connection. buf holds what was read from this
 * side and is still to be written to the other. */
struct side {
	enum kind kind; /* first: what an epoll event's pointer points at */
	int fd;
	struct conn *conn;
	uint32_t events; /* registered with epoll; 0: not registered */
	bool eof;        /* this side sent FIN (read returned 0) */
	bool shut;       /* the other side's FIN passed on: shutdown(SHUT_WR) done */
	size_t off, len; /* buf[off..len) waits to be written to the other side */
	char *buf;
};

enum conn_state { WAITING, CONNECTING, OPEN };

struct conn {
	struct side client, inner;
	struct forward *fwd;
	enum conn_state state;
	bool ended;        /* closed; freed after the current batch of events */
	struct conn *next; /* in its forward's queue while WAITING, or ended */
};

/* One forwarded port: the relay's listener and slirp's INNERPORT. */
enum pace { IDLE, IN_FLIGHT, DRAINING, RETRY_WAIT };

struct forward {
	enum kind kind; /* LISTENER */
	int fd;
	unsigned host_port, inner_port;
	bool listening;         /* registered with epoll (not during a pause) */
	bool seen_inner;        /* slirp accepted a connect once: QEMU is up */
	enum pace pace;
	long long until_ms;     /* DRAINING / RETRY_WAIT / a pause: the deadline */
	long long accept_again; /* after EMFILE: when to listen again; 0: not paused */
	struct conn *head, *tail; /* clients waiting for their inner connect */
};

static struct forward forwards[MAX_FORWARDS];
static int nforwards;
static int ep, diag = -1;
static struct conn *ended; /* freed once no event of the batch can name them */
static long long started_ms;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("forward-relay: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A start-up failure: one line on standard output for the launcher. */
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("error ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	exit(1);
}

/* Registers FD for EVENTS, changes its registration, or removes it when
 * EVENTS is 0: epoll reports a hang-up or an error even on an fd that asks
 * for nothing, and a side that cannot be served then would spin. */
static void watch(int fd, void *ptr, uint32_t *current, uint32_t events)
{
	if (*current == events)
		return;
	struct epoll_event ev = {.events = events, .data.ptr = ptr};
	int op = !*current ? EPOLL_CTL_ADD : events ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
	if (epoll_ctl(ep, op, fd, &ev) < 0) {
		warn("epoll_ctl: %s", strerror(errno));
		exit(1);
	}
	*current = events;
}

static struct side *other(struct side *s)
{
	return s == &s->conn->client ? &s->conn->inner : &s->conn->client;
}

/* What a side waits for: to read while its buffer has room and it has not
 * sent FIN; to write while the other side's buffer holds bytes for it (or,
 * for the inner side, until its connect completes). */
static void update(struct side *s)
{
	uint32_t events = 0;
	struct conn *c = s->conn;
	if (s->kind == INNER && c->state == CONNECTING)
		events = EPOLLOUT;
	else if (s->kind == INNER && c->state == WAITING)
		events = 0; /* no socket yet */
	else {
		if (!s->eof && s->len < BUF_SIZE)
			events |= EPOLLIN;
		if (c->state == OPEN && other(s)->len > other(s)->off)
			events |= EPOLLOUT;
	}
	watch(s->fd, s, &s->events, events);
}

static void close_side(struct side *s, bool reset)
{
	if (s->fd < 0)
		return;
	if (reset) {
		struct linger l = {.l_onoff = 1, .l_linger = 0};
		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	}
	if (s->events)
		watch(s->fd, s, &s->events, 0);
	close(s->fd);
	s->fd = -1;
}

static void unqueue(struct conn *c)
{
	struct forward *f = c->fwd;
	struct conn **p = &f->head, *prev = NULL;
	for (; *p && *p != c; p = &(*p)->next)
		prev = *p;
	if (!*p)
		return;
	*p = c->next;
	if (f->tail == c)
		f->tail = prev;
	c->next = NULL;
}

/* Ends a connection; RESET: both sockets with a reset rather than a FIN. */
static void conn_end(struct conn *c, bool reset)
{
	struct forward *f = c->fwd;
	if (c->state == WAITING)
		unqueue(c);
	if (c->state == CONNECTING) {
		unqueue(c);
		/* The connect may already sit in slirp's queue: wait for it. */
		f->pace = DRAINING;
		f->until_ms = now_ms() + QUEUE_WAIT_MS;
	}
	close_side(&c->client, reset);
	close_side(&c->inner, reset);
	c->ended = true;
	c->next = ended;
	ended = c;
}

static void free_ended(void)
{
	while (ended) {
		struct conn *c = ended;
		ended = c->next;
		free(c->client.buf);
		free(c->inner.buf);
		free(c);
	}
}

/* A connection is over when each side has sent FIN and it was passed on. */
static void maybe_done(struct conn *c)
{
	if (c->client.shut && c->inner.shut)
		conn_end(c, false);
}

/* Writes what S's buffer holds to the other side; passes S's FIN on once
 * it is empty. Returns false when the connection ended. */
static bool flush(struct side *s)
{
	struct side *to = other(s);
	while (s->off < s->len) {
		ssize_t n = send(to->fd, s->buf + s->off, s->len - s->off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) { /* the receiver reset or failed: reset the sender too */
			conn_end(s->conn, true);
			return false;
		}
		s->off += (size_t)n;
	}
	if (s->off == s->len)
		s->off = s->len = 0;
	if (s->eof && s->len == 0 && !to->shut) {
		shutdown(to->fd, SHUT_WR);
		to->shut = true;
	}
	return true;
}

/* Reads from S into its buffer while it has room, and writes it on. */
static void on_readable(struct side *s)
{
	struct conn *c = s->conn;
	while (!s->eof && s->len < BUF_SIZE) {
		size_t room = BUF_SIZE - s->len;
		ssize_t n = recv(s->fd, s->buf + s->len, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) { /* a reset (or an error): pass it on as a reset */
			conn_end(c, true);
			return;
		}
		if (n == 0)
			s->eof = true;
		s->len += (size_t)n;
		if (c->state != OPEN)
			break; /* the inner socket is not connected yet: keep it */
		if (!flush(s))
			return;
		if (n > 0 && (size_t)n < room)
			break; /* all there was: epoll says when more comes, no recv for EAGAIN */
	}
	if (s->eof && c->state == OPEN && !flush(s))
		return;
	update(s);
	update(other(s));
	maybe_done(c);
}

static void on_writable(struct side *to)
{
	struct side *from = other(to);
	struct conn *c = to->conn;
	if (!flush(from))
		return;
	update(from);
	update(to);
	maybe_done(c);
}

/* The length of the accept queue of the socket listening on 127.0.0.1:PORT
 * (sock_diag's idiag_rqueue of a listener), 0 when there is none (QEMU has
 * not bound it yet, or has ended), -1 when the kernel cannot be asked. */
static int accept_queue(unsigned port)
{
	static unsigned seq;
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {.nlmsg_len = sizeof msg, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = ++seq},
		.req = {.sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP,
			.idiag_states = 1u << TCP_STATE_LISTEN},
	};
	if (send(diag, &msg, sizeof msg, 0) < 0)
		return -1;
	int found = 0;
	static long buf[32768 / sizeof(long)]; /* a dump's part is at most the buffer read into */
	for (;;) {
		ssize_t n = recv(diag, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return found;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -1;
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			if (ntohs(m->id.idiag_sport) == port &&
			    m->id.idiag_src[0] == htonl(INADDR_LOOPBACK))
				found = (int)m->idiag_rqueue;
		}
	}
}

static int socket_nonblock(void)
{
	return socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static struct sockaddr_in loopback(unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

/* The inner connect of the forward's first waiting client completed, or
 * failed with ERR. */
static void connect_done(struct conn *c, int err)
{
	struct forward *f = c->fwd;
	long long now = now_ms();
	if (err == ECONNREFUSED && !f->seen_inner && now - started_ms < START_WAIT_MS) {
		/* QEMU has not bound the inner port yet: try again soon. */
		close_side(&c->inner, false);
		c->state = WAITING;
		f->pace = RETRY_WAIT;
		f->until_ms = now + RETRY_MS;
		return;
	}
	unqueue(c);
	if (err) {
		c->state = WAITING; /* not queued any more: conn_end leaves the pace */
		f->pace = IDLE;
		conn_end(c, true);
		return;
	}
	f->seen_inner = true;
	c->state = OPEN;
	int one = 1;
	setsockopt(c->inner.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	f->pace = DRAINING;
	f->until_ms = now + QUEUE_WAIT_MS;
	/* What the client sent meanwhile (perhaps its FIN too). */
	if (!flush(&c->client))
		return;
	update(&c->client);
	update(&c->inner);
	maybe_done(c);
}

/* Starts the inner connect of the forward's first waiting client, and of
 * the next ones while a connect fails at once. */
static void connect_next(struct forward *f)
{
	while (f->pace == IDLE && f->head) {
		struct conn *c = f->head;
		int fd = socket_nonblock();
		if (fd < 0) {
			warn("socket: %s", strerror(errno));
			conn_end(c, true);
			continue;
		}
		c->inner.fd = fd;
		c->inner.events = 0;
		struct sockaddr_in to = loopback(f->inner_port);
		f->pace = IN_FLIGHT;
		c->state = CONNECTING;
		if (connect(fd, (struct sockaddr *)&to, sizeof to) == 0)
			connect_done(c, 0);
		else if (errno == EINPROGRESS)
			update(&c->inner);
		else
			connect_done(c, errno);
	}
}

static void on_connected(struct side *inner)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(inner->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	connect_done(inner->conn, err);
}

static void listen_again(struct forward *f, bool on)
{
	uint32_t current = f->listening ? EPOLLIN : 0;
	watch(f->fd, f, &current, on ? EPOLLIN : 0);
	f->listening = on;
}

/* Accepts every client waiting and queues each for its inner connect. */
static void on_accept(struct forward *f)
{
	for (;;) {
		int fd = accept4(f->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				warn("accept on 127.0.0.1:%u: %s; pausing %d ms", f->host_port,
				     strerror(errno), ACCEPT_PAUSE_MS);
				listen_again(f, false);
				f->accept_again = now_ms() + ACCEPT_PAUSE_MS;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				warn("accept on 127.0.0.1:%u: %s", f->host_port, strerror(errno));
			}
			return;
		}
		struct conn *c = calloc(1, sizeof *c);
		char *a = malloc(BUF_SIZE), *b = malloc(BUF_SIZE);
		if (!c || !a || !b) {
			warn("out of memory: a client of 127.0.0.1:%u refused", f->host_port);
			free(c), free(a), free(b);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->fwd = f;
		c->client = (struct side){.kind = CLIENT, .fd = fd, .conn = c, .buf = a};
		c->inner = (struct side){.kind = INNER, .fd = -1, .conn = c, .buf = b};
		c->state = WAITING;
		if (f->tail)
			f->tail->next = c;
		else
			f->head = c;
		f->tail = c;
		update(&c->client);
		if (f->pace == IDLE)
			connect_next(f);
	}
}

/* The forward's pacing on the clock: slirp's queue emptied, a retry due,
 * a pause over. Returns the milliseconds until it should be asked again
 * (-1: nothing to wait for). */
static int pace_tick(struct forward *f, long long now)
{
	if (f->accept_again && now >= f->accept_again) {
		f->accept_again = 0;
		listen_again(f, true);
	}
	if (f->pace == DRAINING) {
		int queued = accept_queue(f->inner_port);
		if (queued <= 0 || now >= f->until_ms) {
			static bool warned;
			if (queued < 0 && !warned) {
				warn("cannot read slirp's accept queue (sock_diag): %s; "
				     "connects to QEMU not paced", strerror(errno));
				warned = true;
			}
			f->pace = IDLE;
		}
	}
	if (f->pace == RETRY_WAIT && now >= f->until_ms)
		f->pace = IDLE;
	if (f->pace == IDLE)
		connect_next(f);
	int wait = -1;
	if (f->pace == DRAINING)
		wait = QUEUE_POLL_MS;
	else if (f->pace == RETRY_WAIT)
		wait = (int)(f->until_ms - now);
	if (f->accept_again) {
		int pause = (int)(f->accept_again - now);
		if (wait < 0 || pause < wait)
			wait = pause;
	}
	return wait < 0 ? -1 : wait > 0 ? wait : 1;
}

/* Parses a port (1 to 65535); exits with a message when it is not one. */
static unsigned parse_port(const char *s, const char *arg)
{
	char *end;
	errno = 0;
	unsigned long p = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != ':') || p < 1 || p > 65535 || *s == '0')
		fail("'%s' is not HOSTPORT[:INNERPORT] (ports 1 to 65535)", arg);
	return (unsigned)p;
}

static int listen_on(unsigned port, int backlog)
{
	int fd = socket_nonblock();
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = loopback(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || (backlog && listen(fd, backlog) < 0)) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static void setup(int argc, char **argv)
{
	if (argc < 2 || argc - 1 > MAX_FORWARDS)
		fail("usage: forward-relay HOSTPORT[:INNERPORT]... (1 to %d forwards)", MAX_FORWARDS);
	/* A file descriptor per socket: thousands of clients at once. */
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
	int pick[MAX_FORWARDS];
	for (int i = 1; i < argc; i++) {
		struct forward *f = &forwards[nforwards++];
		f->kind = LISTENER;
		f->host_port = parse_port(argv[i], argv[i]);
		const char *colon = strchr(argv[i], ':');
		f->inner_port = colon ? parse_port(colon + 1, argv[i]) : 0;
		f->fd = listen_on(f->host_port, SOMAXCONN);
		if (f->fd < 0)
			fail("cannot listen on 127.0.0.1:%u: %s", f->host_port, strerror(errno));
		/* A private port for QEMU's forward: free now; held until every
		 * forward has its own, so that no two get the same one. */
		pick[i - 1] = -1;
		if (!f->inner_port) {
			struct sockaddr_in a;
			socklen_t len = sizeof a;
			pick[i - 1] = listen_on(0, 0);
			if (pick[i - 1] < 0 || getsockname(pick[i - 1], (struct sockaddr *)&a, &len) < 0)
				fail("cannot pick a free port on 127.0.0.1: %s", strerror(errno));
			f->inner_port = ntohs(a.sin_port);
		}
	}
	for (int i = 0; i < nforwards; i++)
		if (pick[i] >= 0)
			close(pick[i]);
	diag = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (diag < 0)
		fail("cannot open a sock_diag socket: %s", strerror(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fail("epoll_create1: %s", strerror(errno));
	for (int i = 0; i < nforwards; i++)
		listen_again(&forwards[i], true);
	printf("ports");
	for (int i = 0; i < nforwards; i++)
		printf(" %u", forwards[i].inner_port);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	/* Ends with the launcher, even a killed one; it may have ended already. */
	pid_t parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		return 1;
	/* Nothing of the launcher's but the standard three: a pipe someone
	 * waits to see closed must not stay open here. */
	close_range(3, ~0u, 0);
	signal(SIGPIPE, SIG_IGN);
	started_ms = now_ms();
	setup(argc, argv);

	struct epoll_event events[64];
	for (;;) {
		int timeout = -1;
		long long now = now_ms();
		for (int i = 0; i < nforwards; i++) {
			int wait = pace_tick(&forwards[i], now);
			if (wait >= 0 && (timeout < 0 || wait < timeout))
				timeout = wait;
		}
		int n = epoll_wait(ep, events, 64, timeout);
		if (n < 0 && errno != EINTR) {
			warn("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			enum kind *k = events[i].data.ptr;
			uint32_t ev = events[i].events;
			if (*k == LISTENER) {
				on_accept((struct forward *)k);
			} else {
				/* An earlier event of this batch may have ended the
				 * connection: epoll_ctl's DEL does not take back the
				 * events already returned, so it is freed only after. */
				struct side *s = (struct side *)k;
				struct conn *c = s->conn;
				if (c->ended)
					continue;
				if (s->kind == INNER && c->state == CONNECTING) {
					on_connected(s);
					continue;
				}
				/* A hang-up or an error on a side that only waits to
				 * write: its send fails, and the connection is reset. */
				if (ev & EPOLLOUT || (ev & (EPOLLHUP | EPOLLERR) && !(s->events & EPOLLIN)))
					on_writable(s);
				if (!c->ended && ev & (EPOLLIN | EPOLLHUP | EPOLLERR) && s->events & EPOLLIN)
					on_readable(s);
			}
		}
		free_ended();
	}
}
