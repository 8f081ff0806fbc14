/*
 * Random bytes for the kernel (see carapace/random.h): one ChaCha20
 * generator (aslr/csprng.c) behind a lock, seeded from the best seed
 * source the CPU has, and from every device source added at boot
 * (virtio-rng). A CPU source that fails a health check is dropped, with a
 * warning, for the next one; the last is TSC jitter, which is weak and
 * says so on the console unless a device source is there.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/console.h>
#include <carapace/csprng.h>
#include <carapace/fmt.h>
#include <carapace/random.h>
#include <carapace/spinlock.h>
#include <carapace/wipe.h>

/* Bytes generated per hold of the lock: interrupts stay off that long. */
#define RANDOM_LOCK_CHUNK 256
#define RANDOM_MAX_DEVICE_SOURCES 2
#define RANDOM_SOURCES_NAME_MAX 64

static struct spinlock random_lock = SPINLOCK_INIT;
static struct csprng rng;
static bool initialised;
static size_t source_index;
static bool warned_weak;
static bool boot_reported; /* random_boot_report ran: warn at once from now on */
/* Device sources (virtio-rng), mixed in at every (re)seed beside the CPU's. */
static struct entropy_source *device_sources[RANDOM_MAX_DEVICE_SOURCES];
static size_t ndevice_sources;
static char sources_name[RANDOM_SOURCES_NAME_MAX];

static void warn_failed(const struct entropy_source *src)
{
	kprintf("carapace: warning: random seed source %s failed its health "
		"check (%s); dropping it\n", src->name, src->why);
}

/* Mixes CSPRNG_SEED_WORDS from a device source in; false if it failed. */
static bool mix_device_locked(struct entropy_source *src)
{
	uint64_t words[CSPRNG_SEED_WORDS];
	bool ok = false;

	if (!src->failed) {
		ok = entropy_gather(src, words, CSPRNG_SEED_WORDS) == 0;
		if (ok)
			csprng_mix(&rng, words, sizeof(words));
		else
			warn_failed(src);
	}
	wipe(words, sizeof(words));
	return ok;
}

/* Whether a device source is still in service. */
static bool device_source_alive(void)
{
	for (size_t i = 0; i < ndevice_sources; i++)
		if (!device_sources[i]->failed)
			return true;
	return false;
}

/* Weak: no hardware at all, only the TSC jitter fallback (or nothing). */
static bool weak_locked(void)
{
	return (rng.source == NULL || rng.source->weak) && !device_source_alive();
}

static void warn_if_weak_locked(void)
{
	if (!boot_reported || warned_weak || !weak_locked())
		return;
	if (rng.source)
		kprintf("carapace: warning: no RDSEED/RDRAND: random bytes "
			"come from the %s fallback and are weak\n", rng.source->name);
	else
		kprintf("carapace: warning: no random seed source works: random bytes "
			"are predictable\n");
	warned_weak = true;
}

/*
 * Seeds or reseeds from the current CPU source, moving down the list while
 * sources fail, then from each device source. The TSC is mixed in as well,
 * for what it is worth. 0 when at least one source gave its words.
 */
static int reseed_locked(void)
{
	uint64_t tsc = rdtsc();
	int rc = -EIO;

	csprng_mix(&rng, &tsc, sizeof(tsc));
	for (;;) {
		struct entropy_source *src = arch_entropy_source(source_index);

		rng.source = src;
		if (src == NULL)
			break;
		if (csprng_reseed(&rng) == 0) {
			rc = 0;
			break;
		}
		warn_failed(src);
		source_index++;
	}
	for (size_t i = 0; i < ndevice_sources; i++)
		if (mix_device_locked(device_sources[i]))
			rc = 0;
	if (rc == 0)
		rng.seeded = true;
	warn_if_weak_locked();
	return rc;
}

static void init_locked(void)
{
	if (initialised)
		return;
	csprng_init(&rng, NULL, RANDOM_RESEED_BYTES);
	initialised = true;
	reseed_locked();
}

void random_init(void)
{
	uint64_t flags = spin_lock_irqsave(&random_lock);

	init_locked();
	spin_unlock_irqrestore(&random_lock, flags);
}

/*
 * After a draw: a scheduled reseed inside csprng_bytes may have retired the
 * CPU source (move on), or drawn from it alone (add the device sources).
 */
static void after_draw_locked(uint64_t reseeds_before)
{
	if (rng.source && rng.source->failed)
		reseed_locked();
	else if (rng.reseeds != reseeds_before)
		for (size_t i = 0; i < ndevice_sources; i++)
			mix_device_locked(device_sources[i]);
}

static void generate_locked(void *buf, size_t len)
{
	uint64_t reseeds;

	init_locked();
	reseeds = rng.reseeds;
	if (csprng_bytes(&rng, buf, len) < 0)
		rng.seeded = true; /* no source at all: run on the key we have */
	after_draw_locked(reseeds);
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
	uint64_t v, reseeds;


	init_locked();
	reseeds = rng.reseeds;
	v = csprng_below(&rng, n);
	after_draw_locked(reseeds);
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

/* "RDRAND and virtio-rng": the sources in service, the weak one only alone. */
static const char *sources_name_locked(void)
{
	size_t n = 0;

	sources_name[0] = '\0';
	if (rng.source && !rng.source->weak)
		n += fmt_snprintf(sources_name, sizeof(sources_name), "%s", rng.source->name);
	for (size_t i = 0; i < ndevice_sources && n < sizeof(sources_name); i++)
		if (!device_sources[i]->failed)
			n += fmt_snprintf(sources_name + n, sizeof(sources_name) - n, "%s%s",
					  n ? " and " : "", device_sources[i]->name);
	if (n == 0)
		return rng.source ? rng.source->name : "none";
	return sources_name;
}

void random_status(struct random_status *st)
{
	uint64_t flags = spin_lock_irqsave(&random_lock);

	init_locked();
	st->source = sources_name_locked();
	st->weak = weak_locked();
	st->reseeds = rng.reseeds;
	st->reseed_failures = rng.reseed_failures;
	spin_unlock_irqrestore(&random_lock, flags);
}

int random_add_source(struct entropy_source *src)
{
	uint64_t flags = spin_lock_irqsave(&random_lock);
	int rc = -ENOSPC;

	init_locked();
	if (ndevice_sources < RANDOM_MAX_DEVICE_SOURCES) {
		rc = mix_device_locked(src) ? 0 : -EIO;
		if (rc == 0)
			device_sources[ndevice_sources++] = src;
	}
	spin_unlock_irqrestore(&random_lock, flags);
	return rc;
}

void random_boot_report(void)
{
	uint64_t flags = spin_lock_irqsave(&random_lock);

	init_locked();
	boot_reported = true;
	if (weak_locked())
		warn_if_weak_locked();
	else if (console_verbose) /* klog's line: its name is not built for nothing */
		klog("random: ChaCha20 generator seeded from %s\n", sources_name_locked());
	spin_unlock_irqrestore(&random_lock, flags);
}
