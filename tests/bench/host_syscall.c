/*
 * The host's side of the syscall benchmark: a Linux system call (getpid,
 * through the syscall() wrapper, so no libc cache can answer it), in ns.
 * scripts/bench prints it beside Carapace's function path and SYSCALL path.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	enum { N = 1000000 };
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++)
		syscall(SYS_getpid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("bench: host-getpid-syscall %lld ns\n",
	       ((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)) / N);
	return 0;
}
