/*
 * FD_SET of descriptor FD_SETSIZE, one past the set: the fortified macro
 * goes through __fdelt_chk, which ends the run with violation=fortify,
 * status 139, instead of setting a bit past the fd_set.
 */
#include <stdio.h>
#include <sys/select.h>

int main(int argc, char **argv)
{
	fd_set set;
	int fd = FD_SETSIZE - 1 + argc;

	(void)argv;
	FD_ZERO(&set);
	printf("fortify_fdset: FD_SET(%d) in a set of %d\n", fd, FD_SETSIZE);
	fflush(stdout);
	FD_SET(fd, &set);
	printf("fortify_fdset: returned\n");
	return FD_ISSET(fd, &set);
}
