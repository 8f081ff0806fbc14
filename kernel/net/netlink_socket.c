/*
 * AF_NETLINK sockets of protocol NETLINK_ROUTE (carapace/ifinfo.h;
 * README.md, "Interfaces as Linux shows them"): what musl's getifaddrs
 * and if_nameindex use. A datagram sent to the kernel is answered at once
 * (netlink_route.c, from the snapshot of the interfaces); the answer waits
 * as one datagram for recv. Other netlink protocols are -EPROTONOSUPPORT.
 * Portable (the VFS's allocator, app_copy).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/ifinfo.h>
#include <carapace/socket.h>
#include <carapace/vfs.h>

#define AF_NETLINK_VALUE  16
#define NETLINK_ROUTE     0
#define SOCKADDR_NL_LEN   12    /* family, pad, nl_pid, nl_groups */
#define REQUEST_MAX       65536 /* one datagram to the kernel at most */
#define QUEUE_MAX         65536 /* answers waiting, in bytes */

struct nl_answer {
	struct nl_answer *next;
	size_t len;
	uint8_t data[];
};

struct nl_sock {
	struct socket s;        /* first */
	uint32_t portid;        /* 0 until bound (bind, or the first send) */
	struct nl_answer *head, *tail;
	size_t queued;
};

static uint32_t next_portid = 1; /* under the VFS lock, as every call here */

static struct nl_sock *nl_of(struct socket *s)
{
	return (struct nl_sock *)s;
}

static void autobind(struct nl_sock *n)
{
	if (!n->portid)
		n->portid = next_portid++;
}

/* A struct sockaddr_nl's port id and groups; -EINVAL if it is none. */
static int nl_addr(const uint8_t *addr, uint32_t len, uint32_t *pid, uint32_t *groups)
{
	uint16_t family;

	if (len < SOCKADDR_NL_LEN)
		return -EINVAL;
	memcpy(&family, addr, 2);
	memcpy(pid, addr + 4, 4);
	memcpy(groups, addr + 8, 4);
	return family == AF_NETLINK_VALUE ? 0 : -EINVAL;
}

/* A struct sockaddr_nl naming the kernel (nl_pid 0, no group), or an error. */
static int kernel_addr(const uint8_t *addr, uint32_t len)
{
	uint32_t pid, groups;
	int rc = nl_addr(addr, len, &pid, &groups);

	/* Another socket or a group: what Linux refuses an unprivileged sender. */
	return rc ? rc : pid || groups ? -EPERM : 0;
}

static int nl_bind(struct socket *s, const uint8_t *addr, uint32_t len)
{
	struct nl_sock *n = nl_of(s);
	uint32_t pid, groups;
	int rc;

	if ((rc = nl_addr(addr, len, &pid, &groups)))
		return rc;
	if (groups)
		return -EOPNOTSUPP; /* no notifications are sent: no group to join */
	if (n->portid && pid && pid != n->portid)
		return -EINVAL; /* as Linux: a bound socket keeps its port id */
	if (pid)
		n->portid = pid;
	autobind(n);
	return 0;
}

static int nl_connect(struct socket *s, const uint8_t *addr, uint32_t len)
{
	int rc;

	if (len >= 2 && addr[0] == 0 && addr[1] == 0)
		return 0; /* AF_UNSPEC: back to no default destination */
	if ((rc = kernel_addr(addr, len)))
		return rc;
	autobind(nl_of(s));
	return 0;
}

static int nl_getname(struct socket *s, uint8_t *addr, uint32_t *len, bool peer)
{
	uint16_t family = AF_NETLINK_VALUE;
	uint32_t pid = peer ? 0 : nl_of(s)->portid;

	memset(addr, 0, SOCKADDR_NL_LEN);
	memcpy(addr, &family, 2);
	memcpy(addr + 4, &pid, 4);
	*len = SOCKADDR_NL_LEN;
	return 0;
}

static void queue_answer(struct nl_sock *n, const uint8_t *data, size_t len)
{
	struct vfs *vfs = n->s.vfs;
	struct nl_answer *a;

	if (n->queued + len > QUEUE_MAX ||
	    !(a = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*a) + len))) {
		n->s.error = -ENOBUFS; /* Linux's overrun: the next recv says so */
		vfs_poll_event(vfs, &n->s.vn, VFS_POLLERR);
		return;
	}
	a->next = NULL;
	a->len = len;
	memcpy(a->data, data, len);
	if (n->tail)
		n->tail->next = a;
	else
		n->head = a;
	n->tail = a;
	n->queued += len;
	vfs_poll_event(vfs, &n->s.vn, VFS_POLLIN | VFS_POLLRDNORM);
}

static int64_t nl_send(struct socket *s, struct socket_io *io)
{
	struct nl_sock *n = nl_of(s);
	struct vfs *vfs = s->vfs;
	struct net_ifinfo ifs[NET_IFINFO_MAX];
	uint8_t *req = NULL, *answer = NULL;
	size_t total = 0, at = 0, outlen = 0;
	unsigned count;
	int64_t rc;

	if (io->addrlen && (rc = kernel_addr(io->addr, io->addrlen)))
		return rc;
	for (unsigned i = 0; i < io->iovcnt; i++)
		total += io->iov[i].len;
	if (total > REQUEST_MAX)
		return -EMSGSIZE;
	autobind(n);
	if (!(req = vfs->alloc.alloc(vfs->alloc.ctx, total ? total : 1)) ||
	    !(answer = vfs->alloc.alloc(vfs->alloc.ctx, NETLINK_ANSWER_MAX))) {
		rc = -ENOBUFS;
		goto out;
	}
	for (unsigned i = 0; i < io->iovcnt; i++) {
		if (app_copy(req + at, io->iov[i].base, io->iov[i].len)) {
			rc = -EFAULT;
			goto out;
		}
		at += io->iov[i].len;
	}
	count = net_ifinfo_list(ifs, NET_IFINFO_MAX);
	rc = netlink_route_answer(req, total, n->portid, ifs, count, answer, NETLINK_ANSWER_MAX,
				  &outlen);
	if (rc == 0 && outlen)
		queue_answer(n, answer, outlen);
	rc = rc ? rc : (int64_t)total;
out:
	if (answer)
		vfs->alloc.free(vfs->alloc.ctx, answer);
	if (req)
		vfs->alloc.free(vfs->alloc.ctx, req);
	return rc;
}

static int64_t nl_recv(struct socket *s, struct socket_io *io)
{
	struct nl_sock *n = nl_of(s);
	struct nl_answer *a = n->head;
	size_t done = 0, want;
	uint32_t len;

	if (io->flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	if (s->error) {
		int err = s->error;

		s->error = 0;
		return err;
	}
	if (!a)
		return -EAGAIN;
	for (unsigned i = 0; i < io->iovcnt && done < a->len; i++) {
		want = io->iov[i].len < a->len - done ? io->iov[i].len : a->len - done;
		if (app_copy(io->iov[i].base, a->data + done, want))
			return -EFAULT; /* the answer stays queued */
		done += want;
	}
	if (done < a->len)
		io->msg_flags |= SOCK_MSG_TRUNC;
	if (io->addr && io->addrlen >= SOCKADDR_NL_LEN) /* the source: the kernel */
		nl_getname(s, io->addr, &len, true), io->addrlen = len;
	else
		io->addrlen = 0;
	len = (uint32_t)a->len;
	if (!(io->flags & SOCK_MSG_PEEK)) {
		n->head = a->next;
		if (!n->head)
			n->tail = NULL;
		n->queued -= a->len;
		s->vfs->alloc.free(s->vfs->alloc.ctx, a);
	}
	return (io->flags & SOCK_MSG_TRUNC) ? (int64_t)len : (int64_t)done;
}

static unsigned nl_poll(struct socket *s)
{
	unsigned mask = VFS_POLLOUT | VFS_POLLWRNORM;

	if (nl_of(s)->head)
		mask |= VFS_POLLIN | VFS_POLLRDNORM;
	if (s->error)
		mask |= VFS_POLLERR;
	return mask;
}

static int64_t nl_nread(struct socket *s)
{
	struct nl_answer *a = nl_of(s)->head;

	return a ? (int64_t)a->len : 0;
}

static int nl_shutdown(struct socket *s, int how)
{
	(void)s;
	return how < SOCK_SHUT_RD || how > SOCK_SHUT_RDWR ? -EINVAL : 0;
}

static void nl_release(struct socket *s)
{
	struct nl_sock *n = nl_of(s);
	struct vfs *vfs = s->vfs;

	while (n->head) {
		struct nl_answer *a = n->head;

		n->head = a->next;
		vfs->alloc.free(vfs->alloc.ctx, a);
	}
	vfs->alloc.free(vfs->alloc.ctx, n);
}

static const struct socket_ops nl_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.send = nl_send,
	.recv = nl_recv,
	.shutdown = nl_shutdown,
	.getname = nl_getname,
	.poll = nl_poll,
	.nread = nl_nread,
	.release = nl_release,
};

static int nl_create(struct vfs *vfs, int family, int type, int protocol, int flags,
		     struct vfs_file **out)
{
	struct nl_sock *n;
	int rc;

	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	if (!(n = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*n))))
		return -ENOMEM;
	memset(n, 0, sizeof(*n));
	socket_init(&n->s, vfs, &nl_ops, family, type, protocol);
	if ((rc = vfs_file_new(vfs, &n->s.vn, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), out))) {
		vfs->alloc.free(vfs->alloc.ctx, n);
		return rc;
	}
	return 0;
}

void netlink_socket_register(void)
{
	socket_register_family(AF_NETLINK_VALUE, nl_create);
}
