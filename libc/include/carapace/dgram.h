/*
 * <carapace/dgram.h>: Carapace's datagram API for applications (issue 16;
 * kernel/net/README.md, "The datagram API"). A UDP server reads a batch
 * of datagrams from its socket and sends a batch of replies, one call
 * each, without the msghdr and iovec of recvmmsg/sendmmsg:
 *
 *     struct carapace_dgram in[16];   set buf and len (the room) of each
 *     int n = carapace_dgram_recv(fd, in, 16, 0);
 *     ... in[i].len bytes at in[i].buf came from in[i].addr ...
 *     struct carapace_dgram out[16];  buf, len, addr, addrlen of each reply
 *     carapace_dgram_send(fd, out, n, 0);
 *
 * The kernel takes a datagram from the socket's net channel straight into
 * the buffer, and builds a reply's Ethernet, IP and UDP headers itself,
 * handing the frame to the device (IPv4 to a peer whose Ethernet address
 * it knows; anything else, e.g. before ARP has answered, goes through the
 * TCP/IP stack as sendto would). It works on the caller's own UDP sockets
 * (any other file: ENOTSOCK or EOPNOTSUPP), with or without a net channel.
 * Not POSIX: a portable program keeps recvmmsg/sendmmsg beside it.
 */
#ifndef CARAPACE_APP_DGRAM_H
#define CARAPACE_APP_DGRAM_H

#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Datagrams one call takes at most. */
#define CARAPACE_DGRAM_BATCH 16
/* flags out of carapace_dgram_recv: the datagram was longer than the room
 * (len then says its full length; the room's worth was copied). */
#define CARAPACE_DGRAM_TRUNC MSG_TRUNC

struct carapace_dgram {
	void *buf;          /* the payload */
	uint32_t len;       /* recv: the room at buf in, the datagram's length out;
			       send: the payload's length (at most 65507) */
	uint32_t flags;     /* recv: out, CARAPACE_DGRAM_TRUNC or 0; send: 0 */
	socklen_t addrlen;  /* recv: out; send: in, the length of addr used */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;             /* recv: the source; send: the destination */
};

/*
 * Up to n (1..CARAPACE_DGRAM_BATCH) datagrams from the UDP socket fd into
 * d[0..]: the count, or -1 with errno. flags: 0 or MSG_DONTWAIT; it waits
 * for the first datagram unless MSG_DONTWAIT or O_NONBLOCK (then EAGAIN),
 * never for the ones after. EINVAL: n or flags out of range; EFAULT: d or
 * a buffer not the application's writable memory (checked for the bytes
 * a datagram fills); EBADF, ENOTSOCK, EOPNOTSUPP: not a UDP socket.
 */
int carapace_dgram_recv(int fd, struct carapace_dgram *d, unsigned n, int flags);
/*
 * Sends d[0..n) on the UDP socket fd (flags must be 0): the count sent,
 * or -1 with errno when the first failed (EINVAL, EFAULT as above,
 * EMSGSIZE, EDESTADDRREQ, EAFNOSUPPORT, ...); a datagram that fails after
 * the first ends the batch, so a count short of n names the one that
 * failed. No SIGPIPE.
 */
int carapace_dgram_send(int fd, const struct carapace_dgram *d, unsigned n, int flags);

#ifdef __cplusplus
}
#endif

#endif
