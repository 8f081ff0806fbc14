/*
 * The part of a socket every family shares: its vnode (S_IFSOCK, a
 * stream: no offset), read and write as recv and send without flags, and
 * the SOL_SOCKET options that are only kept and handed back. The family's
 * socket_ops do the rest (unix_socket.c; inet sockets over lwIP later).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/socket.h>
#include <carapace/vfs.h>

#define NS_PER_SEC  1000000000ull
#define NS_PER_USEC 1000ull

#define FAMILIES 17 /* AF_INET is 2, AF_INET6 10, AF_NETLINK 16 */

static const struct vnode_ops socket_vnode_ops;
static socket_create_fn families[FAMILIES];

void socket_register_family(int family, socket_create_fn create)
{
	if (family >= 0 && family < FAMILIES)
		families[family] = create;
}

socket_create_fn socket_family(int family)
{
	return family >= 0 && family < FAMILIES ? families[family] : NULL;
}

static struct socket *socket_of(struct vnode *vn)
{
	return vn->fs;
}

struct socket *socket_of_file(struct vfs_file *f)
{
	return f->vn->ops == &socket_vnode_ops ? socket_of(f->vn) : NULL;
}

static int64_t socket_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct socket *s = socket_of(vn);
	struct socket_iov iov = { buf, n };
	struct socket_io io = { .iov = &iov, .iovcnt = 1 };

	(void)off;
	return s->ops->recv ? s->ops->recv(s, &io) : -EOPNOTSUPP;
}

static int64_t socket_write(struct vnode *vn, const void *buf, size_t n, uint64_t off)
{
	struct socket *s = socket_of(vn);
	struct socket_iov iov = { (void *)buf, n };
	struct socket_io io = { .iov = &iov, .iovcnt = 1 };

	(void)off;
	return s->ops->send ? s->ops->send(s, &io) : -EOPNOTSUPP;
}

static unsigned socket_poll(struct vnode *vn)
{
	struct socket *s = socket_of(vn);

	return s->ops->poll ? s->ops->poll(s) : 0;
}

static void socket_release(struct vnode *vn)
{
	struct socket *s = socket_of(vn);

	s->ops->release(s);
}

static const struct vnode_ops socket_vnode_ops = {
	.read = socket_read,
	.write = socket_write,
	.getattr = vfs_stream_getattr,
	.release = socket_release,
	.poll = socket_poll,
};

void socket_init(struct socket *s, struct vfs *vfs, const struct socket_ops *ops,
		 int family, int type, int protocol)
{
	static uint64_t next_ino = 1;

	s->vn.ops = &socket_vnode_ops;
	s->vn.mode = VFS_S_IFSOCK | 0777;
	s->vn.ino = next_ino++;
	s->vn.fs = s;
	s->ops = ops;
	s->vfs = vfs;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->rcvbuf = s->sndbuf = SOCK_BUF_DEFAULT;
	s->rcvlowat = 1;
}

/* Linux's struct linger and struct timeval. */
struct k_linger {
	int32_t onoff, linger;
};

struct k_timeval {
	int64_t sec, usec;
};

static int opt_int(const void *val, uint32_t len, int *out)
{
	if (len < sizeof(int32_t))
		return -EINVAL;
	memcpy(out, val, sizeof(int32_t));
	return 0;
}

/* SO_RCVTIMEO/SO_SNDTIMEO: a timeval; zero waits forever, as on Linux. */
static int opt_timeout(const void *val, uint32_t len, uint64_t *ns)
{
	struct k_timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	if (tv.sec < 0) {
		*ns = 1; /* Linux: a negative time does not wait at all */
		return 0;
	}
	if ((uint64_t)tv.sec > UINT64_MAX / 4 / NS_PER_SEC)
		*ns = 0; /* centuries: forever */
	else
		*ns = (uint64_t)tv.sec * NS_PER_SEC + (uint64_t)tv.usec * NS_PER_USEC;
	return 0;
}

/*
 * Linux doubles a buffer size that is set (the kernel's bookkeeping is
 * counted in it) and keeps it between 2304 (rcv) or 4608 (snd: Linux's
 * SOCK_MIN_SNDBUF is twice SOCK_MIN_RCVBUF) and
 * rmem_max/wmem_max (212992): getsockopt then reads the doubled value.
 */
static int buf_size(int v, int min)
{
	int64_t d = (int64_t)(v < 0 ? 0 : v) * 2;

	if (d > SOCK_BUF_DEFAULT)
		d = SOCK_BUF_DEFAULT;
	return d < min ? min : (int)d;
}

void socket_inherit_options(struct socket *to, const struct socket *from)
{
	to->reuseaddr = from->reuseaddr;
	to->reuseport = from->reuseport;
	to->keepalive = from->keepalive;
	to->broadcast = from->broadcast;
	to->dontroute = from->dontroute;
	to->oobinline = from->oobinline;
	to->rcvlowat = from->rcvlowat;
	to->linger_on = from->linger_on;
	to->linger_sec = from->linger_sec;
	to->rcvbuf = from->rcvbuf;
	to->sndbuf = from->sndbuf;
	to->rcvtimeo_ns = from->rcvtimeo_ns;
	to->sndtimeo_ns = from->sndtimeo_ns;
}

int socket_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len)
{
	struct k_linger lg;
	bool handled = false;
	int v = 0, rc;

	if (s->ops->setopt && ((rc = s->ops->setopt(s, level, name, val, len, &handled)) || handled))
		return rc;
	if (level != SOCK_SOL_SOCKET)
		return s->family == SOCK_AF_UNIX ? -EOPNOTSUPP : -ENOPROTOOPT;
	switch (name) {
	case SOCK_SO_RCVTIMEO:
		return opt_timeout(val, len, &s->rcvtimeo_ns);
	case SOCK_SO_SNDTIMEO:
		return opt_timeout(val, len, &s->sndtimeo_ns);
	case SOCK_SO_LINGER:
		if (len < sizeof(lg))
			return -EINVAL;
		memcpy(&lg, val, sizeof(lg));
		/*
		 * As Linux: l_onoff off leaves the time as it was (getsockopt
		 * reads it back); a negative time lingers as long as can be
		 * (Linux's reads back a number that depends on its HZ).
		 */
		s->linger_on = lg.onoff != 0;
		if (lg.onoff)
			s->linger_sec = lg.linger < 0 ? INT32_MAX : lg.linger;
		return 0;
	}
	if ((rc = opt_int(val, len, &v)))
		return rc;
	switch (name) {
	case SOCK_SO_REUSEADDR:
		s->reuseaddr = v != 0;
		return 0;
	case SOCK_SO_REUSEPORT:
		s->reuseport = v != 0;
		return 0;
	case SOCK_SO_KEEPALIVE:
		s->keepalive = v != 0;
		return 0;
	case SOCK_SO_BROADCAST:
		s->broadcast = v != 0;
		return 0;
	case SOCK_SO_DONTROUTE:
		s->dontroute = v != 0;
		return 0;
	case SOCK_SO_OOBINLINE:
		s->oobinline = v != 0;
		return 0;
	case SOCK_SO_RCVLOWAT: /* Linux: 0 is 1, a negative value INT_MAX */
		s->rcvlowat = v < 0 ? INT32_MAX : v == 0 ? 1 : v;
		return 0;
	case SOCK_SO_RCVBUF:
		s->rcvbuf = buf_size(v, 2304);
		return 0;
	case SOCK_SO_SNDBUF:
		s->sndbuf = buf_size(v, 2304 * 2);
		return 0;
	case SOCK_SO_TYPE:
	case SOCK_SO_ERROR:
	case SOCK_SO_ACCEPTCONN:
	case SOCK_SO_DOMAIN:
	case SOCK_SO_PROTOCOL:
		return -ENOPROTOOPT; /* read-only, as on Linux */
	}
	return -ENOPROTOOPT;
}

/* *len in: the room at val (the caller gives at least SOCK_ADDR_MAX);
 * out: the bytes of the answer (an int's 4 when the room allows). */
int socket_getsockopt(struct socket *s, int level, int name, void *val, uint32_t *len)
{
	bool handled = false;
	int32_t v;
	int rc;

	if (s->ops->getopt && ((rc = s->ops->getopt(s, level, name, val, len, &handled)) || handled))
		return rc;
	/* AF_UNIX has no options of its own: Linux's sock_no_getsockopt. */
	if (level != SOCK_SOL_SOCKET)
		return s->family == SOCK_AF_UNIX ? -EOPNOTSUPP : -ENOPROTOOPT;
	switch (name) {
	case SOCK_SO_LINGER: {
		struct k_linger lg = { s->linger_on, s->linger_sec };

		*len = *len < sizeof(lg) ? *len : sizeof(lg);
		memcpy(val, &lg, *len);
		return 0;
	}
	case SOCK_SO_RCVTIMEO:
	case SOCK_SO_SNDTIMEO: {
		uint64_t ns = name == SOCK_SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns;
		struct k_timeval tv = { (int64_t)(ns / NS_PER_SEC),
					(int64_t)(ns % NS_PER_SEC / NS_PER_USEC) };

		*len = *len < sizeof(tv) ? *len : sizeof(tv);
		memcpy(val, &tv, *len);
		return 0;
	}
	case SOCK_SO_REUSEADDR: v = s->reuseaddr; break;
	case SOCK_SO_REUSEPORT: v = s->reuseport; break;
	case SOCK_SO_KEEPALIVE: v = s->keepalive; break;
	case SOCK_SO_BROADCAST: v = s->broadcast; break;
	case SOCK_SO_DONTROUTE: v = s->dontroute; break;
	case SOCK_SO_OOBINLINE: v = s->oobinline; break;
	case SOCK_SO_RCVLOWAT: v = s->rcvlowat; break;
	case SOCK_SO_SNDLOWAT: v = 1; break; /* Linux: fixed, not settable */
	case SOCK_SO_RCVBUF: v = s->rcvbuf; break;
	case SOCK_SO_SNDBUF: v = s->sndbuf; break;
	case SOCK_SO_TYPE: v = s->type; break;
	case SOCK_SO_DOMAIN: v = s->family; break;
	case SOCK_SO_PROTOCOL: v = s->protocol; break;
	case SOCK_SO_ACCEPTCONN: v = s->listening; break;
	case SOCK_SO_ERROR:
		v = -s->error;
		s->error = 0;
		break;
	default:
		return -ENOPROTOOPT;
	}
	*len = *len < sizeof(v) ? *len : sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}
