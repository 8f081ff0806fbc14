/*
 * The x86_64 seed sources (kernel-only; the checks on their output are the
 * portable aslr/entropy.c). Intel SDM vol. 1 7.3.17 and vol. 2: RDSEED
 * gives conditioned entropy straight from the hardware source, RDRAND the
 * output of a hardware DRBG that source reseeds; both set CF=1 when the
 * value is valid and CF=0 (and a zero value) when none was ready, which
 * is retried. Neither exists in every CPU or hypervisor: without them the
 * seed comes from TSC jitter, which the caller reports as weak.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/arch.h>
#include <carapace/csprng.h>
#include <carapace/random.h>

#define CPUID_1_ECX_RDRAND   (1u << 30) /* CPUID.01H:ECX[30] */
#define CPUID_7_EBX_RDSEED   (1u << 18) /* CPUID.(EAX=07H,ECX=0):EBX[18] */
#define RDRAND_RETRIES       10  /* Intel's DRNG guide: 10 failures = broken */
#define RDSEED_RETRIES       100 /* RDSEED runs dry under load: pause, retry */
#define JITTER_SAMPLES       64  /* timed loops folded into one word */

/* One RDSEED or RDRAND, retried while CF says no value was ready. */
static int read_hw(bool seed, int retries, uint64_t *out)
{
	for (int i = 0; i < retries; i++) {
		unsigned char ok;
		uint64_t v;

		if (seed)
			__asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok));
		else
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (ok) {
			*out = v;
			return 0;
		}
		if (seed)
			cpu_pause();
	}
	return -EIO;
}

static int rdseed64(void *ctx, uint64_t *out)
{
	(void)ctx;
	return read_hw(true, RDSEED_RETRIES, out);
}

static int rdrand64(void *ctx, uint64_t *out)
{
	(void)ctx;
	return read_hw(false, RDRAND_RETRIES, out);
}

/*
 * The fallback: how long a small loop takes, measured with the TSC, varies
 * a little with caches, interrupts and the host. Each sample's low bits go
 * into a rotating word. Weak: a virtual TSC may be steady enough to guess.
 */
static int jitter64(void *ctx, uint64_t *out)
{
	uint64_t v = 0;

	(void)ctx;
	for (int s = 0; s < JITTER_SAMPLES; s++) {
		uint64_t t0 = rdtsc(), work = t0;

		/* A loop the compiler must keep, of a length that varies. */
		for (int i = 0; i < 16 + (int)(t0 & 15); i++)
			__asm__ volatile("" : "+r"(work));
		v = (v << 7 | v >> 57) ^ (rdtsc() - t0) ^ work;
	}
	*out = v;
	return 0;
}

static struct entropy_source rdseed_source = { .name = "RDSEED", .read64 = rdseed64 };
static struct entropy_source rdrand_source = { .name = "RDRAND", .read64 = rdrand64 };
static struct entropy_source jitter_source = {
	.name = "TSC jitter", .read64 = jitter64, .weak = true,
};

struct entropy_source *arch_entropy_source(size_t i)
{
	static struct entropy_source *list[3];
	static size_t count;
	uint32_t r[4];

	if (count == 0) {
		cpuid(0, 0, r);
		if (r[0] >= 7) {
			cpuid(7, 0, r);
			if (r[1] & CPUID_7_EBX_RDSEED)
				list[count++] = &rdseed_source;
		}
		cpuid(1, 0, r);
		if (r[2] & CPUID_1_ECX_RDRAND)
			list[count++] = &rdrand_source;
		list[count++] = &jitter_source;
	}
	return i < count ? list[i] : NULL;
}
