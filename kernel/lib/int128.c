/*
 * 128-bit unsigned division, which the compiler turns `/` and `%` on
 * unsigned __int128 into calls of (the host gets them from its compiler
 * runtime; the freestanding kernel has none). Shift-and-subtract: 128 steps
 * at most, used only off the hot paths (timer programming, scale changes).
 */
typedef unsigned __int128 u128;

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
