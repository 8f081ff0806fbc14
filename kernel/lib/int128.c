/*
 * 128-bit unsigned division, which the compiler turns `/` and `%` on
 * unsigned __int128 into calls of (the host gets them from its compiler
 * runtime; the freestanding kernel has none). The scheduler divides on every
 * timer it programs (clock_ns_to_tsc, decay_rescale), so the common case is
 * fast; a divisor of 2^64 or more falls back to shift-and-subtract.
 */
#include <stdint.h>

typedef unsigned __int128 u128;

/*
 * A divisor below 2^64, the only kind the kernel's callers have (a clock
 * frequency, a scale), takes two hardware divisions: the high word first,
 * then the remainder and the low word (the quotient of the second fits,
 * since the remainder is below the divisor). The bit loop, about 1,500
 * instructions a call, showed as 11% of a memcached server's instructions
 * when the scheduler programmed its timer through clock_ns_to_tsc.
 */
static u128 divmod_by_word(u128 n, uint64_t d, u128 *rem)
{
	uint64_t hi = (uint64_t)(n >> 64), lo = (uint64_t)n;
	uint64_t q_hi = hi / d, q_lo, r;

	hi %= d;
	__asm__("divq %4" : "=a"(q_lo), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
	*rem = r;
	return (u128)q_hi << 64 | q_lo;
}

static u128 divmod128(u128 n, u128 d, u128 *rem)
{
	u128 q = 0, r = 0;

	if (d == 0) {
		/* As the hardware would: division by zero is a kernel bug; trap. */
		__builtin_trap();
	}
	if (n < d) {
		*rem = n;
		return 0;
	}
	if (d >> 64 == 0)
		return divmod_by_word(n, (uint64_t)d, rem);
	for (int bit = 127; bit >= 0; bit--) {
		r = (r << 1) | ((n >> bit) & 1);
		if (r >= d) {
			r -= d;
			q |= (u128)1 << bit;
		}
	}
	*rem = r;
	return q;
}

u128 __udivti3(u128 n, u128 d);
u128 __umodti3(u128 n, u128 d);

u128 __udivti3(u128 n, u128 d)
{
	u128 r;

	return divmod128(n, d, &r);
}

u128 __umodti3(u128 n, u128 d)
{
	u128 r;

	divmod128(n, d, &r);
	return r;
}
