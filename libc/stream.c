/*
 * The stream API as applications see it (libc/include/carapace/stream.h):
 * two system calls of Carapace's own numbers (kernel/syscall/sys_net.c),
 * made through musl's syscall(), which turns -errno into -1 and errno, as
 * the datagram API's (libc/dgram.c). The count and flags go as longs:
 * syscall() reads every argument as one, and an int's upper half in its
 * register is not defined.
 */
#include <carapace/syscall.h>

long syscall(long number, ...);

struct carapace_stream;

int carapace_stream_recv(struct carapace_stream *s, unsigned n, int flags);
int carapace_stream_send(struct carapace_stream *s, unsigned n, int flags);

int carapace_stream_recv(struct carapace_stream *s, unsigned n, int flags)
{
	return (int)syscall(SYSCALL_NR_CARAPACE_STREAM_RECV, s, (long)n, (long)flags);
}

int carapace_stream_send(struct carapace_stream *s, unsigned n, int flags)
{
	return (int)syscall(SYSCALL_NR_CARAPACE_STREAM_SEND, s, (long)n, (long)flags);
}
