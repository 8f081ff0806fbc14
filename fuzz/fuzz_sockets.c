/*
 * Fuzzes AF_UNIX sockets, epoll and timerfd (kernel/fs/unix_socket.c,
 * socket.c, epoll.c, timerfd.c) with sequences of operations read from the
 * input: make, send, receive with any flags, shutdown, bind and connect to
 * names taken from the input (any length, any family), listen, accept,
 * options, close, and epoll entries over all of it. Each byte pair is one
 * operation on one of a few slots. Nothing may crash, every transfer must
 * stay within its buffer (ASan), and once every file is closed nothing
 * may be left allocated.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/epoll.h>
#include <carapace/socket.h>
#include <carapace/vfs.h>

#include "fuzz_alloc.h"

#define SLOTS 8

static uint64_t fake_now;

static uint64_t read_now(void *ctx)
{
	(void)ctx;
	return fake_now;
}

struct run {
	struct vfs vfs;
	struct vfs_file *slot[SLOTS];
	const uint8_t *in;
	size_t len, at;
};

static uint8_t next(struct run *r)
{
	return r->at < r->len ? r->in[r->at++] : 0;
}

static void put(struct run *r, int i, struct vfs_file *f)
{
	if (r->slot[i])
		vfs_file_put(r->slot[i]);
	r->slot[i] = f;
}

/* An address of the input's choosing: a length, then that many bytes. */
static uint32_t take_addr(struct run *r, uint8_t *addr)
{
	uint32_t n = next(r) % (SOCK_ADDR_MAX + 1);

	memset(addr, 0, SOCK_ADDR_MAX);
	for (uint32_t i = 0; i < n; i++)
		addr[i] = next(r);
	if (n >= 1 && (next(r) & 1))
		addr[0] = SOCK_AF_UNIX, addr[1] = 0; /* mostly a family that goes further */
	return n;
}

static void transfer(struct run *r, struct socket *s, bool send, uint8_t arg)
{
	static uint8_t buf[3000];
	uint8_t addr[SOCK_ADDR_MAX];
	struct socket_iov iov[2] = { { buf, (size_t)(arg * 11) % 1500 }, { buf + 1500, arg % 7 } };
	struct socket_io io = { .iov = iov, .iovcnt = 1 + (arg & 1), .flags = next(r) << 1,
				.addr = addr };
	int64_t rc;

	if (send && (arg & 0x80))
		io.addrlen = take_addr(r, addr);
	rc = send ? s->ops->send(s, &io) : s->ops->recv(s, &io);
	CHECK(rc < 0 || (size_t)rc <= iov[0].len + iov[1].len || (!send && (io.flags & SOCK_MSG_TRUNC)));
	CHECK(io.addrlen <= SOCK_ADDR_MAX);
}

static void step(struct run *r, const struct timerfd_clock *clock)
{
	uint8_t op = next(r), arg = next(r);
	int i = op % SLOTS, j = arg % SLOTS;
	struct vfs_file *f = r->slot[i], *pair[2];
	struct socket *s = f ? socket_of_file(f) : NULL;
	struct epoll_event_k ev = { .events = (uint32_t)arg << 24 | arg, .data = arg };
	uint8_t addr[SOCK_ADDR_MAX];
	uint32_t len;

	switch ((op / SLOTS) % 16) {
	case 0:
		if (unix_socket_new(&r->vfs, 1 + (arg & 3), 0, &f) == 0)
			put(r, i, f);
		break;
	case 1:
		if (unix_socketpair(&r->vfs, 1 + (arg & 1), 0, pair) == 0) {
			put(r, i, pair[0]);
			put(r, j == i ? (i + 1) % SLOTS : j, pair[1]);
		}
		break;
	case 2: case 3:
		if (s)
			transfer(r, s, true, arg);
		break;
	case 4: case 5:
		if (s)
			transfer(r, s, false, arg);
		break;
	case 6:
		if (s)
			s->ops->shutdown(s, arg % 4);
		break;
	case 7:
		if (s && s->ops->bind)
			len = take_addr(r, addr), s->ops->bind(s, addr, len);
		break;
	case 8:
		if (s && s->ops->connect)
			len = take_addr(r, addr), s->ops->connect(s, addr, len);
		break;
	case 9:
		if (s && s->ops->listen)
			s->ops->listen(s, (int8_t)arg);
		break;
	case 10:
		if (s && s->ops->accept && s->ops->accept(s, 0, &f) == 0)
			put(r, j, f);
		break;
	case 11:
		if (s) {
			len = SOCK_ADDR_MAX;
			if (s->ops->getname(s, addr, &len, arg & 1) == 0)
				CHECK(len <= SOCK_ADDR_MAX);
			socket_setsockopt(s, 1, arg % 40, &ev, arg % 20);
			len = SOCK_ADDR_MAX;
			socket_getsockopt(s, 1, arg % 40, addr, &len);
		}
		break;
	case 12:
		put(r, i, NULL);
		break;
	case 13:
		if (epoll_new(&r->vfs, 0, &f) == 0)
			put(r, i, f);
		break;
	case 14:
		if (f && epoll_of_file(f) && r->slot[j])
			epoll_ctl_file(epoll_of_file(f), 1 + arg % 3, j, r->slot[j], &ev);
		else if (f && epoll_of_file(f)) {
			struct epoll_event_k out[4];
			int n = epoll_collect(epoll_of_file(f), out, 1 + arg % 4);

			CHECK(n >= 0 && n <= 1 + arg % 4);
		}
		break;
	case 15:
		fake_now += arg;
		if (timerfd_new(&r->vfs, clock, false, 0, &f) == 0) {
			timerfd_arm(timerfd_of_file(f), fake_now + arg, arg & 3);
			put(r, i, f);
		}
		break;
	}
	if (r->slot[i])
		vfs_poll(r->slot[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vfs_alloc alloc = { count_alloc, count_free, NULL };
	static const struct timerfd_clock clock = { read_now, NULL };
	struct run r = { .in = data, .len = size };
	struct ramfs *root;
	bool fired;

	outstanding = 0;
	vfs_init(&r.vfs, &alloc);
	/* A writable root, so that path names are made and found too. */
	CHECK(ramfs_new(&alloc, 1 << 20, &root) == 0);
	CHECK(vfs_mount(&r.vfs, "/", ramfs_root(root)) == 0);
	unix_socket_set_cwd("/");
	while (r.at < r.len)
		step(&r, &clock);
	timerfd_next_expiry(fake_now, &fired);
	for (int i = 0; i < SLOTS; i++)
		put(&r, i, NULL);
	vfs_destroy(&r.vfs);
	ramfs_destroy(root);
	CHECK(outstanding == 0);
	return 0;
}
