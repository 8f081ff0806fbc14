/*
 * The socket system calls: socket, socketpair, bind, listen, accept(4),
 * connect, getsockname, getpeername, send/sendto/sendmsg/sendmmsg,
 * recv/recvfrom/recvmsg/recvmmsg, shutdown, setsockopt, getsockopt; and
 * read/write/readv/writev on a socket (sys_files.c sends them here).
 *
 * Every pointer the table could not check (addresses with a length the
 * call gives, msghdrs, iovecs, option values) is checked here with
 * syscall_check_range and copied with app_copy before the socket acts: a
 * length outside 0..128 is -EINVAL, a bad address -EFAULT, as Linux's
 * move_addr_to_kernel. Results (addresses, lengths, msghdr fields) are
 * copied out the same way, after the socket acted.
 *
 * Waiting is the one of pipes (sys_poll.c): an operation that answers
 * -EAGAIN is retried after the next change, unless the file is O_NONBLOCK,
 * the call says MSG_DONTWAIT, or SO_RCVTIMEO/SO_SNDTIMEO passed (-EAGAIN).
 * A blocking send on a stream goes on until every byte is in; a receive
 * with MSG_WAITALL until the buffer is full (or end of file, or an error).
 * A send that fails with EPIPE raises SIGPIPE unless MSG_NOSIGNAL
 * (sys_signal.c decides what that does).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/clock.h>
#include <carapace/fs.h>
#include <carapace/ifinfo.h>
#include <carapace/memory.h>
#include <carapace/socket.h>
#include <carapace/vfs.h>

#include "sys_kernel.h"

#define NR_SOCKET      41
#define NR_CONNECT     42
#define NR_ACCEPT      43
#define NR_SENDTO      44
#define NR_RECVFROM    45
#define NR_SENDMSG     46
#define NR_RECVMSG     47
#define NR_SHUTDOWN    48
#define NR_BIND        49
#define NR_LISTEN      50
#define NR_GETSOCKNAME 51
#define NR_GETPEERNAME 52
#define NR_SOCKETPAIR  53
#define NR_SETSOCKOPT  54
#define NR_GETSOCKOPT  55
#define NR_ACCEPT4     288
#define NR_RECVMMSG    299
#define NR_SENDMMSG    307

#define OPT_MAX          64 /* bytes of an option value kept */
#define NS_PER_SEC       1000000000ull
/* How often a lingering close looks at its connection: lwIP announces no
 * event when the peer acknowledges a FIN. */
#define LINGER_STEP_NS   5000000ull
#define SEND_FLAGS (SOCK_MSG_OOB | SOCK_MSG_DONTWAIT | SOCK_MSG_EOR | SOCK_MSG_NOSIGNAL | \
		    SOCK_MSG_DONTROUTE | 0x800 /* CONFIRM */ | 0x8000 /* MORE */)

/* Linux's struct msghdr and struct mmsghdr (x86_64). */
struct k_msghdr {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov, iovlen;
	uint64_t control, controllen;
	int32_t flags, pad1;
};
_Static_assert(sizeof(struct k_msghdr) == 56, "x86_64 struct msghdr is 56 bytes");

struct k_mmsghdr {
	struct k_msghdr hdr;
	uint32_t len, pad;
};
_Static_assert(sizeof(struct k_mmsghdr) == 64, "x86_64 struct mmsghdr is 64 bytes");

struct k_iovec {
	uint64_t base, len;
};

/* ---- copying to and from the application ---- */

static int copy_from_app(const struct syscall_env *env, void *dst, uint64_t src, size_t n)
{
	if (n == 0)
		return 0;
	if (syscall_check_range(env, (uintptr_t)src, n, false) || app_copy(dst, (const void *)src, n))
		return -EFAULT;
	return 0;
}

static int copy_to_app(const struct syscall_env *env, uint64_t dst, const void *src, size_t n)
{
	if (n == 0)
		return 0;
	if (syscall_check_range(env, (uintptr_t)dst, n, true) || app_copy((void *)dst, src, n))
		return -EFAULT;
	return 0;
}

/* An address from the application (Linux's move_addr_to_kernel). */
static int addr_from_app(const struct syscall_env *env, uint64_t uaddr, long len, uint8_t *kaddr)
{
	if (len < 0 || len > SOCK_ADDR_MAX)
		return -EINVAL;
	return copy_from_app(env, kaddr, uaddr, (size_t)len);
}

/*
 * An address to the application (Linux's move_addr_to_user): *ulen says
 * the room (negative: -EINVAL); as much as fits is copied, and *ulen gets
 * the full length. No ulen pointer: nothing is written.
 */
static int addr_to_app(const struct syscall_env *env, uint64_t uaddr, uint64_t ulen,
		       const uint8_t *kaddr, uint32_t klen)
{
	int32_t room;

	if (!ulen)
		return 0;
	if (copy_from_app(env, &room, ulen, sizeof(room)))
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	if ((uint32_t)room > klen)
		room = (int32_t)klen;
	if (room > 0 && (!uaddr || copy_to_app(env, uaddr, kaddr, (size_t)room)))
		return -EFAULT;
	return copy_to_app(env, ulen, &klen, sizeof(klen));
}

/*
 * The socket behind fd, with fs_lock held; on failure (-EBADF,
 * -ENOTSOCK) it is not held. sock_get adds a reference (sock_put
 * releases both); a send or receive takes its own (sock_io_begin).
 */
static struct vfs_fdtable *files; /* the table sock_find looked in, under fs_lock */

static int sock_find(int fd, struct vfs_file **fp, struct socket **sp)
{
	struct vfs_file *f = vfs_fd_get(files = sys_files_lock(), fd);

	if (!f || !(*sp = socket_of_file(f))) {
		fs_unlock();
		return f ? -ENOTSOCK : -EBADF;
	}
	*fp = f;
	unix_socket_set_cwd(fs_app_cwd());
	return 0;
}

static int sock_get(int fd, struct vfs_file **fp, struct socket **sp)
{
	int rc = sock_find(fd, fp, sp);

	if (!rc)
		vfs_file_get(*fp);
	return rc;
}

/* Drops the reference and the lock. */
static void sock_put(struct vfs_file *f)
{
	vfs_file_put(f);
	fs_unlock();
}

/*
 * A send or a receive holds fs_lock only to find its file when the
 * family locks each socket itself (socket_ops.self_locked, inet): one
 * connection's transfer then does not hold up every other thread's file
 * calls. With fs_lock held and f found under it: takes a reference and
 * answers whether the transfer runs under fs_lock (false: released).
 */
static bool sock_io_begin(struct vfs_file *f, struct socket *s)
{
	vfs_file_get(f);
	if (!s->ops->self_locked)
		return true;
	fs_unlock();
	return false;
}

/* The end of sock_io_begin's transfer: the reference, then fs_lock. */
static void sock_io_end(struct vfs_file *f, bool locked)
{
	if (locked) {
		sock_put(f);
	} else {
		sys_files_put_unlocked(f); /* closed meanwhile: perhaps the last reference */
	}
}

/*
 * close() of a socket with SO_LINGER on and a time, as Linux's: when the
 * close drops the last reference (sys_net_lingering, fs_lock held, f the
 * descriptor's file or NULL), it waits (sys_net_linger, after the
 * descriptor left the table and fs_lock was released) until what was sent
 * is acknowledged (the family's linger), the time has passed, or a
 * signal's handler is to run; then the socket is released as always.
 * close() answers 0 either way, and O_NONBLOCK changes nothing: Linux
 * lingers on a non-blocking socket too. No lock is held while it sleeps:
 * the descriptor is gone (another thread's call on it is -EBADF), and
 * the family takes its locks only for each look.
 */
struct vfs_file *sys_net_lingering(struct vfs_file *f)
{
	struct socket *s = f ? socket_of_file(f) : NULL;

	if (!s || !s->ops->linger || !s->linger_on || s->linger_sec <= 0 ||
	    __atomic_load_n(&f->refs, __ATOMIC_ACQUIRE) != 1)
		return NULL;
	vfs_file_get(f);
	return f;
}

void sys_net_linger(struct vfs_file *f)
{
	struct socket *s = socket_of_file(f);
	uint64_t end = clock_ns() + (uint64_t)s->linger_sec * NS_PER_SEC, now, left;

	while (s->ops->linger(s) == -EAGAIN && (now = clock_ns()) < end &&
	       sys_signal_sleep(end - now < LINGER_STEP_NS ? end - now : LINGER_STEP_NS, &left) == 0)
		;
	sock_io_end(f, false); /* the last reference: released under fs_lock */
}

static uint64_t deadline_after(uint64_t timeout_ns)
{
	return timeout_ns ? clock_ns() + timeout_ns : 0;
}

/* Sleeps until the next change after seen, the count read before the
 * last try (fs_lock, when held, dropped meanwhile): -EAGAIN once the
 * deadline (0: none) has passed. A signal whose handler is to run ends
 * the wait as Linux's sock_intr_errno does: with a timeout (SO_RCVTIMEO,
 * SO_SNDTIMEO) -EINTR, without one a restart (SA_RESTART) or -EINTR. */
static int wait_change(uint64_t seen, uint64_t deadline, bool locked)
{
	int rc;

	if (deadline && clock_ns() >= deadline)
		return -EAGAIN;
	rc = locked ? sys_poll_wait_since(seen, deadline) : sys_poll_wait_since_unlocked(seen, deadline);
	if (rc == -EINTR)
		return deadline ? -EINTR : -SYS_ERESTARTSYS;
	return rc == -ETIMEDOUT ? -EAGAIN : 0;
}

/* ---- sending and receiving ---- */

static void iov_advance(struct socket_iov **iov, unsigned *cnt, size_t n)
{
	while (*cnt > 0 && n >= (*iov)->len) {
		n -= (*iov)->len;
		(*iov)++;
		(*cnt)--;
	}
	if (*cnt > 0 && n > 0) {
		(*iov)->base = (char *)(*iov)->base + n;
		(*iov)->len -= n;
	}
}

/*
 * One send or receive with its waiting; f referenced, fs_lock held when
 * locked (sock_io_begin). iov (a kernel array, changed as bytes go) was
 * checked. A stream's blocking send, and a receive with MSG_WAITALL, go
 * on until every byte moved; after some bytes an error or a timeout ends
 * the call with the count.
 */
static long sock_transfer(struct vfs_file *f, struct socket *s, struct socket_io *io, bool send,
			  bool locked)
{
	bool nonblock = (f->flags & VFS_O_NONBLOCK) || (io->flags & SOCK_MSG_DONTWAIT);
	bool stream = s->type == SOCK_STREAM;
	bool whole = stream && !nonblock &&
		     (send || ((io->flags & SOCK_MSG_WAITALL) && !(io->flags & SOCK_MSG_PEEK)));
	uint64_t deadline = deadline_after(send ? s->sndtimeo_ns : s->rcvtimeo_ns);
	struct socket_iov *iov = (struct socket_iov *)io->iov;
	size_t total = 0;
	long done = 0, rc;

	if (!(send ? s->ops->send : s->ops->recv))
		return -EOPNOTSUPP;
	for (unsigned i = 0; i < io->iovcnt; i++)
		total += iov[i].len;
	if (nonblock)
		io->flags |= SOCK_MSG_DONTWAIT; /* the family's to know (SO_RCVLOWAT) */
	for (;;) {
		uint64_t seen = sys_poll_changes();

		io->iov = iov;
		rc = send ? s->ops->send(s, io) : s->ops->recv(s, io);
		if (rc == -EAGAIN && !nonblock && (rc = wait_change(seen, deadline, locked)) == 0)
			continue;
		/* SO_RCVTIMEO passed while a stream waited for SO_RCVLOWAT
		 * bytes: what came meanwhile, as Linux returns it. */
		if (rc == -EAGAIN && !nonblock && !send && stream && s->rcvlowat > 1) {
			io->flags |= SOCK_MSG_DONTWAIT;
			rc = s->ops->recv(s, io);
		}
		if (rc < 0 || !whole)
			break;
		done += rc;
		if ((size_t)done >= total || rc == 0)
			break;
		iov_advance(&iov, &io->iovcnt, (size_t)rc);
	}
	if (rc < 0)
		return done > 0 ? done : rc;
	return whole ? done : rc;
}

/* SIGPIPE for a send that found no reader, unless the call said not to. */
static long sent(long rc, int flags)
{
	if (rc == -EPIPE && !(flags & SOCK_MSG_NOSIGNAL))
		sys_signal_pipe();
	return rc;
}

/*
 * A send or receive on s (f's), fs_lock held and f found under it:
 * sock_io_begin, sock_transfer, sock_io_end. Returns with fs_lock released.
 */
static long sock_io(struct vfs_file *f, struct socket *s, struct socket_io *io, bool send)
{
	bool locked = sock_io_begin(f, s);
	long rc = sock_transfer(f, s, io, send, locked);

	sock_io_end(f, locked);
	return rc;
}

/* sock_io on fd's socket (-EBADF, -ENOTSOCK: none). */
static long sock_fd_io(int fd, struct socket_io *io, bool send)
{
	struct vfs_file *f;
	struct socket *s;
	long rc;

	if ((rc = sock_find(fd, &f, &s)))
		return rc;
	return sock_io(f, s, io, send);
}

/* read/write/readv/writev on a socket (sys_files.c: fs_lock held, f
 * found under it; returns with fs_lock released). */
long sys_net_rw(struct vfs_file *f, struct socket_iov *iov, unsigned cnt, bool write)
{
	uint8_t from[SOCK_ADDR_MAX];
	struct socket_io io = { .iov = iov, .iovcnt = cnt, .addr = from };

	return sock_io(f, socket_of_file(f), &io, write);
}

/*
 * The iovecs of a msghdr into a kernel array, each buffer checked; their
 * total must fit in ssize_t. Up to IOV_ON_STACK of them go into the
 * caller's array (most calls: no allocation, no free); more into a
 * kmalloc'ed one, which iov_done frees.
 */
#define IOV_ON_STACK 8
_Static_assert(sizeof(struct k_iovec) == sizeof(struct socket_iov) &&
	       offsetof(struct socket_iov, len) == offsetof(struct k_iovec, len),
	       "an application iovec is copied into a socket_iov as it is");

static int iov_from_app(const struct syscall_env *env, uint64_t uiov, uint64_t n, bool write,
			struct socket_iov on_stack[IOV_ON_STACK], struct socket_iov **out)
{
	struct socket_iov *iov = on_stack;
	uint64_t total = 0;
	int rc = 0;

	*out = NULL;
	if (n > LINUX_UIO_MAXIOV)
		return -EMSGSIZE;
	if (n > IOV_ON_STACK && !(iov = kmalloc(n * sizeof(*iov))))
		return -ENOMEM;
	if (n && copy_from_app(env, iov, uiov, n * sizeof(*iov)))
		rc = -EFAULT;
	for (uint64_t i = 0; !rc && i < n; i++) {
		if (iov[i].len > INT64_MAX - total)
			rc = -EINVAL;
		else if (syscall_check_range(env, (uintptr_t)iov[i].base, iov[i].len, write))
			rc = -EFAULT;
		total += iov[i].len;
	}
	if (rc && iov != on_stack)
		kfree(iov);
	else if (!rc)
		*out = iov;
	return rc;
}

static void iov_done(struct socket_iov *iov, struct socket_iov on_stack[IOV_ON_STACK])
{
	if (iov != on_stack)
		kfree(iov);
}

/* One sendmsg: the header is already in the kernel. */
static long send_msg(const struct syscall_env *env, int fd, struct k_msghdr *m, int flags)
{
	uint8_t to[SOCK_ADDR_MAX];
	struct socket_iov on_stack[IOV_ON_STACK], *iov;
	struct socket_io io = { .flags = flags, .addr = to };
	long rc;

	if (flags & ~SEND_FLAGS)
		return -EOPNOTSUPP;
	if (m->controllen)
		return -EOPNOTSUPP; /* no ancillary data (SCM_RIGHTS, credentials) yet */
	if (m->name) {
		if (m->namelen > SOCK_ADDR_MAX)
			return -EINVAL;
		if ((rc = addr_from_app(env, m->name, m->namelen, to)))
			return rc;
		io.addrlen = m->namelen;
	}
	if ((rc = iov_from_app(env, m->iov, m->iovlen, false, on_stack, &iov)))
		return rc;
	io.iov = iov;
	io.iovcnt = (unsigned)m->iovlen;
	rc = sock_fd_io(fd, &io, true);
	iov_done(iov, on_stack);
	return sent(rc, flags);
}

/* One recvmsg: the header is in the kernel; its out fields are updated
 * there (the caller copies them back). */
static long recv_msg(const struct syscall_env *env, int fd, struct k_msghdr *m, int flags)
{
	uint8_t from[SOCK_ADDR_MAX];
	struct socket_iov on_stack[IOV_ON_STACK], *iov;
	struct socket_io io = { .flags = flags, .addr = from };
	long rc;

	if ((int32_t)m->namelen < 0)
		return -EINVAL;
	if ((rc = iov_from_app(env, m->iov, m->iovlen, true, on_stack, &iov)))
		return rc;
	io.iov = iov;
	io.iovcnt = (unsigned)m->iovlen;
	rc = sock_fd_io(fd, &io, false);
	iov_done(iov, on_stack);
	if (rc < 0)
		return rc;
	if (m->name) {
		uint32_t n = io.addrlen < m->namelen ? io.addrlen : m->namelen;

		if (copy_to_app(env, m->name, from, n))
			return -EFAULT;
		m->namelen = io.addrlen;
	} else {
		m->namelen = 0;
	}
	m->controllen = 0;
	m->flags = io.msg_flags;
	return rc;
}

static long sys_sendto(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct socket_iov iov = { (void *)args[1], (size_t)args[2] };
	uint8_t to[SOCK_ADDR_MAX];
	struct socket_io io = { .iov = &iov, .iovcnt = 1, .flags = (int)args[3], .addr = to };
	long rc;

	if (io.flags & ~SEND_FLAGS)
		return -EOPNOTSUPP;
	if (args[4]) {
		if ((rc = addr_from_app(env, (uint64_t)args[4], (int)args[5], to)))
			return rc;
		io.addrlen = (uint32_t)args[5];
	}
	return sent(sock_fd_io((int)args[0], &io, true), io.flags);
}

static long sys_recvfrom(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct socket_iov iov = { (void *)args[1], (size_t)args[2] };
	uint8_t from[SOCK_ADDR_MAX];
	struct socket_io io = { .iov = &iov, .iovcnt = 1, .flags = (int)args[3], .addr = from };
	long rc = sock_fd_io((int)args[0], &io, false);

	if (rc >= 0 && args[4]) {
		int err = addr_to_app(env, (uint64_t)args[4], (uint64_t)args[5], from, io.addrlen);

		if (err)
			return err;
	}
	return rc;
}

static long sys_sendmsg(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_msghdr m;

	if (copy_from_app(env, &m, (uint64_t)args[1], sizeof(m)))
		return -EFAULT;
	return send_msg(env, (int)args[0], &m, (int)args[2]);
}

/*
 * A receive's msghdr (n bytes at um: a msghdr, or recvmmsg's mmsghdr)
 * into the kernel, checked writable as well: the fields the call changes
 * go back with msghdr_out without a check each, and a msghdr the
 * application cannot have written fails before a message is taken from
 * the socket rather than after (where Linux loses it).
 */
static int msghdr_in(const struct syscall_env *env, void *m, uint64_t um, size_t n)
{
	if (syscall_check_range(env, (uintptr_t)um, n, true) || app_copy(m, (void *)um, n))
		return -EFAULT;
	return 0;
}

/* The fields recvmsg changes, back into the msghdr msghdr_in checked. */
static int msghdr_out(uint64_t um, const struct k_msghdr *m)
{
	if (app_copy((void *)(um + offsetof(struct k_msghdr, namelen)), &m->namelen,
		     sizeof(m->namelen)) ||
	    app_copy((void *)(um + offsetof(struct k_msghdr, controllen)), &m->controllen,
		     sizeof(m->controllen)) ||
	    app_copy((void *)(um + offsetof(struct k_msghdr, flags)), &m->flags, sizeof(m->flags)))
		return -EFAULT;
	return 0;
}

static long sys_recvmsg(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_msghdr m;
	long rc;

	if (msghdr_in(env, &m, (uint64_t)args[1], sizeof(m)))
		return -EFAULT;
	rc = recv_msg(env, (int)args[0], &m, (int)args[2]);
	if (rc >= 0 && msghdr_out((uint64_t)args[1], &m))
		return -EFAULT;
	return rc;
}

/*
 * sendmmsg/recvmmsg: one message after another, each msg_len written
 * back; an error after the first message ends the call with the count,
 * as on Linux. recvmmsg's MSG_WAITFORONE makes every message after the
 * first non-blocking; its timeout is honoured between messages only.
 */
static long multi(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS], bool send)
{
	uint64_t um = (uint64_t)args[1];
	unsigned vlen = (unsigned)args[2] > LINUX_UIO_MAXIOV ? LINUX_UIO_MAXIOV : (unsigned)args[2];
	int flags = (int)args[3];
	uint64_t deadline = 0;
	long count = 0, rc = 0;

	if (!send && args[4]) {
		int64_t ts[2];
		uint64_t ns;

		if (copy_from_app(env, ts, (uint64_t)args[4], sizeof(ts)))
			return -EFAULT;
		if ((rc = sys_time_ns(ts, 1, &ns)))
			return rc;
		deadline = clock_ns() + ns;
	}
	for (unsigned i = 0; i < vlen; i++) {
		struct k_mmsghdr mm;
		uint64_t at = um + (uint64_t)i * sizeof(mm);

		/* A receive checks the whole mmsghdr writable once (msghdr_in);
		 * a send only reads it, and writes msg_len. */
		if (send ? copy_from_app(env, &mm, at, sizeof(mm)) : msghdr_in(env, &mm, at, sizeof(mm))) {
			rc = -EFAULT;
			break;
		}
		if (send) {
			rc = send_msg(env, (int)args[0], &mm.hdr, flags);
		} else {
			rc = recv_msg(env, (int)args[0], &mm.hdr, flags & ~LINUX_MSG_WAITFORONE);
			if (rc >= 0 && msghdr_out(at, &mm.hdr))
				rc = -EFAULT;
		}
		if (rc < 0)
			break;
		mm.len = (uint32_t)rc;
		if (send ? copy_to_app(env, at + offsetof(struct k_mmsghdr, len), &mm.len, sizeof(mm.len))
			 : app_copy((void *)(at + offsetof(struct k_mmsghdr, len)), &mm.len, sizeof(mm.len))) {
			rc = -EFAULT;
			break;
		}
		count++;
		if (!send && (flags & LINUX_MSG_WAITFORONE))
			flags |= SOCK_MSG_DONTWAIT;
		if (deadline && clock_ns() >= deadline)
			break;
	}
	return count > 0 ? count : rc;
}

static long sys_sendmmsg(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return multi(env, args, true);
}

static long sys_recvmmsg(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return multi(env, args, false);
}

/*
 * The datagram API (<carapace/dgram.h>, kernel/net/README.md "The
 * datagram API"): a batch of datagrams received from or sent on a UDP
 * socket in one call, each described by a struct carapace_dgram (48
 * bytes: its buffer, length, flags, address). The array is checked and
 * copied in once; each buffer is checked by the socket for the bytes it
 * moves, just before it moves them (not a 64 KiB room a page at a time,
 * as recvmmsg's iovecs are); a receive writes back every field but buf.
 */
struct k_dgram {
	uint64_t buf;
	uint32_t len, flags, addrlen;
	uint8_t addr[SOCK_DGRAM_ADDR_MAX];
};
_Static_assert(sizeof(struct k_dgram) == 48, "struct carapace_dgram is 48 bytes");

static int dgram_range(const void *ctx, uintptr_t addr, size_t len, bool write)
{
	return syscall_check_range(ctx, addr, len, write);
}

static long dgram_calls(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS], bool send)
{
	uint64_t ud = (uint64_t)args[1];
	unsigned n = (unsigned)args[2];
	int flags = (int)args[3];
	struct k_dgram k[SOCK_DGRAM_BATCH];
	struct socket_dgram d[SOCK_DGRAM_BATCH];
	struct vfs_file *f;
	struct socket *s;
	bool locked;
	long rc;

	if ((unsigned long)args[2] == 0 || (unsigned long)args[2] > SOCK_DGRAM_BATCH ||
	    (flags & ~SOCK_MSG_DONTWAIT) || (send && flags))
		return -EINVAL;
	if (syscall_check_range(env, (uintptr_t)ud, n * sizeof(k[0]), !send) ||
	    app_copy(k, (const void *)ud, n * sizeof(k[0])))
		return -EFAULT;
	for (unsigned i = 0; i < n; i++) {
		d[i].buf = (void *)k[i].buf;
		d[i].len = k[i].len;
		d[i].flags = d[i].addrlen = 0;
		if (send) {
			/* A bad address ends the batch before it: the ones before go. */
			if (k[i].addrlen > sizeof(k[i].addr)) {
				if (i == 0)
					return -EINVAL;
				n = i;
				break;
			}
			/* (The kernel's -fno-builtin makes memcpy a call: a move here.) */
			__builtin_memcpy(d[i].addr, k[i].addr, sizeof(d[i].addr));
			d[i].addrlen = k[i].addrlen;
		} else {
			/* Copied back whole: no byte of this stack's past goes out. */
			__builtin_memset(d[i].addr, 0, sizeof(d[i].addr));
		}
	}
	if ((rc = sock_find((int)args[0], &f, &s)))
		return rc;
	locked = sock_io_begin(f, s);
	if (!s->ops->dgram_batch) {
		rc = -EOPNOTSUPP;
	} else if (send) {
		rc = s->ops->dgram_batch(s, d, n, true, dgram_range, env);
	} else {
		bool nonblock = (f->flags & VFS_O_NONBLOCK) || (flags & SOCK_MSG_DONTWAIT);
		uint64_t deadline = deadline_after(s->rcvtimeo_ns);

		for (;;) {
			uint64_t seen = sys_poll_changes();

			rc = s->ops->dgram_batch(s, d, n, false, dgram_range, env);
			if (rc == -EAGAIN && !nonblock && (rc = wait_change(seen, deadline, locked)) == 0)
				continue;
			break;
		}
	}
	sock_io_end(f, locked);
	/* The array was checked writable on entry; a page unmapped since is
	 * -EFAULT (the datagrams taken are lost, as Linux's recvmmsg's). */
	for (long i = 0; !send && i < rc; i++) {
		k[i].len = d[i].len;
		k[i].flags = d[i].flags;
		k[i].addrlen = d[i].addrlen;
		__builtin_memcpy(k[i].addr, d[i].addr, sizeof(k[i].addr));
		if (app_copy((uint8_t *)ud + i * sizeof(k[0]) + offsetof(struct k_dgram, len),
			     &k[i].len, sizeof(k[0]) - offsetof(struct k_dgram, len)))
			return -EFAULT;
	}
	return rc;
}

static long sys_carapace_dgram_recv(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return dgram_calls(env, args, false);
}

static long sys_carapace_dgram_send(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return dgram_calls(env, args, true);
}

/*
 * The stream API (<carapace/stream.h>, kernel/net/README.md "The stream
 * API"): one non-blocking receive from, or send on, each of up to
 * SYSCALL_STREAM_BATCH stream sockets in one call, each described by a
 * struct carapace_stream (24 bytes: buffer, length, descriptor, result).
 * A server that found several connections ready makes one call for all
 * their requests and one for all their replies, not one each. Each entry
 * is what recv (or send with MSG_NOSIGNAL) with MSG_DONTWAIT would do,
 * its buffer checked as theirs are; its outcome (bytes moved, 0 at the
 * end of a receive's stream, or -errno) is written into its result.
 */
#define SYSCALL_STREAM_BATCH 32

struct k_stream {
	uint64_t buf;
	uint32_t len;
	int32_t fd;
	int64_t result;
};
_Static_assert(sizeof(struct k_stream) == 24, "struct carapace_stream is 24 bytes");

static long stream_one(const struct syscall_env *env, const struct k_stream *k, bool send)
{
	struct socket_iov iov = { (void *)k->buf, k->len };
	uint8_t addr[SOCK_ADDR_MAX];
	struct socket_io io = { .iov = &iov, .iovcnt = 1, .flags = SOCK_MSG_DONTWAIT, .addr = addr };
	struct vfs_file *f;
	struct socket *s;
	long rc;

	if (syscall_check_range(env, (uintptr_t)k->buf, k->len, !send))
		return -EFAULT;
	if ((rc = sock_find(k->fd, &f, &s)))
		return rc;
	if (s->type != SOCK_STREAM) {
		fs_unlock(); /* sock_find took no reference */
		return -EOPNOTSUPP;
	}
	return sock_io(f, s, &io, send);
}

static long stream_calls(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS], bool send)
{
	uint64_t ua = (uint64_t)args[0];
	unsigned n = (unsigned)args[1];
	struct k_stream k[SYSCALL_STREAM_BATCH];

	if ((unsigned long)args[1] == 0 || (unsigned long)args[1] > SYSCALL_STREAM_BATCH || args[2])
		return -EINVAL;
	/* Writable: every entry's result is written back. */
	if (syscall_check_range(env, (uintptr_t)ua, n * sizeof(k[0]), true) ||
	    app_copy(k, (const void *)ua, n * sizeof(k[0])))
		return -EFAULT;
	for (unsigned i = 0; i < n; i++) {
		k[i].result = stream_one(env, &k[i], send);
		/* A page unmapped since the check: -EFAULT (what moved, moved). */
		if (app_copy((uint8_t *)ua + i * sizeof(k[0]) + offsetof(struct k_stream, result),
			     &k[i].result, sizeof(k[i].result)))
			return -EFAULT;
	}
	return n;
}

static long sys_carapace_stream_recv(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return stream_calls(env, args, false);
}

static long sys_carapace_stream_send(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return stream_calls(env, args, true);
}

/* ---- making sockets ---- */

/* ---- interface ioctls (kernel/net/README.md, "Interfaces as Linux shows them") ---- */

/* SIOCGIFCONF: struct ifconf { int ifc_len; char *ifc_buf; } at uarg. */
static long ifconf(const struct syscall_env *env, void *uarg, const struct net_ifinfo *ifs,
		   unsigned n)
{
	uint8_t conf[NET_IFCONF_SIZE], rec[NET_IFREQ_SIZE];
	int32_t len, done = 0;
	uint64_t buf;

	if (app_copy(conf, uarg, sizeof(conf)))
		return -EFAULT;
	memcpy(&len, conf, sizeof(len));
	memcpy(&buf, conf + 8, sizeof(buf));
	if (!buf) {
		/* No buffer: the bytes the whole list takes. */
		done = (int32_t)(net_ifconf_count(ifs, n) * NET_IFREQ_SIZE);
	} else {
		for (unsigned i = 0; len - done >= NET_IFREQ_SIZE && net_ifconf_entry(i, rec, ifs, n);
		     i++) {
			if (copy_to_app(env, buf + (uint64_t)done, rec, sizeof(rec)))
				return -EFAULT;
			done += NET_IFREQ_SIZE;
		}
	}
	memcpy(conf, &done, sizeof(done));
	return app_copy(uarg, conf, sizeof(done)) ? -EFAULT : 0;
}

long sys_net_ifioctl(const struct syscall_env *env, int fd, unsigned cmd, void *uarg)
{
	struct net_ifinfo ifs[NET_IFINFO_MAX];
	uint8_t req[NET_IFREQ_SIZE];
	size_t size = cmd == NET_SIOCGIFCONF ? NET_IFCONF_SIZE : NET_IFREQ_SIZE;
	struct vfs_file *f;
	struct socket *s;
	unsigned n;
	int family;
	long rc;

	f = vfs_fd_get(sys_files_lock(), fd);
	s = f ? socket_of_file(f) : NULL;
	family = s ? s->family : 0;
	fs_unlock();
	if (!f)
		return -EBADF;
	if (!s)
		return -ENOTTY; /* not a socket: no interface ioctls */
	/* A setting request is only read before it is refused (-EPERM). */
	if (syscall_check_range(env, (uintptr_t)uarg, size, !net_ifreq_sets(cmd)))
		return -EFAULT;
	n = net_ifinfo_list(ifs, NET_IFINFO_MAX);
	if (cmd == NET_SIOCGIFCONF)
		return ifconf(env, uarg, ifs, n);
	if (app_copy(req, uarg, sizeof(req)))
		return -EFAULT;
	if ((rc = net_ifreq(cmd, family, req, ifs, n)))
		return rc;
	return app_copy(uarg, req, sizeof(req)) ? -EFAULT : 0;
}

/*
 * socket() and socketpair()'s checks: -EINVAL, -EAFNOSUPPORT,
 * -EPROTONOSUPPORT. Families other than AF_UNIX check their own type and
 * protocol when they are made (socket_family).
 */
static int check_socket_args(int domain, int type, int protocol)
{
	int base = type & SOCK_TYPE_MASK;

	if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (base < 1 || base >= LINUX_SOCK_MAX)
		return -EINVAL;
	if (domain < 0 || domain >= LINUX_AF_MAX)
		return -EAFNOSUPPORT;
	if (domain != SOCK_AF_UNIX)
		return socket_family(domain) ? 0 : -EAFNOSUPPORT;
	if (protocol != 0 && protocol != SOCK_AF_UNIX)
		return -EPROTONOSUPPORT;
	return 0;
}

/* AF_UNIX takes SOCK_RAW as SOCK_DGRAM, as Linux does. */
static int unix_type(int type)
{
	int base = type & SOCK_TYPE_MASK;

	return base == SOCK_RAW ? SOCK_DGRAM : base;
}

static long sys_socket(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int domain = (int)args[0], type = (int)args[1], protocol = (int)args[2];
	struct vfs_fdtable *t;
	struct vfs_file *f;
	long rc;

	(void)env;
	if ((rc = check_socket_args(domain, type, protocol)))
		return rc;
	t = sys_files_lock();
	if (domain == SOCK_AF_UNIX)
		rc = unix_socket_new(fs_vfs(), unix_type(type), type & SOCK_NONBLOCK, &f);
	else
		rc = socket_family(domain)(fs_vfs(), domain, type & SOCK_TYPE_MASK, protocol,
					   type & SOCK_NONBLOCK, &f);
	if (!rc)
		rc = fs_app_fd_install(t, f, (type & SOCK_CLOEXEC) != 0);
	fs_unlock();
	return rc;
}

static long sys_socketpair(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int domain = (int)args[0], type = (int)args[1], protocol = (int)args[2];
	struct vfs_file *pair[2];
	struct vfs_fdtable *t;
	long rc;

	(void)env;
	if ((rc = check_socket_args(domain, type, protocol)))
		return rc;
	if (domain != SOCK_AF_UNIX)
		return -EOPNOTSUPP; /* as Linux: pairs are AF_UNIX's */
	t = sys_files_lock();
	if (!(rc = unix_socketpair(fs_vfs(), unix_type(type), type & SOCK_NONBLOCK, pair)))
		rc = sys_files_install_pair(t, pair, type & SOCK_CLOEXEC, (void *)args[3]);
	fs_unlock();
	return rc;
}

/* ---- names and connections ---- */

static long sys_bind(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint8_t addr[SOCK_ADDR_MAX];
	struct vfs_file *f;
	struct socket *s;
	long rc;

	if (!(rc = sock_get((int)args[0], &f, &s))) {
		/* A vanished page is -EFAULT under the lock too (app_copy). */
		rc = addr_from_app(env, (uint64_t)args[1], (int)args[2], addr);
		if (!rc)
			rc = s->ops->bind ? s->ops->bind(s, addr, (uint32_t)args[2]) : -EOPNOTSUPP;
		sock_put(f);
	}
	return rc;
}

static long sys_listen(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *f;
	struct socket *s;
	long rc;

	(void)env;
	if (!(rc = sock_get((int)args[0], &f, &s))) {
		rc = s->ops->listen ? s->ops->listen(s, (int)args[1]) : -EOPNOTSUPP;
		sock_put(f);
	}
	return rc;
}

/*
 * A blocking connect whose attempt goes on (first: -EINPROGRESS, the
 * family started it, TCP; or -EALREADY, one started before): asks the
 * socket again after each change until the attempt is over, and that
 * call's answer is the connect's, as Linux's blocking connect looks at
 * the socket after its wait: 0, or the error. The socket takes the error
 * itself (an inet socket's connect_answer), so that poll, SO_ERROR and
 * recv afterwards answer as Linux's do. SO_SNDTIMEO bounds the wait;
 * then first, as on Linux.
 */
static long connect_wait(struct socket *s, const uint8_t *addr, uint32_t len, long first)
{
	uint64_t deadline = deadline_after(s->sndtimeo_ns);

	for (;;) {
		uint64_t seen = sys_poll_changes();
		long rc = s->ops->connect(s, addr, len);

		if (rc != -EALREADY)
			return rc;
		if ((rc = wait_change(seen, deadline, true)) == -EAGAIN)
			return first;
		if (rc) /* a signal: the attempt goes on; a second connect waits for it */
			return rc;
	}
}

static long sys_connect(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint8_t addr[SOCK_ADDR_MAX];
	struct vfs_file *f;
	struct socket *s;
	long rc;

	if (!(rc = sock_get((int)args[0], &f, &s))) {
		rc = addr_from_app(env, (uint64_t)args[1], (int)args[2], addr);
		while (!rc) {
			uint64_t seen = sys_poll_changes();

			rc = s->ops->connect ? s->ops->connect(s, addr, (uint32_t)args[2]) : -EOPNOTSUPP;
			if (rc != -EAGAIN || (f->flags & VFS_O_NONBLOCK) || (rc = wait_change(seen, 0, true)))
				break;
		}
		if ((rc == -EINPROGRESS || rc == -EALREADY) && !(f->flags & VFS_O_NONBLOCK))
			rc = connect_wait(s, addr, (uint32_t)args[2], rc);
		sock_put(f);
	}
	return rc;
}

/* accept and accept4: the new socket's peer address goes out after it is
 * installed; if that fails the descriptor is closed again (-EFAULT). */
static long accept_flags(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS], int flags)
{
	uint8_t addr[SOCK_ADDR_MAX];
	uint32_t len = 0;
	struct vfs_file *f, *nf;
	struct socket *s;
	long rc;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if ((rc = sock_get((int)args[0], &f, &s)))
		return rc;
	for (;;) {
		uint64_t seen = sys_poll_changes();

		rc = s->ops->accept ? s->ops->accept(s, flags & SOCK_NONBLOCK, &nf) : -EOPNOTSUPP;
		if (rc != -EAGAIN || (f->flags & VFS_O_NONBLOCK) ||
		    (rc = wait_change(seen, deadline_after(s->rcvtimeo_ns), true)))
			break;
	}
	if (!rc) {
		struct socket *ns = socket_of_file(nf);

		if (ns->ops->getname(ns, addr, &len, true))
			len = 0;
		rc = fs_app_fd_install(files, nf, (flags & SOCK_CLOEXEC) != 0);
	}
	sock_put(f);
	if (rc >= 0 && args[1]) {
		int err = addr_to_app(env, (uint64_t)args[1], (uint64_t)args[2], addr, len);

		if (err) {
			vfs_fd_close(sys_files_lock(), (int)rc);
			fs_unlock();
			return err;
		}
	}
	return rc;
}

static long sys_accept(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return accept_flags(env, args, 0);
}

static long sys_accept4(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return accept_flags(env, args, (int)args[3]);
}

static long getname(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS], bool peer)
{
	uint8_t addr[SOCK_ADDR_MAX];
	uint32_t len = 0;
	struct vfs_file *f;
	struct socket *s;
	long rc;

	if (!(rc = sock_get((int)args[0], &f, &s))) {
		rc = s->ops->getname(s, addr, &len, peer);
		sock_put(f);
	}
	if (!rc)
		rc = addr_to_app(env, (uint64_t)args[1], (uint64_t)args[2], addr, len);
	return rc;
}

static long sys_getsockname(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return getname(env, args, false);
}

static long sys_getpeername(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return getname(env, args, true);
}

static long sys_shutdown(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *f;
	struct socket *s;
	long rc;

	(void)env;
	if (!(rc = sock_get((int)args[0], &f, &s))) {
		rc = s->ops->shutdown ? s->ops->shutdown(s, (int)args[1]) : -EOPNOTSUPP;
		sock_put(f);
	}
	return rc;
}

/* ---- options ---- */

static long sys_setsockopt(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int32_t len = (int32_t)args[4];
	uint8_t val[OPT_MAX];
	struct vfs_file *f;
	struct socket *s;
	long rc;

	if (len < 0)
		return -EINVAL;
	if (len > OPT_MAX)
		len = OPT_MAX; /* every option known is shorter */
	if (copy_from_app(env, val, (uint64_t)args[3], (size_t)len))
		return -EFAULT;
	if (!(rc = sock_get((int)args[0], &f, &s))) {
		rc = socket_setsockopt(s, (int)args[1], (int)args[2], val, (uint32_t)len);
		sock_put(f);
	}
	return rc;
}

static long sys_getsockopt(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint8_t val[OPT_MAX];
	int32_t room;
	uint32_t len;
	struct vfs_file *f;
	struct socket *s;
	long rc;

	if (copy_from_app(env, &room, (uint64_t)args[4], sizeof(room)))
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	len = (uint32_t)room > OPT_MAX ? OPT_MAX : (uint32_t)room;
	if (!(rc = sock_get((int)args[0], &f, &s))) {
		rc = socket_getsockopt(s, (int)args[1], (int)args[2], val, &len);
		sock_put(f);
	}
	if (!rc && (copy_to_app(env, (uint64_t)args[3], val, len) ||
		    copy_to_app(env, (uint64_t)args[4], &len, sizeof(len))))
		rc = -EFAULT;
	return rc;
}

void sys_net_register(syscall_handler_fn *table)
{
	table[NR_SOCKET] = sys_socket;
	table[NR_SOCKETPAIR] = sys_socketpair;
	table[NR_BIND] = sys_bind;
	table[NR_LISTEN] = sys_listen;
	table[NR_ACCEPT] = sys_accept;
	table[NR_ACCEPT4] = sys_accept4;
	table[NR_CONNECT] = sys_connect;
	table[NR_GETSOCKNAME] = sys_getsockname;
	table[NR_GETPEERNAME] = sys_getpeername;
	table[NR_SENDTO] = sys_sendto;
	table[NR_RECVFROM] = sys_recvfrom;
	table[NR_SENDMSG] = sys_sendmsg;
	table[NR_RECVMSG] = sys_recvmsg;
	table[NR_SENDMMSG] = sys_sendmmsg;
	table[NR_RECVMMSG] = sys_recvmmsg;
	table[SYSCALL_NR_CARAPACE_DGRAM_RECV] = sys_carapace_dgram_recv;
	table[SYSCALL_NR_CARAPACE_DGRAM_SEND] = sys_carapace_dgram_send;
	table[SYSCALL_NR_CARAPACE_STREAM_RECV] = sys_carapace_stream_recv;
	table[SYSCALL_NR_CARAPACE_STREAM_SEND] = sys_carapace_stream_send;
	table[NR_SHUTDOWN] = sys_shutdown;
	table[NR_SETSOCKOPT] = sys_setsockopt;
	table[NR_GETSOCKOPT] = sys_getsockopt;
}
