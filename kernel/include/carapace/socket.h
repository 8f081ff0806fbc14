/*
 * Sockets in the VFS: an open file whose vnode is a struct socket (mode
 * S_IFSOCK). The syscall layer (syscall/sys_net.c) checks every pointer and
 * length, copies addresses into the kernel, and calls a family's
 * socket_ops; read/write on the file are recv/send with no flags.
 *
 * Like pipes, nothing here blocks: an operation that cannot go on returns
 * -EAGAIN (connect of a TCP socket -EINPROGRESS), and the kernel waits for
 * the change vfs_poll_event announces. Portable: kernel, host tests, fuzzers.
 */
#ifndef CARAPACE_SOCKET_H
#define CARAPACE_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/vfs.h>

/* Families, types and flags: the Linux x86_64 values. */
#define SOCK_AF_UNSPEC 0
#define SOCK_AF_UNIX   1
#define SOCK_AF_INET   2
#define SOCK_AF_INET6  10
#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK  04000
#define SOCK_CLOEXEC   02000000

#define SOCK_MSG_OOB       0x1
#define SOCK_MSG_PEEK      0x2
#define SOCK_MSG_DONTROUTE 0x4
#define SOCK_MSG_CTRUNC    0x8
#define SOCK_MSG_TRUNC     0x20
#define SOCK_MSG_DONTWAIT  0x40
#define SOCK_MSG_EOR       0x80
#define SOCK_MSG_WAITALL   0x100
#define SOCK_MSG_NOSIGNAL  0x4000
#define SOCK_MSG_CMSG_CLOEXEC 0x40000000

#define SOCK_SHUT_RD   0
#define SOCK_SHUT_WR   1
#define SOCK_SHUT_RDWR 2

#define SOCK_SOL_SOCKET   1
#define SOCK_SO_REUSEADDR 2
#define SOCK_SO_TYPE      3
#define SOCK_SO_ERROR     4
#define SOCK_SO_DONTROUTE 5
#define SOCK_SO_BROADCAST 6
#define SOCK_SO_SNDBUF    7
#define SOCK_SO_RCVBUF    8
#define SOCK_SO_KEEPALIVE 9
#define SOCK_SO_OOBINLINE 10
#define SOCK_SO_LINGER    13
#define SOCK_SO_REUSEPORT 15
#define SOCK_SO_RCVLOWAT  18
#define SOCK_SO_SNDLOWAT  19
#define SOCK_SO_RCVTIMEO  20
#define SOCK_SO_SNDTIMEO  21
#define SOCK_SO_ACCEPTCONN 30
#define SOCK_SO_PROTOCOL  38
#define SOCK_SO_DOMAIN    39

/* The largest address any family takes (struct sockaddr_storage). */
#define SOCK_ADDR_MAX 128
/* struct sockaddr_un: the family, then 108 bytes of path. */
#define SOCK_UNIX_PATH_MAX 108
#define SOCK_UNIX_ADDR_MAX (2 + SOCK_UNIX_PATH_MAX)
/* Linux's default buffer sizes (net.core.[rw]mem_default). */
#define SOCK_BUF_DEFAULT 212992

/* One application buffer of a send or a receive, already range-checked. */
struct socket_iov {
	void *base;
	size_t len;
};

/*
 * One send or receive. iov's buffers are application memory, checked by the
 * caller and reached with app_copy only. addr is a kernel copy: send's
 * destination (addrlen bytes, or none), or the room receive fills with the
 * source (addrlen in: SOCK_ADDR_MAX; out: the source's length, 0 if none).
 * msg_flags out: MSG_TRUNC when a datagram did not fit.
 */
struct socket_io {
	const struct socket_iov *iov;
	unsigned iovcnt;
	int flags;
	uint8_t *addr;
	uint32_t addrlen;
	int msg_flags;
};

/*
 * One datagram of a batch (<carapace/dgram.h>, sys_net.c's
 * carapace_dgram_recv and carapace_dgram_send). buf is application memory
 * that nobody has checked: the family calls check on the bytes it is
 * about to copy (recv: as many as the datagram has, at most len), then
 * app_copy. addr is a kernel copy: the destination (addrlen bytes, send)
 * or the room for the source (recv: addrlen out).
 */
#define SOCK_DGRAM_ADDR_MAX 28 /* struct sockaddr_in6 */
#define SOCK_DGRAM_BATCH    16 /* datagrams a dgram_batch call takes at most */
struct socket_dgram {
	void *buf;
	uint32_t len;    /* recv: the room in, the datagram's length out; send: its length */
	uint32_t flags;  /* recv out: SOCK_MSG_TRUNC when it did not fit in the room */
	uint8_t addr[SOCK_DGRAM_ADDR_MAX];
	uint32_t addrlen;
};

/* 0 when [addr, addr+len) is the application's (write: and writable), else -EFAULT. */
typedef int (*socket_range_fn)(const void *ctx, uintptr_t addr, size_t len, bool write);

struct socket;

/*
 * A family's operations. Errors are negative errno values; -EAGAIN means
 * "would block" (the caller waits unless non-blocking). The caller holds
 * the VFS lock, but see self_locked. NULL: -EOPNOTSUPP.
 */
struct socket_ops {
	int (*bind)(struct socket *s, const uint8_t *addr, uint32_t len);
	int (*listen)(struct socket *s, int backlog);
	/* A connected socket from the queue as a new open file (flags:
	 * O_NONBLOCK), or -EAGAIN. */
	int (*accept)(struct socket *s, int flags, struct vfs_file **out);
	int (*connect)(struct socket *s, const uint8_t *addr, uint32_t len);
	int64_t (*send)(struct socket *s, struct socket_io *io);
	int64_t (*recv)(struct socket *s, struct socket_io *io);
	int (*shutdown)(struct socket *s, int how);
	/* The socket's (peer false) or its peer's address into addr (room
	 * SOCK_ADDR_MAX); *len its full length. */
	int (*getname)(struct socket *s, uint8_t *addr, uint32_t *len, bool peer);
	unsigned (*poll)(struct socket *s);
	/* Options the family acts on; *handled false: the generic layer's. */
	int (*setopt)(struct socket *s, int level, int name, const void *val, uint32_t len,
		      bool *handled);
	int (*getopt)(struct socket *s, int level, int name, void *val, uint32_t *len,
		      bool *handled);
	/* FIONREAD: bytes a read would return now (a datagram: the next one's). */
	int64_t (*nread)(struct socket *s);
	/* Optional (NULL: -ENOTTY) TIOCOUTQ (SIOCOUTQ): bytes sent and not yet
	 * acknowledged (a stream), or not yet sent (datagrams). */
	int64_t (*nwrite)(struct socket *s);
	/*
	 * Optional (NULL: -EOPNOTSUPP): up to n (at most SOCK_DGRAM_BATCH) datagrams received into d
	 * (recv: -EAGAIN when none waits) or sent from it; the count, or the
	 * first datagram's error. A datagram that fails after the first ends
	 * the batch. check(ctx, ...) vets every buffer before it is copied.
	 */
	int64_t (*dgram_batch)(struct socket *s, struct socket_dgram *d, unsigned n, bool send,
			       socket_range_fn check, const void *ctx);
	/*
	 * Optional: one step of a lingering close (SO_LINGER on with a time;
	 * sys_net.c's sys_net_linger, without the VFS lock, before the
	 * last reference goes): the first call begins the close (TCP: the
	 * FIN after the data queued), each answers -EAGAIN while what was
	 * sent is not all acknowledged, 0 once it is or when there is
	 * nothing to wait for (release then ends the socket as always).
	 */
	int (*linger)(struct socket *s);
	void (*release)(struct socket *s);
	/*
	 * true: every operation above locks the socket itself, so send and
	 * recv are called without the VFS lock (the others still under it:
	 * the VFS lock comes first, then the socket's). false: all under
	 * the VFS lock, as the note above says.
	 */
	bool self_locked;
};

/* Embedded first in each family's socket. */
struct socket {
	struct vnode vn;        /* mode S_IFSOCK; vn.fs points at this */
	const struct socket_ops *ops;
	struct vfs *vfs;
	int family, type, protocol;
	bool listening;
	int error;              /* -errno for SO_ERROR: taken (and cleared) by getsockopt */
	/* Options kept for getsockopt; the family may act on them. */
	bool reuseaddr, reuseport, keepalive;
	bool broadcast, dontroute, oobinline; /* SO_BROADCAST, SO_DONTROUTE, SO_OOBINLINE */
	int rcvlowat;           /* SO_RCVLOWAT: at least 1 */
	int linger_on, linger_sec;
	int rcvbuf, sndbuf;
	uint64_t rcvtimeo_ns, sndtimeo_ns; /* 0: wait forever */
};

/* Sets up the generic part of a socket; the family's create opens its file
 * (a socket made by a connection gets its file at accept). */
void socket_init(struct socket *s, struct vfs *vfs, const struct socket_ops *ops,
		 int family, int type, int protocol);
/* The socket behind an open file, or NULL when it is none (-ENOTSOCK). */
struct socket *socket_of_file(struct vfs_file *f);

/*
 * SOL_SOCKET options the generic layer keeps (val: the option's bytes,
 * already in the kernel). -ENOPROTOOPT for what nobody knows.
 */
int socket_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len);
int socket_getsockopt(struct socket *s, int level, int name, void *val, uint32_t *len);
/* A connection accepted from a listener takes the options the listener keeps, as Linux's copy does. */
void socket_inherit_options(struct socket *to, const struct socket *from);

/*
 * Families other than AF_UNIX register their socket() here (AF_INET and
 * AF_INET6: kernel/net/inet_socket.c, when the network stack is built in).
 * create checks type and protocol itself (-ESOCKTNOSUPPORT,
 * -EPROTONOSUPPORT); a family nobody registered is -EAFNOSUPPORT.
 */
typedef int (*socket_create_fn)(struct vfs *vfs, int family, int type, int protocol,
				int flags, struct vfs_file **out);
void socket_register_family(int family, socket_create_fn create);
socket_create_fn socket_family(int family);

/*
 * AF_UNIX (unix_socket.c). socket() and socketpair() for SOCK_STREAM and
 * SOCK_DGRAM. cwd: the directory relative paths in bind and connect start
 * from (the caller's, under the VFS lock).
 */
int unix_socket_new(struct vfs *vfs, int type, int flags, struct vfs_file **out);
int unix_socketpair(struct vfs *vfs, int type, int flags, struct vfs_file *out[2]);
void unix_socket_set_cwd(const char *cwd);

#endif
