/*
 * Futexes: the one blocking primitive musl's threads are built on
 * (pthread mutexes, condition variables, join, barriers, semaphores).
 *
 * There is one address space, so a futex is named by its address alone:
 * private and shared futexes are the same thing. Waiters hang in one of
 * FUTEX_BUCKETS lists chosen by a hash of the address, each under a
 * spinlock. A waiter lives on its own stack; the protocol below makes sure
 * that nobody touches it once its wait returns:
 *
 *   - a waker takes the bucket lock, unlinks the waiter, marks it woken and
 *     wakes its thread, all before unlocking;
 *   - a waiter always takes its (current) bucket's lock once more before
 *     returning, so a waker still busy with it is done by then.
 *
 * Requeue moves waiters to another address (and so maybe another bucket):
 * a waiter therefore reads which bucket it is in under that bucket's lock.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/app_copy.h>
#include <carapace/clock.h>
#include <carapace/futex.h>
#include <carapace/spinlock.h>
#include <carapace/thread.h>

#define FUTEX_BUCKETS 64 /* a power of two */

struct futex_waiter {
	uint64_t addr;
	uint32_t bitset;
	bool woken;
	struct thread *thread;
	struct futex_bucket *bucket;
	struct futex_waiter *prev, *next;
};

struct futex_bucket {
	struct spinlock lock;
	struct futex_waiter *head;
};

static struct futex_bucket buckets[FUTEX_BUCKETS];

static struct futex_bucket *bucket_of(uint64_t addr)
{
	uint64_t h = (addr >> 2) * 0x9e3779b97f4a7c15ull;

	return &buckets[(h >> 32) & (FUTEX_BUCKETS - 1)];
}

static void unlink_waiter(struct futex_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		w->bucket->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

static void link_waiter(struct futex_bucket *b, struct futex_waiter *w)
{
	__atomic_store_n(&w->bucket, b, __ATOMIC_RELEASE);
	w->prev = NULL;
	w->next = b->head;
	if (b->head)
		b->head->prev = w;
	b->head = w;
}

/* Locks the bucket w is in now (requeue may move it meanwhile). */
static struct futex_bucket *lock_waiter_bucket(struct futex_waiter *w, uint64_t *flags)
{
	for (;;) {
		struct futex_bucket *b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);

		*flags = spin_lock_irqsave(&b->lock);
		if (b == w->bucket)
			return b;
		spin_unlock_irqrestore(&b->lock, *flags);
	}
}

int futex_wait(uint32_t *uaddr, uint32_t expected, uint32_t bitset, uint64_t deadline_ns)
{
	return futex_wait_interruptible(uaddr, expected, bitset, deadline_ns, NULL, NULL);
}

/*
 * stop (may be NULL) is asked before each sleep: true ends the wait with
 * -EINTR (a signal's handler is to run; its raiser wakes the thread with
 * thread_wake after the signal is in, and the sleeper set up its wait
 * before its first look, so one of the two sees the other). A wake-up
 * that came meanwhile wins: 0, and the futex's wake is not lost.
 */
int futex_wait_interruptible(uint32_t *uaddr, uint32_t expected, uint32_t bitset,
			     uint64_t deadline_ns, bool (*stop)(void *arg), void *arg)
{
	struct futex_waiter w = { .addr = (uint64_t)uaddr, .bitset = bitset,
				  .thread = thread_current() };
	struct futex_bucket *b = bucket_of(w.addr);
	uint64_t flags;
	uint32_t now;
	int rc = 0;

	flags = spin_lock_irqsave(&b->lock);
	/* The word may have been unmapped since the call was checked. */
	if ((rc = app_load_u32(uaddr, &now)) || now != expected) {
		spin_unlock_irqrestore(&b->lock, flags);
		return rc ? rc : -EAGAIN;
	}
	link_waiter(b, &w);
	sched_prepare_wait(); /* from here a wake-up is not lost */
	spin_unlock_irqrestore(&b->lock, flags);

	while (!__atomic_load_n(&w.woken, __ATOMIC_ACQUIRE)) {
		if (stop && stop(arg)) {
			rc = -EINTR;
			break;
		}
		if (sched_wait(deadline_ns) == -ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
		sched_prepare_wait();
	}
	sched_finish_wait();

	b = lock_waiter_bucket(&w, &flags);
	if (w.woken)
		rc = 0;
	else
		unlink_waiter(&w);
	spin_unlock_irqrestore(&b->lock, flags);
	return rc;
}

/* Wakes up to n waiters on addr whose bitset meets bitset; the bucket is locked. */
static int wake_locked(struct futex_bucket *b, uint64_t addr, uint32_t bitset, int n)
{
	struct futex_waiter *w = b->head, *next;
	int woken = 0;

	for (; w && woken < n; w = next) {
		next = w->next;
		if (w->addr != addr || !(w->bitset & bitset))
			continue;
		unlink_waiter(w);
		__atomic_store_n(&w->woken, true, __ATOMIC_RELEASE);
		thread_wake(w->thread);
		woken++;
	}
	return woken;
}

int futex_wake(uint32_t *uaddr, uint32_t bitset, int n)
{
	uint64_t addr = (uint64_t)uaddr;
	struct futex_bucket *b = bucket_of(addr);
	uint64_t flags = spin_lock_irqsave(&b->lock);
	int woken = wake_locked(b, addr, bitset, n);

	spin_unlock_irqrestore(&b->lock, flags);
	return woken;
}

/* Locks two buckets in address order (once if they are the same). */
static uint64_t lock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	uint64_t flags;

	if (a == b)
		return spin_lock_irqsave(&a->lock);
	flags = spin_lock_irqsave(a < b ? &a->lock : &b->lock);
	spin_lock(a < b ? &b->lock : &a->lock);
	return flags;
}

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b, uint64_t flags)
{
	if (a != b)
		spin_unlock(a < b ? &b->lock : &a->lock);
	spin_unlock_irqrestore(a < b ? &a->lock : &b->lock, flags);
}

/*
 * Wakes up to nwake waiters on from, then moves up to nmove of the others
 * to to. With check, only if *from still holds expected (else -EAGAIN).
 * Returns the number woken plus the number moved, as Linux's CMP_REQUEUE.
 */
int futex_requeue(uint32_t *from, uint32_t *to, int nwake, int nmove, bool check,
		  uint32_t expected)
{
	uint64_t a = (uint64_t)from, t = (uint64_t)to;
	struct futex_bucket *ba = bucket_of(a), *bt = bucket_of(t);
	struct futex_waiter *w, *next;
	uint64_t flags = lock_two(ba, bt);
	uint32_t now;
	int done, moved = 0;

	if (check && ((done = app_load_u32(from, &now)) || now != expected)) {
		unlock_two(ba, bt, flags);
		return done ? done : -EAGAIN;
	}
	done = wake_locked(ba, a, UINT32_MAX, nwake);
	for (w = ba->head; w && moved < nmove; w = next) {
		next = w->next;
		if (w->addr != a)
			continue;
		unlink_waiter(w);
		w->addr = t;
		link_waiter(bt, w); /* under both locks: its waiter rechecks the bucket */
		moved++;
	}
	unlock_two(ba, bt, flags);
	return done + moved;
}
