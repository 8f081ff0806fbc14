/*
 * <carapace/stream.h>: Carapace's stream API for applications (issue 16;
 * kernel/net/README.md, "The stream API"). A server that epoll found
 * several connections of ready reads all of them with one call and sends
 * all their replies with another, instead of a recv and a send for each:
 *
 *     struct carapace_stream in[n];   buf, len (the room), fd of each
 *     carapace_stream_recv(in, n, 0);
 *     ... in[i].result bytes at in[i].buf, 0: the peer closed, < 0: -errno ...
 *     struct carapace_stream out[m];  buf, len, fd of each reply
 *     carapace_stream_send(out, m, 0);
 *
 * Each entry is what recv(fd, buf, len, MSG_DONTWAIT), or send(fd, buf,
 * len, MSG_DONTWAIT | MSG_NOSIGNAL), would do on its own, on any stream
 * socket (TCP, AF_UNIX): the call never waits, and never raises SIGPIPE.
 * Not POSIX: a portable program keeps recv/send beside it.
 */
#ifndef CARAPACE_APP_STREAM_H
#define CARAPACE_APP_STREAM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Entries one call takes at most. */
#define CARAPACE_STREAM_BATCH 32

struct carapace_stream {
	void *buf;       /* recv: where the bytes go; send: the bytes */
	uint32_t len;    /* recv: the room at buf; send: how many to send */
	int32_t fd;      /* a stream socket */
	int64_t result;  /* out: the bytes moved (a send may move fewer than len;
			    a receive's 0 is the end of the stream), or -errno:
			    EAGAIN (nothing to read, no room to send), EBADF,
			    ENOTSOCK, EOPNOTSUPP (not a stream socket), EFAULT
			    (buf not the application's memory: nothing moved),
			    EPIPE, ECONNRESET, ... */
};

/*
 * One receive (send) per entry of s[0..n), n 1..CARAPACE_STREAM_BATCH,
 * flags 0: n, every entry's result set; or -1 with errno EINVAL (n or
 * flags out of range) or EFAULT (s not the application's writable
 * memory; also when a page of it vanished during the call: the entries
 * before it were done).
 */
int carapace_stream_recv(struct carapace_stream *s, unsigned n, int flags);
int carapace_stream_send(struct carapace_stream *s, unsigned n, int flags);

#ifdef __cplusplus
}
#endif

#endif
