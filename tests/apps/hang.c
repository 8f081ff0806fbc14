/*
 * hang: never ends, for the launcher's --timeout and the kernel's hang
 * report (kernel/arch/x86_64/nmi.c).
 *
 *   hang spin          the main thread, named "spinner", spins in the application
 *   hang spin-sleep    the same, and a thread named "sleeper" sleeps in the kernel
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

static volatile unsigned long spins;

static void *sleeper(void *arg)
{
	struct timespec long_time = { .tv_sec = 100000 };

	(void)arg;
	prctl(PR_SET_NAME, "sleeper");
	for (;;)
		nanosleep(&long_time, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 2 || (strcmp(argv[1], "spin") && strcmp(argv[1], "spin-sleep"))) {
		fprintf(stderr, "usage: hang spin | spin-sleep\n");
		return 2;
	}
	prctl(PR_SET_NAME, "spinner");
	if (!strcmp(argv[1], "spin-sleep") && pthread_create(&t, NULL, sleeper, NULL)) {
		fprintf(stderr, "hang: pthread_create failed\n");
		return 1;
	}
	printf("hang: spinning\n");
	fflush(stdout);
	for (;;)
		spins++;
}
