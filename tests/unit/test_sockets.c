/*
 * Tests for kernel/fs/unix_socket.c, socket.c, epoll.c and timerfd.c on the
 * host: AF_UNIX streams fill to their ring and drain, shutdown and close
 * reach the other end (ECONNRESET with unread data), datagrams keep their
 * bounds (MSG_TRUNC, SO_RCVBUF), a vanished buffer moves nothing, path
 * names live in the namespace, SO_LINGER reads back as Linux's; epoll's
 * level and edge reports, ONESHOT, entries gone with their file,
 * round-robin, nesting loops; a timerfd on a clock the test turns. Every test ends with nothing allocated.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <carapace/epoll.h>
#include <carapace/socket.h>
#include <carapace/vfs.h>

#include "fs_helpers.h"

#define RING (128 * 1024) /* unix_socket.c's UNIX_RING */

struct env {
	struct counting_alloc ca;
	struct vfs_alloc alloc;
	struct vfs vfs;
	struct ramfs *root;
};

static void env_init(struct env *e)
{
	e->alloc = counting_alloc_init(&e->ca);
	vfs_init(&e->vfs, &e->alloc);
	assert_int_equal(ramfs_new(&e->alloc, 0, &e->root), 0);
	assert_int_equal(vfs_mount(&e->vfs, "/", ramfs_root(e->root)), 0);
	unix_socket_set_cwd("/");
}

static void env_done(struct env *e)
{
	vfs_destroy(&e->vfs);
	ramfs_destroy(e->root);
	assert_int_equal(e->ca.outstanding, 0);
}

/* One buffer's send or receive through the family's operations. */
static int64_t xfer(struct vfs_file *f, void *buf, size_t n, int flags, bool send, int *msg_flags)
{
	struct socket *s = socket_of_file(f);
	struct socket_iov iov = { buf, n };
	uint8_t addr[SOCK_ADDR_MAX];
	struct socket_io io = { .iov = &iov, .iovcnt = 1, .flags = flags, .addr = addr };
	int64_t rc = send ? s->ops->send(s, &io) : s->ops->recv(s, &io);

	if (msg_flags)
		*msg_flags = io.msg_flags;
	return rc;
}

static int64_t tx(struct vfs_file *f, const void *buf, size_t n)
{
	return xfer(f, (void *)buf, n, 0, true, NULL);
}

static int64_t rx(struct vfs_file *f, void *buf, size_t n, int flags)
{
	return xfer(f, buf, n, flags, false, NULL);
}

static void test_stream_fill_and_drain(void **state)
{
	static uint8_t big[RING + 1000], back[RING + 1000];
	struct vfs_file *p[2];
	struct env e;

	(void)state;
	env_init(&e);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(unix_socketpair(&e.vfs, SOCK_STREAM, 0, p), 0);
	assert_int_equal(rx(p[1], back, 10, 0), -EAGAIN);
	assert_int_equal(vfs_poll(p[0]) & VFS_POLLOUT, VFS_POLLOUT);
	/* The ring takes RING bytes, then the writer must wait. */
	assert_int_equal(tx(p[0], big, sizeof(big)), RING);
	assert_int_equal(tx(p[0], big, 1), -EAGAIN);
	assert_int_equal(vfs_poll(p[0]) & VFS_POLLOUT, 0);
	assert_int_equal(rx(p[1], back, 100, SOCK_MSG_PEEK), 100);
	assert_int_equal(rx(p[1], back, RING, 0), RING);
	assert_memory_equal(back, big, RING);
	assert_int_equal(tx(p[0], big + RING, 1000), 1000);
	assert_int_equal(rx(p[1], back, sizeof(back), 0), 1000);
	assert_memory_equal(back, big + RING, 1000);
	vfs_file_put(p[0]);
	vfs_file_put(p[1]);
	env_done(&e);
}

/*
 * The ring starts small and grows while data waits in it: bytes that wrap
 * round the end of a small ring come out in order after it grew, and a
 * byte at a time it still takes RING.
 */
static void test_stream_ring_grows(void **state)
{
	static uint8_t big[RING], back[RING];
	struct vfs_file *p[2];
	struct env e;
	size_t sent = 0;

	(void)state;
	env_init(&e);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(unix_socketpair(&e.vfs, SOCK_STREAM, 0, p), 0);
	/* 3000 in, 2000 out: what waits starts at 2000 of the first 4 KiB ring. */
	assert_int_equal(tx(p[0], big, 3000), 3000);
	assert_int_equal(rx(p[1], back, 2000, 0), 2000);
	assert_memory_equal(back, big, 2000);
	/* 3000 more wrap round its end; 5000 more need it larger. */
	assert_int_equal(tx(p[0], big + 3000, 3000), 3000);
	assert_int_equal(tx(p[0], big + 6000, 5000), 5000);
	assert_int_equal(rx(p[1], back, sizeof(back), 0), 9000);
	assert_memory_equal(back, big + 2000, 9000);
	/* 9000 bytes waited at most: no ring of RING was made for them. */
	assert_true(e.ca.largest <= 16384);
	/* Small writes fill it to RING, then the writer waits. */
	while (sent < RING && tx(p[0], big + sent, 100 < RING - sent ? 100 : RING - sent) > 0)
		sent += 100 < RING - sent ? 100 : RING - sent;
	assert_int_equal(sent, RING);
	assert_int_equal(tx(p[0], big, 1), -EAGAIN);
	assert_int_equal(rx(p[1], back, sizeof(back), 0), RING);
	assert_memory_equal(back, big, RING);
	vfs_file_put(p[0]);
	vfs_file_put(p[1]);
	env_done(&e);
}

static void test_stream_shutdown_and_reset(void **state)
{
	struct vfs_file *p[2];
	char buf[8];
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(unix_socketpair(&e.vfs, SOCK_STREAM, 0, p), 0);
	assert_int_equal(tx(p[0], "abc", 3), 3);
	assert_int_equal(socket_of_file(p[0])->ops->shutdown(socket_of_file(p[0]), SOCK_SHUT_WR), 0);
	assert_int_equal(tx(p[0], "x", 1), -EPIPE);
	assert_true(vfs_poll(p[1]) & VFS_POLLRDHUP);
	assert_int_equal(rx(p[1], buf, sizeof(buf), 0), 3);
	assert_int_equal(rx(p[1], buf, sizeof(buf), 0), 0); /* end of file */
	/* p[1] closes with nothing unread: p[0] reads what it has, then the end. */
	assert_int_equal(tx(p[1], "zz", 2), 2);
	assert_int_equal(tx(p[0], "unread", 0), -EPIPE);
	vfs_file_put(p[1]);
	assert_int_equal(rx(p[0], buf, sizeof(buf), 0), 2); /* what it had still reads */
	assert_int_equal(rx(p[0], buf, sizeof(buf), 0), 0);
	assert_true(vfs_poll(p[0]) & VFS_POLLHUP);
	vfs_file_put(p[0]);

	assert_int_equal(unix_socketpair(&e.vfs, SOCK_STREAM, 0, p), 0);
	assert_int_equal(tx(p[0], "lost", 4), 4);
	vfs_file_put(p[1]);
	assert_int_equal(rx(p[0], buf, sizeof(buf), 0), -ECONNRESET);
	assert_int_equal(rx(p[0], buf, sizeof(buf), 0), 0);
	vfs_file_put(p[0]);
	env_done(&e);
}

static void test_datagrams(void **state)
{
	struct vfs_file *p[2];
	char buf[16];
	int flags;
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(unix_socketpair(&e.vfs, SOCK_DGRAM, 0, p), 0);
	assert_int_equal(tx(p[0], "0123456789", 10), 10);
	assert_int_equal(tx(p[0], "", 0), 0);
	assert_int_equal(xfer(p[1], buf, 4, SOCK_MSG_TRUNC, false, &flags), 10);
	assert_int_equal(flags & SOCK_MSG_TRUNC, SOCK_MSG_TRUNC);
	assert_int_equal(rx(p[1], buf, sizeof(buf), 0), 0); /* the empty one */
	assert_int_equal(rx(p[1], buf, sizeof(buf), 0), -EAGAIN);
	/* The queue holds SO_RCVBUF bytes; one datagram always fits. */
	socket_of_file(p[1])->rcvbuf = 20;
	assert_int_equal(tx(p[0], "0123456789", 10), 10);
	assert_int_equal(tx(p[0], "0123456789", 10), 10);
	assert_int_equal(tx(p[0], "0123456789", 10), -EAGAIN);
	assert_int_equal(vfs_poll(p[0]) & VFS_POLLOUT, 0);
	/* A buffer that vanished: nothing queued, the datagram not half sent. */
	assert_int_equal(rx(p[1], buf, sizeof(buf), 0), 10);
	vanished_lo = (const uint8_t *)buf;
	vanished_hi = (const uint8_t *)buf + sizeof(buf);
	assert_int_equal(tx(p[0], buf, 5), -EFAULT);
	assert_int_equal(rx(p[1], buf, sizeof(buf), 0), -EFAULT); /* stays queued */
	vanished_lo = vanished_hi = NULL;
	assert_int_equal(rx(p[1], buf, sizeof(buf), 0), 10);
	assert_int_equal(rx(p[1], buf, sizeof(buf), 0), -EAGAIN);
	vfs_file_put(p[1]);
	assert_int_equal(tx(p[0], "x", 1), -ECONNREFUSED);
	vfs_file_put(p[0]);
	env_done(&e);
}

/* Sets SO_LINGER {on, sec} on f and reads it back into *got. */
static void linger_set_get(struct vfs_file *f, int32_t on, int32_t sec, int32_t got[2])
{
	int32_t lg[2] = { on, sec };
	uint32_t len = sizeof(lg);

	assert_int_equal(socket_setsockopt(socket_of_file(f), SOCK_SOL_SOCKET, SOCK_SO_LINGER, lg,
					   sizeof(lg)), 0);
	assert_int_equal(socket_getsockopt(socket_of_file(f), SOCK_SOL_SOCKET, SOCK_SO_LINGER, got,
					   &len), 0);
	assert_int_equal(len, sizeof(lg));
}

/*
 * SO_LINGER reads back as Linux's: l_onoff as 0 or 1, and l_linger
 * kept while the option is switched off (it had become the new value);
 * a negative time as the longest (inet_socket.c: never the abort of 0).
 */
static void test_linger_option(void **state)
{
	struct vfs_file *p[2];
	int32_t got[2], lg[2] = { 1, 1 };
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(unix_socketpair(&e.vfs, SOCK_STREAM, 0, p), 0);
	linger_set_get(p[0], 1, 5, got);
	assert_true(got[0] == 1 && got[1] == 5);
	linger_set_get(p[0], 0, 7, got);
	assert_true(got[0] == 0 && got[1] == 5);
	linger_set_get(p[0], 3, 2, got);
	assert_true(got[0] == 1 && got[1] == 2);
	linger_set_get(p[0], 1, -1, got);
	assert_true(got[0] == 1 && got[1] == INT32_MAX);
	assert_int_equal(socket_setsockopt(socket_of_file(p[0]), SOCK_SOL_SOCKET, SOCK_SO_LINGER,
					   lg, sizeof(int32_t)), -EINVAL);
	vfs_file_put(p[0]);
	vfs_file_put(p[1]);
	env_done(&e);
}

/* SOL_SOCKET's kept flags and SO_RCVLOWAT (kernel/fs/socket.c), as Linux
 * reads them back: an int each, 0 or 1 for a flag whatever was set. */
static void test_kept_options(void **state)
{
	static const struct {
		int name, set, get, rc;
	} cases[] = {
		{ SOCK_SO_BROADCAST, 5, 1, 0 },  { SOCK_SO_BROADCAST, 0, 0, 0 },
		{ SOCK_SO_DONTROUTE, -1, 1, 0 }, { SOCK_SO_OOBINLINE, 2, 1, 0 },
		{ SOCK_SO_RCVLOWAT, 10, 10, 0 }, { SOCK_SO_RCVLOWAT, 0, 1, 0 },
		{ SOCK_SO_RCVLOWAT, -3, INT32_MAX, 0 },
		{ SOCK_SO_SNDLOWAT, 10, 1, -ENOPROTOOPT },
	};
	struct vfs_file *p[2];
	struct socket *s;
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(unix_socketpair(&e.vfs, SOCK_STREAM, 0, p), 0);
	s = socket_of_file(p[0]);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int32_t v = cases[i].set;
		uint32_t len = sizeof(v);

		assert_int_equal(socket_setsockopt(s, SOCK_SOL_SOCKET, cases[i].name, &v, 4),
				 cases[i].rc);
		assert_int_equal(socket_getsockopt(s, SOCK_SOL_SOCKET, cases[i].name, &v, &len), 0);
		assert_int_equal(v, cases[i].get);
		assert_int_equal(len, 4);
		/* shorter than an int: EINVAL, as Linux */
		assert_int_equal(socket_setsockopt(s, SOCK_SOL_SOCKET, cases[i].name, &v, 3),
				 -EINVAL);
	}
	vfs_file_put(p[0]);
	vfs_file_put(p[1]);
	env_done(&e);
}

static uint32_t sun(uint8_t *a, const char *path, size_t len)
{
	memset(a, 0, SOCK_UNIX_ADDR_MAX);
	a[0] = SOCK_AF_UNIX;
	memcpy(a + 2, path, len);
	return (uint32_t)(2 + len);
}

static void test_named(void **state)
{
	uint8_t a[SOCK_UNIX_ADDR_MAX];
	uint32_t len = sun(a, "/srv", 5), glen;
	struct vfs_file *l, *c, *s;
	struct socket *ls, *cs;
	struct linux_stat st;
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(unix_socket_new(&e.vfs, SOCK_STREAM, 0, &l), 0);
	assert_int_equal(unix_socket_new(&e.vfs, SOCK_STREAM, VFS_O_NONBLOCK, &c), 0);
	ls = socket_of_file(l);
	cs = socket_of_file(c);
	assert_int_equal(cs->ops->connect(cs, a, len), -ENOENT);
	assert_int_equal(ls->ops->bind(ls, a, len), 0);
	assert_int_equal(vfs_stat(&e.vfs, "/", "/srv", &st), 0); /* the name is a file */
	assert_int_equal(cs->ops->bind(cs, a, len), -EADDRINUSE);
	assert_int_equal(cs->ops->connect(cs, a, len), -ECONNREFUSED);
	assert_int_equal(ls->ops->listen(ls, 0), 0);
	assert_int_equal(ls->ops->accept(ls, 0, &s), -EAGAIN);
	assert_int_equal(cs->ops->connect(cs, a, len), 0);
	assert_true(vfs_poll(l) & VFS_POLLIN);
	assert_int_equal(ls->ops->accept(ls, 0, &s), 0);
	glen = 0;
	assert_int_equal(socket_of_file(s)->ops->getname(socket_of_file(s), a, &glen, false), 0);
	assert_int_equal(glen, 7); /* family, "/srv", NUL */
	assert_int_equal(tx(c, "hi", 2), 2);
	assert_int_equal(rx(s, a, 2, 0), 2);
	/* A name unlinked no longer reaches the socket. */
	assert_int_equal(vfs_unlink(&e.vfs, "/", "/srv"), 0);
	vfs_file_put(c);
	assert_int_equal(unix_socket_new(&e.vfs, SOCK_STREAM, 0, &c), 0);
	cs = socket_of_file(c);
	len = sun(a, "/srv", 5);
	assert_int_equal(cs->ops->connect(cs, a, len), -ENOENT);
	/* Malformed names. */
	assert_int_equal(cs->ops->connect(cs, a, 2), -EINVAL);
	a[0] = SOCK_AF_INET;
	assert_int_equal(cs->ops->bind(cs, a, len), -EINVAL);
	assert_int_equal(cs->ops->bind(cs, a, 1), -EINVAL);
	vfs_file_put(c);
	vfs_file_put(s);
	vfs_file_put(l);
	env_done(&e);
}

/* A listener closed with a connection queued resets the client, frees all. */
static void test_listener_close_resets(void **state)
{
	uint8_t a[SOCK_UNIX_ADDR_MAX];
	uint32_t len = sun(a, "\0abs", 4);
	struct vfs_file *l, *c;
	char buf[4];
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(unix_socket_new(&e.vfs, SOCK_STREAM, 0, &l), 0);
	assert_int_equal(unix_socket_new(&e.vfs, SOCK_STREAM, 0, &c), 0);
	assert_int_equal(socket_of_file(l)->ops->bind(socket_of_file(l), a, len), 0);
	assert_int_equal(socket_of_file(l)->ops->listen(socket_of_file(l), 1), 0);
	assert_int_equal(socket_of_file(c)->ops->connect(socket_of_file(c), a, len), 0);
	vfs_file_put(l);
	assert_int_equal(rx(c, buf, sizeof(buf), 0), -ECONNRESET);
	assert_int_equal(tx(c, "x", 1), -EPIPE);
	vfs_file_put(c);
	env_done(&e);
}

static int collect(struct vfs_file *epf, struct epoll_event_k *ev, int max)
{
	return epoll_collect(epoll_of_file(epf), ev, max);
}

static void add(struct vfs_file *epf, int fd, struct vfs_file *f, uint32_t events, uint64_t data)
{
	struct epoll_event_k ev = { events, data };

	assert_int_equal(epoll_ctl_file(epoll_of_file(epf), EPOLL_CTL_ADD, fd, f, &ev), 0);
}

static void test_epoll_edges(void **state)
{
	struct vfs_file *rd, *wr, *lt, *et, *os;
	struct epoll_event_k ev[4], one = { VFS_POLLIN | EPOLLONESHOT_K, 3 };
	char buf[8];
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(pipe_new(&e.vfs, 0, &rd, &wr), 0);
	assert_int_equal(epoll_new(&e.vfs, 0, &lt), 0);
	assert_int_equal(epoll_new(&e.vfs, 0, &et), 0);
	assert_int_equal(epoll_new(&e.vfs, 0, &os), 0);
	add(lt, 3, rd, VFS_POLLIN, 1);
	add(et, 3, rd, VFS_POLLIN | EPOLLET_K, 2);
	add(os, 3, rd, one.events, one.data);
	assert_int_equal(collect(lt, ev, 4), 0);
	assert_int_equal(collect(et, ev, 4), 0);
	assert_int_equal(vfs_write(wr, "0123456789", 10), 10);
	assert_int_equal(collect(lt, ev, 4), 1);
	assert_int_equal(ev[0].data, 1);
	assert_int_equal(collect(et, ev, 4), 1);
	assert_int_equal(collect(os, ev, 4), 1);
	assert_int_equal(collect(lt, ev, 4), 1); /* level: still ready */
	assert_int_equal(collect(et, ev, 4), 0); /* edge: no new event */
	assert_int_equal(vfs_read(rd, buf, 5), 5);
	assert_int_equal(collect(et, ev, 4), 0); /* a read is the writer's event */
	assert_int_equal(vfs_write(wr, "x", 1), 1);
	assert_int_equal(collect(et, ev, 4), 1);
	assert_int_equal(collect(os, ev, 4), 0); /* one shot, then disabled */
	assert_int_equal(epoll_ctl_file(epoll_of_file(os), EPOLL_CTL_MOD, 3, rd, &one), 0);
	assert_int_equal(collect(os, ev, 4), 1);
	/* The epoll of a ready entry polls readable. */
	assert_true(vfs_poll(lt) & VFS_POLLIN);
	/* Gone with the file: the entries go, nothing is left allocated. */
	vfs_file_put(rd);
	assert_int_equal(collect(lt, ev, 4), 0);
	vfs_file_put(wr);
	vfs_file_put(lt);
	vfs_file_put(et);
	vfs_file_put(os);
	env_done(&e);
}

static void test_epoll_rules(void **state)
{
	struct vfs_file *a[2], *b[2], *ep, *inner, *file;
	struct epoll_event_k ev[2], x = { VFS_POLLIN | EPOLLEXCLUSIVE_K, 0 };
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(pipe_new(&e.vfs, 0, &a[0], &a[1]), 0);
	assert_int_equal(pipe_new(&e.vfs, 0, &b[0], &b[1]), 0);
	assert_int_equal(epoll_new(&e.vfs, 0, &ep), 0);
	assert_int_equal(epoll_new(&e.vfs, 0, &inner), 0);
	assert_int_equal(vfs_open(&e.vfs, "/", "/f", VFS_O_CREAT | VFS_O_RDWR, 0600, &file), 0);
	vfs_write(a[1], "a", 1);
	vfs_write(b[1], "b", 1);
	add(ep, 10, a[0], VFS_POLLIN, 10);
	add(ep, 20, b[0], VFS_POLLIN, 20);
	/* maxevents 1: each ready entry in turn. */
	assert_int_equal(collect(ep, ev, 1), 1);
	assert_int_equal(ev[0].data, 10);
	assert_int_equal(collect(ep, ev, 1), 1);
	assert_int_equal(ev[0].data, 20);
	assert_int_equal(collect(ep, ev, 1), 1);
	assert_int_equal(ev[0].data, 10);
	assert_int_equal(epoll_ctl_file(epoll_of_file(ep), EPOLL_CTL_ADD, 10, a[0], ev), -EEXIST);
	assert_int_equal(epoll_ctl_file(epoll_of_file(ep), EPOLL_CTL_DEL, 11, a[0], NULL), -ENOENT);
	assert_int_equal(epoll_ctl_file(epoll_of_file(ep), EPOLL_CTL_ADD, 3, file, ev), -EPERM);
	assert_int_equal(epoll_ctl_file(epoll_of_file(ep), 9, 3, a[1], ev), -EINVAL);
	assert_int_equal(epoll_ctl_file(epoll_of_file(ep), EPOLL_CTL_ADD, 3, ep, ev), -EINVAL);
	assert_int_equal(epoll_ctl_file(epoll_of_file(ep), EPOLL_CTL_ADD, 3, a[1], &x), 0);
	assert_int_equal(epoll_ctl_file(epoll_of_file(ep), EPOLL_CTL_MOD, 3, a[1], &x), -EINVAL);
	/* Nesting: inner in ep is fine, ep in inner then is a loop. */
	add(ep, 4, inner, VFS_POLLIN, 4);
	assert_int_equal(epoll_ctl_file(epoll_of_file(inner), EPOLL_CTL_ADD, 5, ep, ev), -ELOOP);
	assert_int_equal(epoll_ctl_file(epoll_of_file(ep), EPOLL_CTL_DEL, 10, a[0], NULL), 0);
	vfs_file_put(file);
	for (int i = 0; i < 2; i++) {
		vfs_file_put(a[i]);
		vfs_file_put(b[i]);
	}
	vfs_file_put(inner);
	vfs_file_put(ep);
	env_done(&e);
}

static uint64_t fake_now;

static uint64_t read_fake(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static void test_timerfd(void **state)
{
	const struct timerfd_clock clock = { read_fake, NULL };
	struct vfs_file *f;
	struct timerfd *t;
	uint64_t ticks = 0, value, interval;
	bool fired;
	struct env e;

	(void)state;
	env_init(&e);
	fake_now = 1000;
	assert_int_equal(timerfd_new(&e.vfs, &clock, false, VFS_O_NONBLOCK, &f), 0);
	t = timerfd_of_file(f);
	assert_int_equal(vfs_read(f, &ticks, sizeof(ticks)), -EAGAIN);
	assert_int_equal(vfs_read(f, &ticks, 4), -EINVAL);
	timerfd_arm(t, 1100, 10);
	assert_int_equal(timerfd_next_expiry(fake_now, &fired), 1100);
	assert_false(fired);
	fake_now = 1099;
	assert_int_equal(vfs_poll(f) & VFS_POLLIN, 0);
	fake_now = 1125; /* 1100, 1110, 1120: readable now, so its next expiry wakes no one */
	assert_int_equal(timerfd_next_expiry(fake_now, &fired), 0);
	assert_true(fired);
	/* Unread, it ends no more sleeps (a 1 ns period made every wait spin). */
	fake_now = 1135;
	assert_int_equal(timerfd_next_expiry(fake_now, &fired), 0);
	assert_false(fired);
	assert_true(vfs_poll(f) & VFS_POLLIN);
	assert_int_equal(vfs_read(f, &ticks, sizeof(ticks)), 8);
	assert_int_equal(ticks, 4);
	timerfd_remaining(t, &value, &interval);
	assert_int_equal(value, 5);
	assert_int_equal(interval, 10);
	/* Read: its next expiry counts again. */
	assert_int_equal(timerfd_next_expiry(fake_now, &fired), 1140);
	assert_false(fired);
	timerfd_arm(t, 1200, 0); /* one shot */
	fake_now = 5000;
	assert_int_equal(vfs_read(f, &ticks, sizeof(ticks)), 8);
	assert_int_equal(ticks, 1);
	assert_int_equal(timerfd_next_expiry(fake_now, &fired), 0);
	timerfd_remaining(t, &value, &interval);
	assert_int_equal(value, 0);
	vfs_file_put(f);
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_fill_and_drain),
		cmocka_unit_test(test_stream_ring_grows),
		cmocka_unit_test(test_stream_shutdown_and_reset),
		cmocka_unit_test(test_datagrams),
		cmocka_unit_test(test_linger_option),
		cmocka_unit_test(test_kept_options),
		cmocka_unit_test(test_named),
		cmocka_unit_test(test_listener_close_resets),
		cmocka_unit_test(test_epoll_edges),
		cmocka_unit_test(test_epoll_rules),
		cmocka_unit_test(test_timerfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
