/*
 * getrandom: the kernel's random bytes. (ioctl, on descriptors, is
 * sys_files.c's.)
 */
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

