/*
 * threads: POSIX threads as musl builds them on clone and futex. A mutex
 * shared by 64 threads, a condition variable hand-off, join values, many
 * short-lived threads, detached threads, a semaphore, a barrier and a
 * timed wait that times out. Prints "threads: 0 failed" when all is well.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define NTHREADS   64
#define ROUNDS     2000
#define SHORT_LIVED 1000

static int failed;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAILED: %s\n", what);
		failed++;
	}
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return (void *)((intptr_t)arg * 3);
}

static void mutex_and_join(void)
{
	pthread_t t[NTHREADS];
	int joined_right = 0;

	for (intptr_t i = 0; i < NTHREADS; i++)
		check(pthread_create(&t[i], NULL, add, (void *)i) == 0, "pthread_create");
	for (intptr_t i = 0; i < NTHREADS; i++) {
		void *value;

		check(pthread_join(t[i], &value) == 0, "pthread_join");
		joined_right += (intptr_t)value == i * 3;
	}
	printf("mutex: %d threads, counter %ld of %d, %d join values right\n", NTHREADS,
	       counter, NTHREADS * ROUNDS, joined_right);
	check(counter == NTHREADS * ROUNDS, "mutex counter");
	check(joined_right == NTHREADS, "join values");
}

/* A one-slot mailbox: a producer and a consumer take turns. */
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int slot, full;

static void *consume(void *arg)
{
	long sum = 0;

	(void)arg;
	for (int i = 1; i <= 1000; i++) {
		pthread_mutex_lock(&lock);
		while (!full)
			pthread_cond_wait(&changed, &lock);
		sum += slot;
		full = 0;
		pthread_cond_signal(&changed);
		pthread_mutex_unlock(&lock);
	}
	return (void *)sum;
}

static void condition_variable(void)
{
	pthread_t t;
	void *sum;

	pthread_create(&t, NULL, consume, NULL);
	for (int i = 1; i <= 1000; i++) {
		pthread_mutex_lock(&lock);
		while (full)
			pthread_cond_wait(&changed, &lock);
		slot = i;
		full = 1;
		pthread_cond_signal(&changed);
		pthread_mutex_unlock(&lock);
	}
	pthread_join(t, &sum);
	printf("cond: sum %ld of %d\n", (long)sum, 1000 * 1001 / 2);
	check((long)sum == 1000 * 1001 / 2, "condition variable hand-off");
}

static void *nothing(void *arg)
{
	return arg;
}

static void short_lived(void)
{
	int ok = 0;

	for (intptr_t i = 0; i < SHORT_LIVED; i++) {
		pthread_t t;
		void *value;

		if (pthread_create(&t, NULL, nothing, (void *)i) == 0 &&
		    pthread_join(t, &value) == 0 && (intptr_t)value == i)
			ok++;
	}
	printf("short-lived: %d of %d created and joined\n", ok, SHORT_LIVED);
	check(ok == SHORT_LIVED, "short-lived threads");
}

static sem_t done;

static void *detached(void *arg)
{
	(void)arg;
	sem_post(&done);
	return NULL;
}

static void detached_and_semaphore(void)
{
	pthread_attr_t attr;
	int posted = 0;

	sem_init(&done, 0, 0);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 16; i++) {
		pthread_t t;

		check(pthread_create(&t, &attr, detached, NULL) == 0, "detached create");
	}
	for (int i = 0; i < 16; i++)
		posted += sem_wait(&done) == 0;
	printf("detached: %d of 16 posted\n", posted);
	check(posted == 16, "detached threads and semaphore");
}

static pthread_barrier_t barrier;
static int arrived;

static void *meet(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&barrier);
	/* Past the barrier every thread must have arrived. */
	return (void *)(intptr_t)(__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) == 8);
}

static void barrier_wait(void)
{
	pthread_t t[8];
	int all = 0;

	pthread_barrier_init(&barrier, NULL, 8);
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, meet, NULL);
	for (int i = 0; i < 8; i++) {
		void *v;

		pthread_join(t[i], &v);
		all += (intptr_t)v;
	}
	printf("barrier: %d of 8 saw everyone\n", all);
	check(all == 8, "barrier");
}

static void timed_wait(void)
{
	struct timespec before, deadline, after;
	int rc;
	long ms;

	clock_gettime(CLOCK_REALTIME, &before);
	deadline = before;
	deadline.tv_nsec += 50 * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lock);
	rc = pthread_cond_timedwait(&changed, &lock, &deadline);
	pthread_mutex_unlock(&lock);
	clock_gettime(CLOCK_REALTIME, &after);
	ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
	printf("timedwait: %s after >= 50 ms: %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "?",
	       ms >= 50 ? "yes" : "no");
	check(rc == ETIMEDOUT && ms >= 50, "pthread_cond_timedwait timeout");
}

int main(void)
{
	mutex_and_join();
	condition_variable();
	short_lived();
	detached_and_semaphore();
	barrier_wait();
	timed_wait();
	printf("threads: %d failed\n", failed);
	return failed != 0;
}
