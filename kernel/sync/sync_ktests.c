/*
 * In-kernel tests of the synchronisation primitives (boot option
 * test=NAME): mutex, cond, sem, waitqueue-timeout, waitqueue-wake-exit,
 * rcu. Each prints one line and returns 0 when it passed. Threads are
 * spread over the CPUs so that wake-ups cross CPUs; clock_ns() is read
 * only at the ends, since under KVM on some hosts the TSC read traps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/cond.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>
#include <carapace/mutex.h>
#include <carapace/percpu.h>
#include <carapace/rcu.h>
#include <carapace/sem.h>
#include <carapace/thread.h>
#include <carapace/waitqueue.h>

#include "waitqueue_impl.h"

#define MS 1000000ull
#define MAX_WORKERS 8

static unsigned long long ms_since(uint64_t t0)
{
	return (unsigned long long)((clock_ns() - t0) / MS);
}

/*
 * Starts fn(arg) n times, the i-th on CPU i % cpu_count. False if one
 * failed; those started are left running (they may wait for the others),
 * and the test fails.
 */
static bool start_workers(struct thread **t, int n, void (*fn)(void *), void *arg,
			  const char *name)
{
	for (int i = 0; i < n; i++) {
		struct thread_attr attr = { .name = name, .cpu = (int)((unsigned)i % cpu_count) };

		t[i] = thread_create(fn, arg, &attr);
		if (!t[i]) {
			kprintf("%s: thread_create failed\n", name);
			return false;
		}
	}
	return true;
}

static void join_workers(struct thread **t, int n)
{
	for (int i = 0; i < n; i++)
		thread_join(t[i]);
}

/* ---- mutex: increments of a plain counter, exact only if exclusive ---- */

/*
 * Every contended hand-off costs a wake-up and a switch: 25,000 rounds keep
 * this to seconds under TCG.
 */
enum { MUTEX_THREADS = 8, MUTEX_ROUNDS = 100000 };

static struct mutex counter_lock = MUTEX_INIT;
static uint64_t counter;
static int mutex_errors;

static void mutex_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		mutex_lock(&counter_lock);
		if (!mutex_owned_by_me(&counter_lock))
			__atomic_add_fetch(&mutex_errors, 1, __ATOMIC_RELAXED);
		counter++;
		mutex_unlock(&counter_lock);
	}
}

static int ktest_mutex(void)
{
	struct thread *t[MUTEX_THREADS];
	uint64_t t0 = clock_ns();
	bool try_ok;

	counter = 0;
	if (!start_workers(t, MUTEX_THREADS, mutex_worker, NULL, "mutex"))
		return 1;
	join_workers(t, MUTEX_THREADS);
	/* trylock: taken when free, refused when held (even by the caller). */
	try_ok = mutex_trylock(&counter_lock) && !mutex_trylock(&counter_lock);
	mutex_unlock(&counter_lock);
	try_ok = try_ok && !mutex_owned_by_me(&counter_lock);
	kprintf("mutex: %d threads x %d increments on %u cpus: counter %llu of %llu, "
		"%d ownership errors, trylock %s, %llu ms\n", MUTEX_THREADS, MUTEX_ROUNDS,
		cpu_count, (unsigned long long)counter,
		(unsigned long long)MUTEX_THREADS * MUTEX_ROUNDS, mutex_errors,
		try_ok ? "ok" : "wrong", ms_since(t0));
	return counter != (uint64_t)MUTEX_THREADS * MUTEX_ROUNDS || mutex_errors || !try_ok;
}
KTEST("mutex", ktest_mutex);

/* ---- cond: a bounded buffer between producers and consumers ---- */

/* 30,000 items keep this to a few seconds under TCG with 4 CPUs. */
enum { COND_ITEMS = 30000, COND_SLOTS = 16, COND_PAIRS = 2 };

static struct {
	struct mutex lock;
	struct cond not_full, not_empty;
	uint64_t slot[COND_SLOTS];
	unsigned head, count;
	int produced, consumed; /* items put in and taken out so far */
	uint64_t sum;
} buf = { .lock = MUTEX_INIT, .not_full = COND_INIT, .not_empty = COND_INIT };

static void cond_producer(void *arg)
{
	(void)arg;
	mutex_lock(&buf.lock);
	while (buf.produced < COND_ITEMS) {
		if (buf.count == COND_SLOTS) {
			cond_wait(&buf.not_full, &buf.lock, 0);
			continue;
		}
		buf.slot[(buf.head + buf.count++) % COND_SLOTS] = (uint64_t)++buf.produced;
		cond_signal(&buf.not_empty);
	}
	mutex_unlock(&buf.lock);
}

static void cond_consumer(void *arg)
{
	(void)arg;
	mutex_lock(&buf.lock);
	while (buf.consumed < COND_ITEMS) {
		if (buf.count == 0) {
			cond_wait(&buf.not_empty, &buf.lock, 0);
			continue;
		}
		buf.sum += buf.slot[buf.head];
		buf.head = (buf.head + 1) % COND_SLOTS;
		buf.count--;
		buf.consumed++;
		cond_signal(&buf.not_full);
	}
	/* The last item may have left another consumer asleep: let it see. */
	cond_broadcast(&buf.not_empty);
	mutex_unlock(&buf.lock);
}

static int ktest_cond(void)
{
	const uint64_t want = (uint64_t)COND_ITEMS * (COND_ITEMS + 1) / 2;
	struct thread *t[2 * COND_PAIRS];
	uint64_t t0 = clock_ns();
	int timeout_ret;
	bool relocked;

	if (!start_workers(t, COND_PAIRS, cond_producer, NULL, "producer") ||
	    !start_workers(t + COND_PAIRS, COND_PAIRS, cond_consumer, NULL, "consumer"))
		return 1;
	join_workers(t, 2 * COND_PAIRS);
	/* A wait no one signals times out, with the mutex held again. */
	mutex_lock(&buf.lock);
	timeout_ret = cond_wait(&buf.not_full, &buf.lock, clock_ns() + 2 * MS);
	relocked = mutex_owned_by_me(&buf.lock);
	mutex_unlock(&buf.lock);
	kprintf("cond: %d producers, %d consumers, %d items through %d slots: sum %llu of %llu, "
		"timed wait %d%s, %llu ms\n", COND_PAIRS, COND_PAIRS, COND_ITEMS, COND_SLOTS,
		(unsigned long long)buf.sum, (unsigned long long)want, timeout_ret,
		relocked ? "" : " (mutex not held after it)", ms_since(t0));
	return buf.sum != want || buf.consumed != COND_ITEMS || timeout_ret != -ETIMEDOUT ||
	       !relocked;
}
KTEST("cond", ktest_cond);

/* ---- sem: two threads take turns ---- */

enum { SEM_ROUNDS = 10000 };

static struct sem ping = SEM_INIT(0), pong = SEM_INIT(0);
static int turns; /* changed only by whoever holds the turn */
static int sem_errors;

static void sem_ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < SEM_ROUNDS; i++) {
		sem_down(&ping);
		if (turns != 2 * i + 1)
			sem_errors++;
		turns++;
		sem_up(&pong);
	}
}

static int ktest_sem(void)
{
	struct thread_attr attr = { .name = "ponger", .cpu = (int)(1 % cpu_count) };
	struct thread *t = thread_create(sem_ponger, NULL, &attr);
	uint64_t t0 = clock_ns();
	int timeout_ret;
	bool left_over;

	if (!t)
		return 1;
	for (int i = 0; i < SEM_ROUNDS; i++) {
		if (turns != 2 * i)
			sem_errors++;
		turns++;
		sem_up(&ping);
		sem_down(&pong);
	}
	thread_join(t);
	left_over = sem_try_down(&ping) || sem_try_down(&pong);
	timeout_ret = sem_down_until(&pong, clock_ns() + MS);
	sem_up(&pong);
	left_over = left_over || !sem_try_down(&pong);
	kprintf("sem: %d round trips between cpus %u and %u: %d turns, %d out of order, "
		"timed down %d, counts %s, %llu ms\n", SEM_ROUNDS, 0u, 1 % cpu_count, turns,
		sem_errors, timeout_ret, left_over ? "wrong" : "ok", ms_since(t0));
	return turns != 2 * SEM_ROUNDS || sem_errors || timeout_ret != -ETIMEDOUT || left_over;
}
KTEST("sem", ktest_sem);

/* ---- waitqueue: a deadline with no waker, then a waker before it ---- */

static struct waitqueue wq_test = WAITQUEUE_INIT;
static int wq_flag;

static bool flag_set(void *arg)
{
	return __atomic_load_n((int *)arg, __ATOMIC_ACQUIRE) != 0;
}

/* Sets the flag and wakes the test's thread, wherever it sleeps by then. */
static void wq_waker(void *arg)
{
	(void)arg;
	thread_sleep_ns(MS);
	__atomic_store_n(&wq_flag, 1, __ATOMIC_RELEASE);
	waitqueue_wake_all(&wq_test);
}

static int ktest_waitqueue_timeout(void)
{
	struct thread_attr attr = { .name = "waker", .cpu = (int)(1 % cpu_count) };
	uint64_t t0 = clock_ns(), slept;
	int timed, woken;
	unsigned left;
	struct thread *t;

	timed = waitqueue_wait(&wq_test, t0 + 5 * MS);
	slept = clock_ns() - t0;
	t = thread_create(wq_waker, NULL, &attr);
	if (!t)
		return 1;
	woken = waitqueue_wait_event(&wq_test, flag_set, &wq_flag, clock_ns() + 1000 * MS);
	thread_join(t);
	left = waitqueue_wake_all(&wq_test);
	kprintf("waitqueue-timeout: a 5 ms wait returned %d after %llu us; "
		"a woken wait returned %d; %u left queued\n", timed,
		(unsigned long long)(slept / 1000), woken, left);
	return timed != -ETIMEDOUT || slept < 5 * MS || woken != 0 || left != 0;
}
KTEST("waitqueue-timeout", ktest_waitqueue_timeout);

/* ---- waitqueue-wake-exit: woken threads that exit before their waker is done ---- */

/*
 * The pattern of a hang fixed on 2026-12-07: waitqueue_wake_all pins the
 * threads it wakes; thread_wake may switch at once to a woken thread of
 * its own CPU that has run less than the waker; that thread returns,
 * exits, and the next thread's sched_finish_switch frees it, which waits
 * for the pin the waker (switched out inside waitqueue_wake_all) still
 * holds: interrupts off, for ever. Here one waker per CPU, pinned there,
 * first burns CPU time (so that a fresh thread has run less and
 * thread_wake switches to it), then round after round starts detached
 * sleepers on its own CPU, yields until they are all queued, and wakes
 * them; each sleeper exits as soon as its wait ends. Right after
 * waitqueue_wake_all returns, the waker counts which sleepers had already
 * exited and been freed (thread_free takes a thread off the list
 * thread_for_each walks). Odd rounds' sleepers wait with
 * waitqueue_wait_event, as the poll system calls do.
 */
enum { WAKE_EXIT_ROUNDS = 3000, WAKE_EXIT_MAX = 17, WAKE_EXIT_BURN_MS = 20 };

struct wake_exit_cpu {
	struct waitqueue wq;
	int cpu;
	bool use_event;     /* this round's sleepers use waitqueue_wait_event */
	int go;             /* their condition, set just before the wake-up */
	unsigned exited;    /* atomic: sleepers of this round past their wait */
	uint64_t ids[WAKE_EXIT_MAX];
	unsigned woken, exited_at_once, freed_at_once, wrong;
};

static struct wake_exit_cpu wake_exit[MAX_WORKERS];

/* Sleepers of a round: 1 to 3, every 32nd round 17 (more than one batch). */
static unsigned wake_exit_sleepers(int round)
{
	return round % 32 == 31 ? WAKE_EXIT_MAX : 1 + (unsigned)round % 3;
}

static void wake_exit_sleeper(void *arg)
{
	struct wake_exit_cpu *w = arg;
	int ret = w->use_event ? waitqueue_wait_event(&w->wq, flag_set, &w->go, 0) :
				 waitqueue_wait(&w->wq, 0);

	if (ret)
		__atomic_add_fetch(&w->wrong, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&w->exited, 1, __ATOMIC_SEQ_CST);
	/* returns: thread_exit, and the next thread on this CPU frees it */
}

static unsigned queued(struct waitqueue *wq)
{
	uint64_t flags = waitqueue_lock(wq);
	unsigned n = 0;

	for (struct wait_entry *e = waitqueue_first_locked(wq); e; e = e->next)
		n++;
	waitqueue_unlock(wq, flags);
	return n;
}

struct id_search {
	const uint64_t *ids;
	unsigned n, listed;
};

static void count_listed(const struct thread_info *ti, void *arg)
{
	struct id_search *s = arg;

	for (unsigned i = 0; i < s->n; i++)
		s->listed += ti->id == s->ids[i];
}

/* How many of the n threads are not freed yet. */
static unsigned still_listed(const uint64_t *ids, unsigned n)
{
	struct id_search s = { ids, n, 0 };

	thread_for_each(count_listed, &s);
	return s.listed;
}

static void wake_exit_waker(void *arg)
{
	struct wake_exit_cpu *w = arg;
	uint64_t burn_end = clock_ns() + WAKE_EXIT_BURN_MS * MS;

	while (clock_ns() < burn_end)
		__builtin_ia32_pause();
	for (int round = 0; round < WAKE_EXIT_ROUNDS; round++) {
		unsigned k = wake_exit_sleepers(round), n, started;

		w->use_event = round % 2;
		w->go = 0;
		__atomic_store_n(&w->exited, 0, __ATOMIC_SEQ_CST);
		for (started = 0; started < k; started++) {
			struct thread_attr attr = { .name = "wake-exit", .cpu = w->cpu,
						    .pinned = true, .detached = true,
						    .stack_size = 16 * 1024,
						    .id_out = &w->ids[started] };

			if (!thread_create(wake_exit_sleeper, w, &attr))
				break;
		}
		while (queued(&w->wq) < started)
			thread_yield();
		__atomic_store_n(&w->go, 1, __ATOMIC_SEQ_CST);
		n = waitqueue_wake_all(&w->wq);
		w->exited_at_once += __atomic_load_n(&w->exited, __ATOMIC_SEQ_CST);
		w->freed_at_once += started - still_listed(w->ids, started);
		w->woken += n;
		if (n != k)
			w->wrong++; /* woke too few, or thread_create failed */
		while (still_listed(w->ids, started))
			thread_yield();
		if (started < k)
			return;
	}
}

static int ktest_waitqueue_wake_exit(void)
{
	struct thread *t[MAX_WORKERS];
	unsigned ncpu = cpu_count < MAX_WORKERS ? cpu_count : MAX_WORKERS;
	unsigned woken = 0, exited = 0, freed = 0, wrong = 0, want = 0;
	uint64_t t0 = clock_ns();

	for (int round = 0; round < WAKE_EXIT_ROUNDS; round++)
		want += wake_exit_sleepers(round);
	want *= ncpu;
	for (unsigned i = 0; i < ncpu; i++) {
		struct thread_attr attr = { .name = "waker", .cpu = (int)i, .pinned = true };

		waitqueue_init(&wake_exit[i].wq);
		wake_exit[i].cpu = (int)i;
		t[i] = thread_create(wake_exit_waker, &wake_exit[i], &attr);
		if (!t[i])
			return 1;
	}
	join_workers(t, (int)ncpu);
	for (unsigned i = 0; i < ncpu; i++) {
		woken += wake_exit[i].woken;
		exited += wake_exit[i].exited_at_once;
		freed += wake_exit[i].freed_at_once;
		wrong += wake_exit[i].wrong;
	}
	kprintf("waitqueue-wake-exit: %u wake-ups of exiting threads of %u (%u cpus x %d "
		"rounds): %u exited and %u were freed before waitqueue_wake_all returned, "
		"%u wrong, %llu ms\n", woken, want, ncpu, WAKE_EXIT_ROUNDS, exited, freed, wrong,
		ms_since(t0));
	/* Most must switch at once, else the test no longer drives the pattern. */
	if (freed * 10 < woken * 9)
		kprintf("waitqueue-wake-exit: fewer than 9 in 10 woken threads ran before "
			"their waker went on: the pattern is not tested\n");
	return woken != want || wrong || freed * 10 < woken * 9;
}
KTEST("waitqueue-wake-exit", ktest_waitqueue_wake_exit);

/* ---- rcu: readers never see a freed object ---- */

enum { RCU_READERS = 3, RCU_UPDATES = 1000 };
#define RCU_MAGIC 0x5eed0b1ec75eed0bull

struct rcu_obj {
	uint64_t magic;
	uint64_t version;
	struct rcu_head rcu;
};

static struct rcu_obj *rcu_shared;
static bool rcu_stop;
static uint64_t rcu_reads, rcu_bad, rcu_freed_by_callback;

/* Read once each time: the object may be freed under a broken RCU. */
static bool obj_ok(const struct rcu_obj *p)
{
	return __atomic_load_n(&p->magic, __ATOMIC_RELAXED) == RCU_MAGIC;
}

static void rcu_reader(void *arg)
{
	uint64_t reads = 0, bad = 0;
	struct rcu_obj *p;

	(void)arg;
	while (!__atomic_load_n(&rcu_stop, __ATOMIC_RELAXED)) {
		rcu_read_lock();
		p = rcu_dereference(rcu_shared);
		/* Look twice, a while apart: a free in between shows as poison. */
		bad += !obj_ok(p);
		for (int i = 0; i < 50; i++)
			__builtin_ia32_pause();
		bad += !obj_ok(p);
		rcu_read_unlock();
		if (++reads % 256 == 0)
			thread_yield();
	}
	__atomic_add_fetch(&rcu_reads, reads, __ATOMIC_RELAXED);
	__atomic_add_fetch(&rcu_bad, bad, __ATOMIC_RELAXED);
}

static void rcu_free_obj(struct rcu_head *head)
{
	struct rcu_obj *p = (struct rcu_obj *)((char *)head - __builtin_offsetof(struct rcu_obj, rcu));

	if (!obj_ok(p))
		__atomic_add_fetch(&rcu_bad, 1, __ATOMIC_RELAXED);
	kfree(p);
	__atomic_add_fetch(&rcu_freed_by_callback, 1, __ATOMIC_RELAXED);
}

static struct rcu_obj *new_obj(uint64_t version)
{
	struct rcu_obj *p = kmalloc(sizeof(*p));

	if (p) {
		p->magic = RCU_MAGIC;
		p->version = version;
	}
	return p;
}

/* Even updates free the old object after synchronize_rcu, odd ones by call_rcu. */
static int ktest_rcu(void)
{
	struct thread *t[RCU_READERS];
	uint64_t t0 = clock_ns();
	int updates = 0, ret;

	ret = rcu_init();
	rcu_shared = new_obj(0);
	if (ret || !rcu_shared) {
		kprintf("rcu: rcu_init %d, or no memory\n", ret);
		return 1;
	}
	/* Readers on CPUs 1.. when there are several, so the writer's CPU is not theirs. */
	for (int i = 0; i < RCU_READERS; i++) {
		struct thread_attr attr = { .name = "reader",
					    .cpu = (int)((unsigned)(i + 1) % cpu_count) };

		t[i] = thread_create(rcu_reader, NULL, &attr);
		if (!t[i])
			return 1;
	}
	for (; updates < RCU_UPDATES; updates++) {
		struct rcu_obj *old = rcu_shared, *p = new_obj((uint64_t)updates + 1);

		if (!p)
			break;
		rcu_assign_pointer(rcu_shared, p);
		if (updates % 2) {
			call_rcu(&old->rcu, rcu_free_obj);
		} else {
			synchronize_rcu();
			kfree(old);
		}
	}
	__atomic_store_n(&rcu_stop, true, __ATOMIC_RELAXED);
	join_workers(t, RCU_READERS);
	rcu_barrier();
	kfree(rcu_shared);
	kprintf("rcu: %d readers, %d updates (%llu freed by call_rcu): %llu reads, "
		"%llu saw freed data, %llu ms\n", RCU_READERS, updates,
		(unsigned long long)rcu_freed_by_callback, (unsigned long long)rcu_reads,
		(unsigned long long)rcu_bad, ms_since(t0));
	return updates != RCU_UPDATES || rcu_bad || rcu_reads == 0 ||
	       rcu_freed_by_callback != RCU_UPDATES / 2;
}
KTEST("rcu", ktest_rcu);
