/*
 * tls: thread-local storage of the application and of a library it loads
 * (libdemo): every thread starts from the initial values, its writes stay
 * its own, and the application sees the library's variable directly too.
 * Prints "tls: 0 failed".
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

extern __thread int demo_tls;  /* libdemo's */
int demo_tls_bump(void);

static __thread long counter = 100;
static __thread char name[32] = "initial";
static __thread long zeroed[64];
static int failed;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAILED: %s\n", what);
		failed++;
	}
}

static void *worker(void *arg)
{
	long id = (long)(intptr_t)arg;
	long ok = counter == 100 && name[0] == 'i' && zeroed[63] == 0 && demo_tls == 7;

	for (int i = 0; i < 1000; i++) {
		counter++;
		zeroed[i % 64] += id;
		demo_tls_bump();
	}
	snprintf(name, sizeof(name), "thread %ld", id);
	ok = ok && counter == 1100 && demo_tls == 1007 && zeroed[0] == 16 * id;
	return (void *)ok;
}

int main(void)
{
	pthread_t t[8];
	int good = 0;

	counter = 5;
	demo_tls = 50;
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)(i + 1));
	for (int i = 0; i < 8; i++) {
		void *v;

		pthread_join(t[i], &v);
		good += v != NULL;
	}
	printf("tls: %d of 8 threads saw their own copies\n", good);
	check(good == 8, "threads' own copies");
	check(counter == 5 && demo_tls == 50 && name[0] == 'i', "main thread's copies kept");
	check(demo_tls_bump() == 51, "the library's variable through its function");
	printf("tls: %d failed\n", failed);
	return failed != 0;
}
