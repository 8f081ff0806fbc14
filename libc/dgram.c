/*
 * The datagram API as applications see it (libc/include/carapace/dgram.h):
 * two system calls of Carapace's own numbers (kernel/syscall/sys_net.c),
 * made through musl's syscall(), which turns -errno into -1 and errno.
 * The integers go as longs: syscall() reads every argument as one, and an
 * int's upper half in its register is not defined.
 * A system call and not a direct call into the kernel: the kernel checks
 * the application's pointers against the caller's frame (its stack), and
 * runs on the thread's syscall stack, as for every other call.
 */
#include <stdint.h>

#include <carapace/syscall.h>

long syscall(long number, ...);

struct carapace_dgram;

int carapace_dgram_recv(int fd, struct carapace_dgram *d, unsigned n, int flags);
int carapace_dgram_send(int fd, const struct carapace_dgram *d, unsigned n, int flags);

int carapace_dgram_recv(int fd, struct carapace_dgram *d, unsigned n, int flags)
{
	return (int)syscall(SYSCALL_NR_CARAPACE_DGRAM_RECV, (long)fd, d, (long)n, (long)flags);
}

int carapace_dgram_send(int fd, const struct carapace_dgram *d, unsigned n, int flags)
{
	return (int)syscall(SYSCALL_NR_CARAPACE_DGRAM_SEND, (long)fd, d, (long)n, (long)flags);
}
