/*
 * AF_UNIX sockets, SOCK_STREAM and SOCK_DGRAM, with Linux's semantics:
 * socketpair, bind to a path or an abstract name, listen/accept/connect,
 * half-close (shutdown), MSG_PEEK and MSG_TRUNC, SO_ERROR's ECONNRESET.
 *
 * Names. A path name is a file in the VFS namespace, as on Linux: bind
 * creates it (an empty regular file; an existing name is EADDRINUSE), it
 * stays after the socket closes (unlink removes it), and connect finds the
 * socket by the file's vnode, so an unlinked or replaced name no longer
 * reaches it. The bound socket holds the file open, which keeps its vnode
 * (and so the match) alive. Abstract names (sun_path[0] == 0) live only in
 * the table of bound sockets; a bind of the family alone picks one
 * ("\0" and five hex digits, Linux's autobind).
 *
 * Data. A stream socket receives into a ring of at most UNIX_RING bytes,
 * which the peer writes into: allocated at the first write with
 * UNIX_RING_FIRST bytes, and doubled while what waits in it needs more (a
 * thousand connections that carry a line each cost 4 KiB apiece, not 128:
 * a 500-client echo server ran out of 64 MiB with the whole ring at once). A datagram socket keeps
 * a queue of messages with their sender's name, at most its SO_RCVBUF
 * bytes. A connect to a listener makes the server's socket at once and
 * queues it (backlog: Linux lets backlog + 1 wait); accept gives it a file.
 *
 * Nothing blocks: -EAGAIN, and every change is a vfs_poll_event on the
 * vnode it concerns. All of it runs under the VFS lock.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/socket.h>
#include <carapace/vfs.h>

#define UNIX_RING      (128 * 1024) /* bytes a stream socket can hold unread */
#define UNIX_RING_FIRST 4096        /* its ring's first size; doubled up to UNIX_RING */
#define UNIX_SOMAXCONN 4096
#define UNIX_DGRAM_OVERHEAD 32      /* Linux: a datagram may be sndbuf - 32 */
#define SUN_PATH_OFF   2            /* offsetof(struct sockaddr_un, sun_path) */

/* Linux's sk_shutdown bits. */
#define SHUT_RCV 1
#define SHUT_SND 2
#define SHUT_BOTH (SHUT_RCV | SHUT_SND)

enum unix_state { UNIX_UNCONNECTED, UNIX_LISTENING, UNIX_CONNECTED };

struct unix_dgram {
	struct unix_dgram *next;
	size_t len;
	uint32_t fromlen;
	uint8_t from[SOCK_UNIX_ADDR_MAX];
	uint8_t data[];
};

struct unix_sock {
	struct socket s;
	enum unix_state state;
	int shut;                 /* SHUT_RCV, SHUT_SND */
	struct unix_sock *peer;   /* stream: the other end; dgram: the default destination */
	bool peer_died;           /* dgram: the default destination closed */
	/* The bound name (len 0: none); path names hold their file. */
	uint8_t name[SOCK_UNIX_ADDR_MAX];
	uint32_t namelen;
	struct vfs_file *node;
	bool in_table;            /* name is in the bound table */
	/* Stream: what the peer wrote, not yet read. */
	uint8_t *ring;
	size_t cap, head, count;  /* ring holds cap bytes (0: none yet) */
	/* Datagram: the queue. */
	struct unix_dgram *dq_head, *dq_tail;
	size_t dq_bytes;
	/* Listener: connections not yet accepted; an embryo's listener. */
	struct unix_sock *queue_head, *queue_tail, *queue_next;
	int backlog, queued;
	/* Every unix socket, for dangling dgram destinations and name lookups. */
	struct unix_sock *all_prev, *all_next;
};

static const struct socket_ops unix_stream_ops, unix_dgram_ops;
static struct unix_sock *all_socks;
static const char *unix_cwd = "/";
static unsigned autobind_next;

void unix_socket_set_cwd(const char *cwd)
{
	unix_cwd = cwd;
}

static struct unix_sock *unix_of(struct socket *s)
{
	return (struct unix_sock *)s;
}

static void *vfs_zalloc(struct vfs *vfs, size_t n)
{
	void *p = vfs->alloc.alloc(vfs->alloc.ctx, n);

	if (p)
		memset(p, 0, n);
	return p;
}

static void vfs_release_mem(struct vfs *vfs, void *p)
{
	if (p)
		vfs->alloc.free(vfs->alloc.ctx, p);
}

/*
 * Grows p's ring, if it can, so that want more bytes fit: doubled up to
 * UNIX_RING, what waits moved to the start. -ENOMEM only when there is no
 * ring at all; a ring that cannot grow is used as it is.
 */
static int ring_make_room(struct vfs *vfs, struct unix_sock *p, size_t want)
{
	size_t cap = p->cap ? p->cap : UNIX_RING_FIRST, first;
	uint8_t *ring;

	while (cap < UNIX_RING && cap - p->count < want)
		cap *= 2;
	if (cap == p->cap)
		return 0;
	if (!(ring = vfs->alloc.alloc(vfs->alloc.ctx, cap)))
		return p->ring ? 0 : -ENOMEM;
	first = p->count < p->cap - p->head ? p->count : p->cap - p->head;
	if (p->ring) {
		memcpy(ring, p->ring + p->head, first);
		memcpy(ring + first, p->ring, p->count - first);
		vfs->alloc.free(vfs->alloc.ctx, p->ring);
	}
	p->ring = ring;
	p->cap = cap;
	p->head = 0;
	return 0;
}

static void event(struct unix_sock *u, unsigned bits)
{
	vfs_poll_event(u->s.vfs, &u->s.vn, bits);
}

static struct unix_sock *unix_alloc(struct vfs *vfs, int type)
{
	struct unix_sock *u = vfs_zalloc(vfs, sizeof(*u));

	if (!u)
		return NULL;
	socket_init(&u->s, vfs, type == SOCK_STREAM ? &unix_stream_ops : &unix_dgram_ops,
		    SOCK_AF_UNIX, type, 0);
	u->all_next = all_socks;
	if (all_socks)
		all_socks->all_prev = u;
	all_socks = u;
	return u;
}

/* ---- addresses ---- */

/* The address's family, or -1 when it is shorter than one. */
static int addr_family(const uint8_t *addr, uint32_t len)
{
	uint16_t family;

	if (len < sizeof(family))
		return -1;
	memcpy(&family, addr, sizeof(family));
	return family;
}

/*
 * A sockaddr_un from the application (len bytes, already in the kernel)
 * in its canonical form: a path ends at its first NUL (length: family,
 * path, NUL), an abstract name keeps every byte. -EINVAL when malformed.
 */
static int name_parse(const uint8_t *addr, uint32_t len, uint8_t out[SOCK_UNIX_ADDR_MAX + 1],
		      uint32_t *outlen)
{
	if (len <= SUN_PATH_OFF || len > SOCK_UNIX_ADDR_MAX || addr_family(addr, len) != SOCK_AF_UNIX)
		return -EINVAL;
	memset(out, 0, SOCK_UNIX_ADDR_MAX + 1);
	memcpy(out, addr, len);
	if (addr[SUN_PATH_OFF] == 0) {
		*outlen = len;
		return 0;
	}
	*outlen = SUN_PATH_OFF + (uint32_t)strlen((char *)out + SUN_PATH_OFF) + 1;
	return 0;
}

static bool is_abstract(const uint8_t *name)
{
	return name[SUN_PATH_OFF] == 0;
}

/* The bound socket a name reaches, or -ENOENT / -ECONNREFUSED. */
static int name_lookup(struct vfs *vfs, const uint8_t *name, uint32_t len, struct unix_sock **out)
{
	struct vfs_file *f = NULL;
	int rc;

	if (!is_abstract(name)) {
		if ((rc = vfs_open(vfs, unix_cwd, (const char *)name + SUN_PATH_OFF, VFS_O_RDONLY, 0, &f)))
			return rc;
	}
	for (struct unix_sock *u = all_socks; u; u = u->all_next) {
		if (!u->in_table)
			continue;
		if (f ? (u->node && u->node->vn == f->vn)
		      : (u->namelen == len && !memcmp(u->name, name, len))) {
			*out = u;
			break;
		}
	}
	if (f)
		vfs_file_put(f);
	return *out ? 0 : -ECONNREFUSED;
}

/*
 * A path name's file is made first, as Linux's mknod comes first: a name
 * in use is EADDRINUSE even for a socket that is bound already (which is
 * EINVAL, the file made for it removed again).
 */
static int bind_name(struct unix_sock *u, const uint8_t *name, uint32_t len)
{
	const char *path = (const char *)name + SUN_PATH_OFF;
	struct unix_sock *other = NULL;
	struct vfs_file *node = NULL;
	int rc;

	if (is_abstract(name)) {
		if (u->namelen)
			return -EINVAL;
		if (name_lookup(u->s.vfs, name, len, &other) == 0)
			return -EADDRINUSE;
	} else {
		rc = vfs_open(u->s.vfs, unix_cwd, path, VFS_O_RDONLY | VFS_O_CREAT | VFS_O_EXCL,
			      0777, &node);
		if (rc)
			return rc == -EEXIST ? -EADDRINUSE : rc;
		if (u->namelen) {
			vfs_file_put(node);
			vfs_unlink(u->s.vfs, unix_cwd, path);
			return -EINVAL;
		}
	}
	memcpy(u->name, name, len);
	u->namelen = len;
	u->node = node;
	u->in_table = true;
	return 0;
}

/* Linux's autobind: an abstract name of five hex digits not in use. */
static int autobind(struct unix_sock *u)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned tries = 0; tries < 0x100000; tries++) {
		uint8_t name[SUN_PATH_OFF + 6] = { SOCK_AF_UNIX, 0, 0 };
		unsigned n = autobind_next++ & 0xfffff;

		for (int i = 0; i < 5; i++)
			name[SUN_PATH_OFF + 1 + i] = (uint8_t)hex[(n >> (4 * (4 - i))) & 0xf];
		if (bind_name(u, name, sizeof(name)) == 0)
			return 0;
	}
	return -EADDRINUSE;
}

static int unix_bind(struct socket *s, const uint8_t *addr, uint32_t len)
{
	struct unix_sock *u = unix_of(s);
	uint8_t name[SOCK_UNIX_ADDR_MAX + 1];
	uint32_t nlen;
	int rc;

	if (addr_family(addr, len) != SOCK_AF_UNIX)
		return -EINVAL;
	if (len == SUN_PATH_OFF)
		return u->namelen ? -EINVAL : autobind(u);
	if ((rc = name_parse(addr, len, name, &nlen)))
		return rc;
	return bind_name(u, name, nlen);
}

static int unix_getname(struct socket *s, uint8_t *addr, uint32_t *len, bool peer)
{
	struct unix_sock *u = unix_of(s);
	uint16_t family = SOCK_AF_UNIX;

	if (peer) {
		if (!u->peer || (s->type == SOCK_STREAM && u->state != UNIX_CONNECTED))
			return -ENOTCONN;
		u = u->peer;
	}
	if (u->namelen) {
		memcpy(addr, u->name, u->namelen);
		*len = u->namelen;
	} else {
		memcpy(addr, &family, sizeof(family));
		*len = sizeof(family);
	}
	return 0;
}

/* ---- moving bytes between application buffers and the kernel ---- */

static size_t iov_total(const struct socket_io *io)
{
	size_t total = 0;

	for (unsigned i = 0; i < io->iovcnt; i++)
		total += io->iov[i].len;
	return total;
}

/*
 * Moves n bytes between the iovecs and a ring of cap bytes starting at
 * at: into the application (to_app) or out of it. Returns the bytes moved
 * (short only when app_copy failed on a vanished page).
 */
static size_t copy_iov(const struct socket_io *io, uint8_t *ring, size_t cap, size_t at,
		       size_t n, bool to_app)
{
	size_t done = 0;

	for (unsigned i = 0; i < io->iovcnt && done < n; i++) {
		size_t want = io->iov[i].len < n - done ? io->iov[i].len : n - done;

		for (size_t got = 0; got < want;) {
			size_t pos = (at + done) % cap;
			size_t chunk = cap - pos < want - got ? cap - pos : want - got;
			uint8_t *app = (uint8_t *)io->iov[i].base + got;

			if (to_app ? app_copy(app, ring + pos, chunk) : app_copy(ring + pos, app, chunk))
				return done;
			got += chunk;
			done += chunk;
		}
	}
	return done;
}

/* ---- stream sockets ---- */

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = unix_of(s);

	if (u->state == UNIX_CONNECTED || !u->namelen)
		return -EINVAL;
	if ((unsigned)backlog > UNIX_SOMAXCONN)
		backlog = UNIX_SOMAXCONN;
	u->backlog = backlog;
	u->state = UNIX_LISTENING;
	s->listening = true;
	event(u, VFS_POLLIN);
	return 0;
}

static int stream_connect(struct socket *s, const uint8_t *addr, uint32_t len)
{
	struct unix_sock *u = unix_of(s), *l = NULL, *server;
	uint8_t name[SOCK_UNIX_ADDR_MAX + 1];
	uint32_t nlen;
	int rc;

	if ((rc = name_parse(addr, len, name, &nlen)))
		return rc;
	if (u->state == UNIX_CONNECTED)
		return -EISCONN;
	if (u->state == UNIX_LISTENING)
		return -EINVAL;
	if ((rc = name_lookup(s->vfs, name, nlen, &l)))
		return rc;
	if (l->s.type != s->type)
		return -EPROTOTYPE;
	if (l->state != UNIX_LISTENING)
		return -ECONNREFUSED;
	if (l->queued > l->backlog)
		return -EAGAIN;
	if (!(server = unix_alloc(s->vfs, SOCK_STREAM)))
		return -ENOMEM;
	/* The server's end answers getsockname with the listener's name. */
	memcpy(server->name, l->name, l->namelen);
	server->namelen = l->namelen;
	server->state = u->state = UNIX_CONNECTED;
	server->peer = u;
	u->peer = server;
	if (l->queue_tail)
		l->queue_tail->queue_next = server;
	else
		l->queue_head = server;
	l->queue_tail = server;
	l->queued++;
	event(l, VFS_POLLIN);
	event(u, VFS_POLLOUT);
	return 0;
}

static int unix_accept(struct socket *s, int flags, struct vfs_file **out)
{
	struct unix_sock *l = unix_of(s), *server;
	int rc;

	if (l->state != UNIX_LISTENING)
		return -EINVAL;
	if (!(server = l->queue_head))
		return -EAGAIN;
	if ((rc = vfs_file_new(s->vfs, &server->s.vn, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), out)))
		return rc;
	l->queue_head = server->queue_next;
	if (!l->queue_head)
		l->queue_tail = NULL;
	server->queue_next = NULL;
	l->queued--;
	event(l, VFS_POLLOUT); /* room in the backlog: a waiting connect goes on */
	return 0;
}

static int64_t stream_send(struct socket *s, struct socket_io *io)
{
	struct unix_sock *u = unix_of(s), *p = u->peer;
	size_t total = iov_total(io), room, n, done;

	if (io->flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	if (io->addrlen)
		return u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (u->shut & SHUT_SND)
		return -EPIPE;
	if (u->state != UNIX_CONNECTED)
		return -ENOTCONN;
	if (!p || (p->shut & SHUT_RCV))
		return -EPIPE;
	if (total == 0)
		return 0;
	if (ring_make_room(s->vfs, p, total))
		return -ENOMEM;
	room = p->cap - p->count;
	if (room == 0)
		return -EAGAIN;
	n = total < room ? total : room;
	done = copy_iov(io, p->ring, p->cap, (p->head + p->count) % p->cap, n, false);
	if (done == 0)
		return -EFAULT;
	p->count += done;
	event(p, VFS_POLLIN);
	return (int64_t)done;
}

static int64_t stream_recv(struct socket *s, struct socket_io *io)
{
	struct unix_sock *u = unix_of(s);
	size_t total = iov_total(io), n, done;
	int err;

	io->addrlen = 0;
	if (io->flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	if (u->state != UNIX_CONNECTED)
		return -EINVAL;
	if (u->count == 0) {
		if ((err = s->error)) {
			s->error = 0;
			return err;
		}
		return (u->shut & SHUT_RCV) ? 0 : -EAGAIN;
	}
	if (total == 0)
		return 0;
	n = total < u->count ? total : u->count;
	done = copy_iov(io, u->ring, u->cap, u->head, n, true);
	if (done == 0)
		return -EFAULT;
	if (!(io->flags & SOCK_MSG_PEEK)) {
		u->head = (u->head + done) % u->cap;
		u->count -= done;
		if (u->peer)
			event(u->peer, VFS_POLLOUT);
	}
	return (int64_t)done;
}

static unsigned stream_poll(struct socket *s)
{
	struct unix_sock *u = unix_of(s);
	unsigned mask = 0;

	if (s->error)
		mask |= VFS_POLLERR;
	if (u->shut & SHUT_RCV)
		mask |= VFS_POLLRDHUP | VFS_POLLIN | VFS_POLLRDNORM;
	if (u->shut == SHUT_BOTH || u->state == UNIX_UNCONNECTED)
		mask |= VFS_POLLHUP;
	if (u->count > 0 || (u->state == UNIX_LISTENING && u->queue_head))
		mask |= VFS_POLLIN | VFS_POLLRDNORM;
	if (!u->peer || !u->peer->ring || u->peer->count < UNIX_RING)
		mask |= VFS_POLLOUT | VFS_POLLWRNORM;
	return mask;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = unix_of(s), *p = u->peer;
	int mode;

	if (how < SOCK_SHUT_RD || how > SOCK_SHUT_RDWR)
		return -EINVAL;
	mode = how + 1; /* SHUT_RD -> SHUT_RCV, SHUT_WR -> SHUT_SND, both */
	u->shut |= mode;
	event(u, VFS_POLLIN | VFS_POLLOUT);
	if (p && s->type == SOCK_STREAM) {
		p->shut |= ((mode & SHUT_RCV) ? SHUT_SND : 0) | ((mode & SHUT_SND) ? SHUT_RCV : 0);
		event(p, VFS_POLLIN | VFS_POLLOUT);
	}
	return 0;
}

/* ---- datagram sockets ---- */

static int dgram_connect(struct socket *s, const uint8_t *addr, uint32_t len)
{
	struct unix_sock *u = unix_of(s), *target = NULL;
	uint8_t name[SOCK_UNIX_ADDR_MAX + 1];
	uint32_t nlen;
	int rc;

	if (addr_family(addr, len) == SOCK_AF_UNSPEC) {
		u->peer = NULL; /* Linux: AF_UNSPEC dissolves the association */
		u->peer_died = false;
		return 0;
	}
	if ((rc = name_parse(addr, len, name, &nlen)))
		return rc;
	if ((rc = name_lookup(s->vfs, name, nlen, &target)))
		return rc;
	if (target->s.type != s->type)
		return -EPROTOTYPE;
	u->peer = target;
	u->peer_died = false;
	return 0;
}

static bool dgram_queue_full(const struct unix_sock *t, size_t len)
{
	return t->dq_head && t->dq_bytes + len > (size_t)t->s.rcvbuf;
}

static int64_t dgram_send(struct socket *s, struct socket_io *io)
{
	struct unix_sock *u = unix_of(s), *t = NULL;
	size_t total = iov_total(io);
	struct unix_dgram *d;
	int rc;

	if (io->flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	if (total > (size_t)s->sndbuf - UNIX_DGRAM_OVERHEAD)
		return -EMSGSIZE;
	if (io->addrlen) {
		uint8_t name[SOCK_UNIX_ADDR_MAX + 1];
		uint32_t nlen;

		if ((rc = name_parse(io->addr, io->addrlen, name, &nlen)) ||
		    (rc = name_lookup(s->vfs, name, nlen, &t)))
			return rc;
		if (t->s.type != s->type)
			return -EPROTOTYPE;
	} else if (u->peer_died) {
		u->peer_died = false;
		return -ECONNREFUSED;
	} else if (!(t = u->peer)) {
		return -ENOTCONN;
	}
	if (u->shut & SHUT_SND)
		return -EPIPE;
	if (t->shut & SHUT_RCV)
		return -EPIPE;
	if (dgram_queue_full(t, total))
		return -EAGAIN;
	if (!(d = s->vfs->alloc.alloc(s->vfs->alloc.ctx, sizeof(*d) + total)))
		return -ENOBUFS;
	memset(d, 0, sizeof(*d));
	d->len = total;
	if (copy_iov(io, d->data, total ? total : 1, 0, total, false) != total) {
		s->vfs->alloc.free(s->vfs->alloc.ctx, d);
		return -EFAULT; /* a datagram goes whole or not at all */
	}
	memcpy(d->from, u->name, u->namelen);
	d->fromlen = u->namelen;
	if (t->dq_tail)
		t->dq_tail->next = d;
	else
		t->dq_head = d;
	t->dq_tail = d;
	t->dq_bytes += total;
	event(t, VFS_POLLIN);
	return (int64_t)total;
}

static int64_t dgram_recv(struct socket *s, struct socket_io *io)
{
	struct unix_sock *u = unix_of(s);
	struct unix_dgram *d = u->dq_head;
	size_t total = iov_total(io), n;
	int err;

	io->addrlen = 0;
	if (io->flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	if (!d) {
		if ((err = s->error)) {
			s->error = 0;
			return err;
		}
		return (u->shut & SHUT_RCV) ? 0 : -EAGAIN;
	}
	n = d->len < total ? d->len : total;
	if (copy_iov(io, d->data, n ? n : 1, 0, n, true) != n)
		return -EFAULT; /* the datagram stays queued */
	if (n < d->len)
		io->msg_flags |= SOCK_MSG_TRUNC;
	memcpy(io->addr, d->from, d->fromlen);
	io->addrlen = d->fromlen;
	if (!(io->flags & SOCK_MSG_PEEK)) {
		u->dq_head = d->next;
		if (!u->dq_head)
			u->dq_tail = NULL;
		u->dq_bytes -= d->len;
		event(u, VFS_POLLOUT);
		for (struct unix_sock *w = all_socks; w; w = w->all_next)
			if (w->peer == u)
				event(w, VFS_POLLOUT); /* room for its writers */
	}
	n = (io->flags & SOCK_MSG_TRUNC) ? d->len : n;
	if (!(io->flags & SOCK_MSG_PEEK))
		s->vfs->alloc.free(s->vfs->alloc.ctx, d);
	return (int64_t)n;
}

static unsigned dgram_poll(struct socket *s)
{
	struct unix_sock *u = unix_of(s), *p = u->peer;
	unsigned mask = 0;

	if (s->error)
		mask |= VFS_POLLERR;
	if (u->shut & SHUT_RCV)
		mask |= VFS_POLLRDHUP | VFS_POLLIN | VFS_POLLRDNORM;
	if (u->shut == SHUT_BOTH)
		mask |= VFS_POLLHUP;
	if (u->dq_head)
		mask |= VFS_POLLIN | VFS_POLLRDNORM;
	if (!p || !dgram_queue_full(p, 1))
		mask |= VFS_POLLOUT | VFS_POLLWRNORM;
	return mask;
}

static int64_t unix_nread(struct socket *s)
{
	struct unix_sock *u = unix_of(s);

	if (u->state == UNIX_LISTENING)
		return -EINVAL;
	if (s->type == SOCK_STREAM)
		return (int64_t)u->count;
	return u->dq_head ? (int64_t)u->dq_head->len : 0;
}

/* ---- closing ---- */

/* The other end of a stream hears the close; with unread data (or for a
 * connection nobody accepted) as a reset, as on Linux. */
static void hang_up_peer(struct unix_sock *u, bool reset)
{
	struct unix_sock *p = u->peer;

	if (!p)
		return;
	p->peer = NULL;
	p->shut = SHUT_BOTH;
	if (reset)
		p->s.error = -ECONNRESET;
	event(p, VFS_POLLIN | VFS_POLLOUT | VFS_POLLHUP);
}

static void unix_free(struct unix_sock *u)
{
	struct vfs *vfs = u->s.vfs;

	while (u->dq_head) {
		struct unix_dgram *d = u->dq_head;

		u->dq_head = d->next;
		vfs_release_mem(vfs, d);
	}
	if (u->node)
		vfs_file_put(u->node);
	if (u->all_prev)
		u->all_prev->all_next = u->all_next;
	else
		all_socks = u->all_next;
	if (u->all_next)
		u->all_next->all_prev = u->all_prev;
	vfs_release_mem(vfs, u->ring);
	vfs_release_mem(vfs, u);
}

static void unix_release(struct socket *s)
{
	struct unix_sock *u = unix_of(s);
	struct vfs *vfs = s->vfs;

	u->in_table = false;
	/* Connections nobody accepted are reset. */
	while (u->queue_head) {
		struct unix_sock *server = u->queue_head;

		u->queue_head = server->queue_next;
		hang_up_peer(server, true);
		unix_free(server);
	}
	if (s->type == SOCK_STREAM) {
		hang_up_peer(u, u->count > 0);
	} else {
		for (struct unix_sock *w = all_socks; w; w = w->all_next) {
			if (w->peer == u) {
				w->peer = NULL;
				w->peer_died = true;
				event(w, VFS_POLLOUT);
			}
		}
	}
	unix_free(u);
	vfs_notify_changed(vfs);
}

static const struct socket_ops unix_stream_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.accept = unix_accept,
	.connect = stream_connect,
	.send = stream_send,
	.recv = stream_recv,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.poll = stream_poll,
	.nread = unix_nread,
	.release = unix_release,
};

static const struct socket_ops unix_dgram_ops = {
	.bind = unix_bind,
	.connect = dgram_connect,
	.send = dgram_send,
	.recv = dgram_recv,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.poll = dgram_poll,
	.nread = unix_nread,
	.release = unix_release,
};

/* SOCK_SEQPACKET is not offered (-ESOCKTNOSUPPORT). */
static int type_supported(int type)
{
	return type == SOCK_STREAM || type == SOCK_DGRAM ? 0 : -ESOCKTNOSUPPORT;
}

int unix_socket_new(struct vfs *vfs, int type, int flags, struct vfs_file **out)
{
	struct unix_sock *u;
	int rc;

	if ((rc = type_supported(type)))
		return rc;
	if (!(u = unix_alloc(vfs, type)))
		return -ENOMEM;
	if ((rc = vfs_file_new(vfs, &u->s.vn, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), out)))
		unix_free(u);
	return rc;
}

int unix_socketpair(struct vfs *vfs, int type, int flags, struct vfs_file *out[2])
{
	struct unix_sock *a, *b;
	int rc;

	if ((rc = unix_socket_new(vfs, type, flags, &out[0])))
		return rc;
	if ((rc = unix_socket_new(vfs, type, flags, &out[1]))) {
		vfs_file_put(out[0]);
		return rc;
	}
	a = unix_of(socket_of_file(out[0]));
	b = unix_of(socket_of_file(out[1]));
	a->peer = b;
	b->peer = a;
	a->state = b->state = UNIX_CONNECTED;
	return 0;
}
