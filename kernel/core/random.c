/*
 * Random bytes for the kernel (see carapace/random.h): one ChaCha20
 * generator (aslr/csprng.c) behind a lock, seeded from the best seed
 * source the CPU has. A source that fails a health check is dropped, with
 * a warning, for the next one; the last is TSC jitter, which is weak and
 * says so on the console.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/csprng.h>
#include <carapace/random.h>
#include <carapace/spinlock.h>

#include "arch.h"

/* Bytes generated per hold of the lock: interrupts stay off that long. */
#define RANDOM_LOCK_CHUNK 256

static struct spinlock random_lock = SPINLOCK_INIT;
static struct csprng rng;
static bool initialised;
static size_t source_index;
static bool warned_weak;

/*
 * Seeds or reseeds from the current source, moving down the list while
 * sources fail. The TSC is mixed in as well, for what it is worth.
 */
static int reseed_locked(void)
{
	uint64_t tsc = rdtsc();

	csprng_mix(&rng, &tsc, sizeof(tsc));
	for (;;) {
		struct entropy_source *src = arch_entropy_source(source_index);

		rng.source = src;
		if (src == NULL)
			return -EIO;
		if (csprng_reseed(&rng) == 0) {
			if (src->weak && !warned_weak) {
				kprintf("carapace: warning: no RDSEED/RDRAND: random bytes "
					"come from the %s fallback and are weak\n", src->name);
				warned_weak = true;
			}
			return 0;
		}
		kprintf("carapace: warning: random seed source %s failed its health "
			"check (%s); dropping it\n", src->name, src->why);
		source_index++;
	}
}

static void init_locked(void)
{
	if (initialised)
		return;
	csprng_init(&rng, NULL, RANDOM_RESEED_BYTES);
	initialised = true;
	if (reseed_locked() < 0)
		kprintf("carapace: warning: no random seed source works: random bytes "
			"are predictable\n");
	else
		klog("random: ChaCha20 generator seeded from %s\n", rng.source->name);
}

void random_init(void)
{
	uint64_t flags = spin_lock_irqsave(&random_lock);

	init_locked();
	spin_unlock_irqrestore(&random_lock, flags);
}

/* A scheduled reseed inside csprng_bytes may retire the source: move on. */
static void generate_locked(void *buf, size_t len)
{
	init_locked();
	if (csprng_bytes(&rng, buf, len) < 0)
		rng.seeded = true; /* no source at all: run on the key we have */
	if (rng.source && rng.source->failed)
		reseed_locked();
}

void random_bytes(void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len > 0) {
		size_t n = len < RANDOM_LOCK_CHUNK ? len : RANDOM_LOCK_CHUNK;
		uint64_t flags = spin_lock_irqsave(&random_lock);

		generate_locked(out, n);
		spin_unlock_irqrestore(&random_lock, flags);
		out += n;
		len -= n;
	}
}

uint64_t random_u64(void)
{
	uint64_t v;

	random_bytes(&v, sizeof(v));
	return v;
}

uint64_t random_below(uint64_t n)
{
	uint64_t flags = spin_lock_irqsave(&random_lock);
	uint64_t v;

	init_locked();
	v = csprng_below(&rng, n);
	if (rng.source && rng.source->failed)
		reseed_locked();
	spin_unlock_irqrestore(&random_lock, flags);
	return v;
}

int random_reseed(void)
{
	uint64_t flags = spin_lock_irqsave(&random_lock);
	int rc;

	init_locked();
	rc = reseed_locked();
	spin_unlock_irqrestore(&random_lock, flags);
	return rc;
}

void random_status(struct random_status *st)
{
	uint64_t flags = spin_lock_irqsave(&random_lock);

	init_locked();
	st->source = rng.source ? rng.source->name : "none";
	st->weak = rng.source ? rng.source->weak : true;
	st->reseeds = rng.reseeds;
	st->reseed_failures = rng.reseed_failures;
	spin_unlock_irqrestore(&random_lock, flags);
}
