/*
 * test=csprng: the kernel's random generator on the real (or emulated)
 * hardware. Prints the seed source, a sample of getrandom's generator and
 * one of the layout generator (tests/unit/test_csprng_boots.py compares
 * them across boots), and checks that the output varies and is spread.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/aslr.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/random.h>

#define DIE_ROLLS 6000

static int check(bool ok, const char *what)
{
	if (!ok)
		kprintf("csprng: WRONG: %s\n", what);
	return ok ? 0 : 1;
}

static int ktest_csprng(void)
{
	struct random_status before, after;
	uint8_t a[512], b[512];
	unsigned counts[6] = { 0 };
	uint64_t x, y;
	int wrong = 0, zero = 0;

	random_status(&before);
	kprintf("csprng: seeded from %s%s\n", before.source,
		before.weak ? " (weak fallback)" : "");
	wrong += check(!before.weak, "seeded from hardware");

	x = random_u64();
	y = random_u64();
	wrong += check(x != y, "two 64-bit draws differ");
	random_bytes(a, sizeof(a));
	random_bytes(b, sizeof(b));
	wrong += check(memcmp(a, b, sizeof(a)) != 0, "two 512-byte draws differ");
	for (size_t i = 0; i < sizeof(a); i++)
		zero += a[i] == 0;
	/* 512 bytes hold about 2 zeros; 20 would be a broken generator. */
	wrong += check(zero < 20, "bytes look uniform");

	for (int i = 0; i < DIE_ROLLS; i++) {
		uint64_t r = random_below(6);

		if (r >= 6)
			return check(false, "random_below(6) < 6");
		counts[r]++;
	}
	for (int i = 0; i < 6; i++) /* mean 1000, sd ~29: 30% off is > 10 sd */
		wrong += check(counts[i] > 700 && counts[i] < 1300, "a fair die");
	kprintf("csprng: die %u %u %u %u %u %u\n", counts[0], counts[1], counts[2],
		counts[3], counts[4], counts[5]);

	wrong += check(random_reseed() == 0, "reseed on request");
	random_status(&after);
	wrong += check(after.reseeds > before.reseeds, "the reseed is counted");
	kprintf("csprng: reseeds %llu, failed %llu\n",
		(unsigned long long)after.reseeds,
		(unsigned long long)after.reseed_failures);

	kprintf("csprng: sample 0x%016llx\n", (unsigned long long)random_u64());
	kprintf("csprng: layout sample 0x%016llx (aslr %s)\n",
		(unsigned long long)aslr_random_below(UINT64_MAX),
		aslr_enabled() ? "on" : "off");
	kprintf("csprng: %d wrong\n", wrong);
	return wrong ? 1 : 0;
}
KTEST("csprng", ktest_csprng);
