/*
 * The kernel's side of ASLR (see carapace/aslr.h): the switches, and the
 * generator that layout decisions draw from.
 *
 * Layout decisions have a generator of their own, seeded from the kernel's
 * (random_bytes) at boot, so that aslr.seed=N can make them reproducible
 * without making getrandom(), /dev/urandom or AT_RANDOM predictable too:
 * with a seed, only the layout is known to whoever knows N.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/aslr.h>
#include <carapace/console.h>
#include <carapace/csprng.h>
#include <carapace/options.h>
#include <carapace/random.h>
#include <carapace/spinlock.h>
#include <carapace/wipe.h>

/* The kernel image: slid to a random base at boot (reloc.c). */
extern char __text_start[];

/* How reloc.c chose the kernel image's base (enum kreloc_how). */
static const char *const kernel_base_sources[] = {
	[KRELOC_OFF] = "not moved (aslr=off)",
	[KRELOC_RDRAND] = "random (RDRAND)",
	[KRELOC_TSC] = "random from the TSC (weak: no RDRAND)",
	[KRELOC_SEED] = "from aslr.seed",
	[KRELOC_NO_TABLES] = "not moved: the image is too large for the boot tables",
};

static struct spinlock layout_lock = SPINLOCK_INIT;
static struct csprng layout_rng;
static bool enabled = true;
static bool show;
static bool seeded_from_option; /* aslr.seed=N: reproducible, never mixed */

void aslr_init(const struct boot_options *o)
{
	uint8_t seed[32];

	enabled = !o->aslr_off;
	show = o->layout_show;
	random_init();
	seeded_from_option = o->aslr_seeded;
	if (o->aslr_seeded) {
		for (int i = 0; i < 8; i++)
			seed[i] = (uint8_t)(o->aslr_seed >> (8 * i));
		csprng_seed(&layout_rng, seed, 8);
		kprintf("carapace: warning: aslr.seed=%llu: the layout is reproducible, "
			"known to anyone who knows the seed (insecure)\n",
			(unsigned long long)o->aslr_seed);
	} else {
		random_bytes(seed, sizeof(seed));
		csprng_seed(&layout_rng, seed, sizeof(seed));
	}
	wipe(seed, sizeof(seed));
	klog("aslr: %s%s\n", enabled ? "on" : "off (lowest fit)",
	     enabled && o->aslr_seeded ? ", seeded from aslr.seed" : "");
	if (kernel_image_how == KRELOC_TSC || kernel_image_how == KRELOC_NO_TABLES)
		kprintf("carapace: warning: kernel image base %s\n",
			kernel_base_sources[kernel_image_how]);
	klog("aslr: kernel image at 0x%llx, %s\n", (unsigned long long)__text_start,
	     kernel_image_how < sizeof(kernel_base_sources) / sizeof(kernel_base_sources[0]) ?
	     kernel_base_sources[kernel_image_how] : "?");
	aslr_layout_report("kernel", (uint64_t)__text_start);
}

void aslr_reseed_layout(void)
{
	uint8_t fresh[32];
	uint64_t flags;

	if (seeded_from_option)
		return;
	random_bytes(fresh, sizeof(fresh));
	flags = spin_lock_irqsave(&layout_lock);
	csprng_mix(&layout_rng, fresh, sizeof(fresh));
	spin_unlock_irqrestore(&layout_lock, flags);
	wipe(fresh, sizeof(fresh));
}

bool aslr_enabled(void)
{
	return enabled;
}

int aslr_pick_base(const char *name, const struct aslr_request *req,
		   const struct aslr_region *placed, size_t nplaced,
		   uint64_t *base)
{
	struct aslr_choice c;
	uint64_t flags = spin_lock_irqsave(&layout_lock);
	int rc = aslr_plan(req, placed, nplaced, enabled ? &layout_rng : NULL, &c);

	spin_unlock_irqrestore(&layout_lock, flags);
	if (rc < 0)
		return rc;
	*base = c.base;
	if (name != NULL) {
		klog("aslr: %s at 0x%llx, %u bits (%llu bases possible)\n", name,
		     (unsigned long long)c.base, enabled ? c.entropy_bits : 0,
		     (unsigned long long)(enabled ? c.slots : 1));
		aslr_layout_report(name, c.base);
	}
	return 0;
}

uint64_t aslr_random_below(uint64_t n)
{
	uint64_t flags, v;

	if (!enabled)
		return 0;
	flags = spin_lock_irqsave(&layout_lock);
	v = csprng_below(&layout_rng, n);
	spin_unlock_irqrestore(&layout_lock, flags);
	return v;
}

void aslr_stream_init(struct csprng *s)
{
	uint8_t seed[32] = { 0 };
	uint64_t flags;

	if (enabled) {
		flags = spin_lock_irqsave(&layout_lock);
		csprng_bytes(&layout_rng, seed, sizeof(seed));
		spin_unlock_irqrestore(&layout_lock, flags);
	}
	csprng_seed(s, seed, sizeof(seed));
	wipe(seed, sizeof(seed));
}

void aslr_stream_bytes(struct csprng *s, void *buf, size_t len)
{
	if (enabled && !seeded_from_option) {
		uint8_t fresh[32];

		random_bytes(fresh, sizeof(fresh));
		csprng_mix(s, fresh, sizeof(fresh));
		wipe(fresh, sizeof(fresh));
	}
	csprng_bytes(s, buf, len);
}

#define STACK_OFFSET_LIMIT 4096 /* a page */
#define STACK_ALIGN        16

uint64_t aslr_stack_offset(void)
{
	return aslr_random_below(STACK_OFFSET_LIMIT / STACK_ALIGN) * STACK_ALIGN;
}

void aslr_layout_report(const char *region, uint64_t addr)
{
	if (show)
		kprintf("layout %s 0x%llx\n", region, (unsigned long long)addr);
}
