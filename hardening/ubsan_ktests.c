/*
 * In-kernel tests that commit one kind of undefined behaviour each, on
 * purpose (boot option test=NAME; README.md, "Sanitized builds"):
 *
 *   ubsan-shift      1 << 40 in a 32-bit int          kind=shift-out-of-bounds
 *   ubsan-overflow   INT64_MAX + 1                    kind=signed-integer-overflow
 *   ubsan-bounds     an array indexed one past its end  kind=bounds
 *   ubsan-alignment  a uint64_t read at an odd address  kind=alignment
 *   ubsan-null       a read through a null pointer      kind=null
 *   ubsan-object-size  a 16-byte array read as a 64-byte struct  kind=object-size
 *   ubsan-pointer-overflow  a pointer plus UINTPTR_MAX  kind=pointer-overflow
 *   ubsan-divide     INT64_MIN / -1                     kind=signed-integer-overflow
 *
 * Each commits its bug twice at the same site. In a SAN=ubsan kernel the
 * first ends the run with violation=ubsan (143); under ubsan=recover it is
 * reported once and both go on, and the test then fails (status 1) saying
 * the code ran on. In a kernel built without the sanitizer nothing reports
 * them: the test prints what the bug computed and fails (status 1), except
 * ubsan-null, whose read faults (violation=null-deref, 130), and
 * ubsan-divide, whose idiv raises #DE (violation=cpu-exception, 140).
 */
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/ktests.h>

/* Hides a value from the compiler, so the bug happens at run time. */
#define OPAQUE(x) ({ __typeof__(x) v_ = (x); __asm__ volatile("" : "+r"(v_)); v_; })

#define ROUNDS 2

/*
 * The loads below are not volatile: Clang checks neither the alignment nor
 * the null-ness of a volatile access.
 */

static int went_on(const char *test, long long result)
{
	kprintf("%s: the undefined behaviour was not stopped (result %lld)\n", test, result);
	return 1;
}

__attribute__((noinline)) static int ktest_ubsan_shift(void)
{
	int r = 0;

	for (int i = 0; i < ROUNDS; i++)
		r |= OPAQUE(1) << OPAQUE(40);
	return went_on("ubsan-shift", r);
}

__attribute__((noinline)) static int ktest_ubsan_overflow(void)
{
	int64_t r = 0;

	for (int i = 0; i < ROUNDS; i++)
		r = OPAQUE(INT64_MAX) + OPAQUE((int64_t)1);
	return went_on("ubsan-overflow", r);
}

static volatile int small_array[4];

__attribute__((noinline)) static int ktest_ubsan_bounds(void)
{
	int r = 0;

	for (int i = 0; i < ROUNDS; i++)
		r = small_array[OPAQUE(4)];
	return went_on("ubsan-bounds", r);
}

static uint64_t aligned_words[2];

__attribute__((noinline)) static int ktest_ubsan_alignment(void)
{
	uint64_t r = 0;

	for (int i = 0; i < ROUNDS; i++)
		r += *OPAQUE((uint64_t *)((char *)aligned_words + 1));
	return went_on("ubsan-alignment", (long long)r);
}

__attribute__((noinline)) static int ktest_ubsan_null(void)
{
	int r = 0;

	for (int i = 0; i < ROUNDS; i++)
		r += *OPAQUE((int *)0);
	return went_on("ubsan-null", r);
}

struct wide {
	uint64_t words[8];
};

static uint64_t narrow[2];

__attribute__((noinline)) static int ktest_ubsan_object_size(void)
{
	uint64_t r = 0;

	for (int i = 0; i < ROUNDS; i++)
		r += ((struct wide *)narrow)->words[OPAQUE(1)];
	return went_on("ubsan-object-size", (long long)r);
}

__attribute__((noinline)) static int ktest_ubsan_pointer_overflow(void)
{
	char *p = 0;

	for (int i = 0; i < ROUNDS; i++)
		p = OPAQUE((char *)aligned_words) + OPAQUE(UINTPTR_MAX);
	return went_on("ubsan-pointer-overflow", (long long)(uintptr_t)p);
}

__attribute__((noinline)) static int ktest_ubsan_divide(void)
{
	int64_t r = 0;

	for (int i = 0; i < ROUNDS; i++)
		r = OPAQUE(INT64_MIN) / OPAQUE((int64_t)-1);
	return went_on("ubsan-divide", r);
}

KTEST("ubsan-shift", ktest_ubsan_shift);
KTEST("ubsan-overflow", ktest_ubsan_overflow);
KTEST("ubsan-bounds", ktest_ubsan_bounds);
KTEST("ubsan-alignment", ktest_ubsan_alignment);
KTEST("ubsan-null", ktest_ubsan_null);
KTEST("ubsan-object-size", ktest_ubsan_object_size);
KTEST("ubsan-pointer-overflow", ktest_ubsan_pointer_overflow);
KTEST("ubsan-divide", ktest_ubsan_divide);
