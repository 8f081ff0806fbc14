/*
 * demo: what `bash scripts/demo` boots. An ordinary C program, built with
 * `scripts/carapace cc` against musl, that runs in ring 0 in the kernel's
 * address space: it greets, starts a few POSIX threads that share a
 * counter under a mutex, writes and reads back a file in /tmp, and shows
 * where ASLR put some of its own addresses this time (run it twice, or
 * with --kernel-arg aslr=off, to compare).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#define THREADS 4
#define ROUNDS  10000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static int file_round_trip(void)
{
	const char text[] = "written by the demo application\n";
	char back[sizeof(text)] = "";
	FILE *f = fopen("/tmp/demo.txt", "w+");

	if (!f)
		return 0;
	fputs(text, f);
	rewind(f);
	if (!fgets(back, sizeof(back), f))
		back[0] = '\0';
	fclose(f);
	return strcmp(text, back) == 0;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	struct utsname u;
	int stack_variable = 0;
	void *block = malloc(64);

	uname(&u);
	printf("Hello from a Carapace application: %s %s on %s, argv[0]=%s, %d argument(s)\n",
	       u.sysname, u.release, u.machine, argv[0], argc - 1);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, count, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("threads: %d threads counted to %ld (expected %d)\n", THREADS, counter,
	       THREADS * ROUNDS);
	printf("files: /tmp/demo.txt written and read back: %s\n",
	       file_round_trip() ? "ok" : "FAILED");
	printf("aslr: main %p, a heap block %p, a stack variable %p, printf %p\n",
	       (void *)main, block, (void *)&stack_variable, (void *)printf);
	free(block);
	return counter == THREADS * ROUNDS ? 0 : 1;
}
