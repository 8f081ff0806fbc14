/*
 * The shrinker registry and reclaim (carapace/shrinker.h). The table is a
 * fixed array under a spinlock; callbacks are called with no lock held,
 * since they free memory (and so call into the allocator). One reclaim at a
 * time: a thread that finds one running goes on with its allocation rather
 * than waiting, as the running one is already giving memory back.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <carapace/shrinker.h>
#include <carapace/spinlock.h>

struct shrinker_slot {
	shrinker_fn fn;
	void *arg;
	const char *name;
};

static struct spinlock lock = SPINLOCK_INIT;
static struct shrinker_slot slots[SHRINKER_MAX];
static size_t (*read_free)(void);
static size_t watermark;
static unsigned next_asked;
static int reclaiming; /* 1 while a reclaim calls shrinkers */
static struct shrinker_stats stats;

void shrinker_init(size_t (*free_bytes)(void), size_t wm)
{
	spin_lock(&lock);
	read_free = free_bytes;
	watermark = wm;
	/* memset, not a loop: the compiler unrolled the loop into some 120
	 * instructions, which QEMU's TCG translates at every boot. */
	memset(slots, 0, sizeof(slots));
	next_asked = 0;
	memset(&stats, 0, sizeof(stats));
	spin_unlock(&lock);
}

int shrinker_register(const char *name, shrinker_fn fn, void *arg)
{
	int id = -ENOSPC;

	if (!fn)
		return -EINVAL;
	spin_lock(&lock);
	for (unsigned i = 0; i < SHRINKER_MAX; i++) {
		if (!slots[i].fn) {
			slots[i] = (struct shrinker_slot){ fn, arg, name ? name : "?" };
			id = (int)i;
			break;
		}
	}
	spin_unlock(&lock);
	return id;
}

int shrinker_unregister(int id)
{
	if (id < 0 || id >= SHRINKER_MAX)
		return -EINVAL;
	for (;;) {
		spin_lock(&lock);
		if (!__atomic_load_n(&reclaiming, __ATOMIC_ACQUIRE))
			break;
		spin_unlock(&lock);
		/* A reclaim may be calling this slot's callback right now. */
		__builtin_ia32_pause();
	}
	int err = slots[id].fn ? 0 : -EINVAL;

	slots[id] = (struct shrinker_slot){ 0 };
	spin_unlock(&lock);
	return err;
}

size_t shrinker_watermark(void)
{
	return __atomic_load_n(&watermark, __ATOMIC_RELAXED);
}

size_t shrinker_free_bytes(void)
{
	size_t (*f)(void) = __atomic_load_n(&read_free, __ATOMIC_ACQUIRE);

	return f ? f() : 0;
}

/* The bytes missing for free memory to stay at the watermark after `bytes`. */
static size_t shortfall(size_t bytes)
{
	size_t free_now = shrinker_free_bytes();
	size_t need = shrinker_watermark() + bytes;

	if (need < bytes) /* overflow: nobody can give that back */
		return (size_t)-1;
	return free_now >= need ? 0 : need - free_now;
}

/* Takes the next slot to ask from `from` on, or returns false. */
static bool take_slot(unsigned from, unsigned *at, struct shrinker_slot *s)
{
	bool found = false;

	spin_lock(&lock);
	for (unsigned k = from; k < SHRINKER_MAX; k++) {
		if (slots[k].fn) {
			*at = k;
			*s = slots[k];
			found = true;
			break;
		}
	}
	spin_unlock(&lock);
	return found;
}

size_t shrinker_before_alloc(size_t bytes)
{
	size_t want = shortfall(bytes), freed = 0;

	if (want == 0 || !__atomic_load_n(&read_free, __ATOMIC_RELAXED))
		return 0;
	/* A shrinker's own malloc, or another thread's, lands here: skip. */
	if (__atomic_exchange_n(&reclaiming, 1, __ATOMIC_ACQUIRE))
		return 0;
	__atomic_fetch_add(&stats.reclaims, 1, __ATOMIC_RELAXED);
	unsigned start = __atomic_load_n(&next_asked, __ATOMIC_RELAXED) % SHRINKER_MAX;
	/* Two passes over the table, from `start`: each slot is asked once. */
	for (unsigned pass = 0; pass < 2 && want > 0; pass++) {
		unsigned from = pass == 0 ? start : 0;
		unsigned limit = pass == 0 ? SHRINKER_MAX : start;
		unsigned at;
		struct shrinker_slot s;

		while (want > 0 && from < limit && take_slot(from, &at, &s) && at < limit) {
			size_t got = s.fn(want, s.arg);

			__atomic_fetch_add(&stats.calls, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&stats.freed, got, __ATOMIC_RELAXED);
			freed += got;
			__atomic_store_n(&next_asked, at + 1, __ATOMIC_RELAXED);
			from = at + 1;
			/* What the shrinker says it freed is a hint; free memory is the truth. */
			want = shortfall(bytes);
		}
	}
	__atomic_store_n(&reclaiming, 0, __ATOMIC_RELEASE);
	return freed;
}

void shrinker_get_stats(struct shrinker_stats *out)
{
	out->reclaims = __atomic_load_n(&stats.reclaims, __ATOMIC_RELAXED);
	out->calls = __atomic_load_n(&stats.calls, __ATOMIC_RELAXED);
	out->freed = __atomic_load_n(&stats.freed, __ATOMIC_RELAXED);
}
