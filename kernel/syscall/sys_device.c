/* Handlers for the devices the kernel always has: random bytes, the console. */
#include <stdint.h>

#include <carapace/syscall.h>

#include "syscall_impl.h"

#define GETRANDOM_MAX 0x7fffffffL /* Linux returns at most INT_MAX bytes */

/*
 * The kernel's generator is seeded before the application starts, so
 * getrandom never blocks and GRND_RANDOM draws from the same source.
 */
long sys_getrandom(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	unsigned long count = (unsigned long)args[1];
	long flags = args[2];

	if ((flags & LINUX_GRND_INSECURE) && (flags & LINUX_GRND_RANDOM))
		return -EINVAL;
	if (count > GETRANDOM_MAX)
		count = GETRANDOM_MAX;
	if (count)
		env->random(env->ctx, (void *)args[0], count);
	return (long)count;
}

/*
 * The console is not a terminal: TIOCGWINSZ and TCGETS answer -ENOTTY, so
 * musl's stdout is fully buffered and the kernel flushes it on every exit
 * path. FIONBIO is accepted (the console never blocks). Other fds have no
 * ioctls until the fd layer exists.
 */
long sys_ioctl(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int fd = (int)args[0];
	unsigned cmd = (unsigned)args[1];

	if (!env->is_console(env->ctx, fd))
		return -ENOTTY;
	if (cmd == LINUX_FIONBIO)
		return syscall_check_range(env, (uintptr_t)args[2],
					   sizeof(int32_t), false);
	return -ENOTTY;
}
