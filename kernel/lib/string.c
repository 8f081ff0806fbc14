/*
 * The few string functions the freestanding kernel needs. The compiler may
 * also emit calls to memcpy, memmove, memset and memcmp on its own.
 * Byte loops on purpose: short, obviously correct, and the kernel copies
 * little. memcpy and memset move 64 bytes a loop step in eight 8-byte
 * loads and stores, then rep movs/stos for the rest: under QEMU's TCG a
 * rep instruction is one emulated step (a pass through the translated
 * block) per element, so a 16 KiB memset was 2,048 steps, and the loop
 * makes it 256 (the hardened heap zeroes every freed block, and a
 * memcached operation frees a 16 KiB buffer; applications call these
 * too). On hardware both forms run at about the speed of the stores.
 */
#include <stdint.h>
#include <string.h>

typedef uint64_t __attribute__((aligned(1), may_alias)) word_u;

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *ret = dst;
	size_t words, bytes;

	for (; n >= 64; n -= 64, dst = (char *)dst + 64, src = (const char *)src + 64) {
		word_u *d = dst;
		const word_u *s = src;
		uint64_t a = s[0], b = s[1], c = s[2], e = s[3], f = s[4], g = s[5], h = s[6], i = s[7];

		d[0] = a;
		d[1] = b;
		d[2] = c;
		d[3] = e;
		d[4] = f;
		d[5] = g;
		d[6] = h;
		d[7] = i;
	}
	words = n / 8;
	bytes = n % 8;
	__asm__ volatile("rep movsq"
			 : "+D"(dst), "+S"(src), "+c"(words)
			 :
			 : "memory");
	__asm__ volatile("rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(bytes)
			 :
			 : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;
	size_t words, bytes;

	for (; n >= 64; n -= 64, dst = (char *)dst + 64) {
		word_u *d = dst;

		d[0] = pattern;
		d[1] = pattern;
		d[2] = pattern;
		d[3] = pattern;
		d[4] = pattern;
		d[5] = pattern;
		d[6] = pattern;
		d[7] = pattern;
	}
	words = n / 8;
	bytes = n % 8;

	__asm__ volatile("rep stosq"
			 : "+D"(dst), "+c"(words)
			 : "a"(pattern)
			 : "memory");
	__asm__ volatile("rep stosb"
			 : "+D"(dst), "+c"(bytes)
			 : "a"(pattern)
			 : "memory");
	return ret;
}

/*
 * Eight bytes a step while they are equal (applications' key compares come
 * here: memcached's and redis's), then byte by byte for the first
 * difference and the rest. Never reads past n.
 */
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n >= 8 && *(const word_u *)p == *(const word_u *)q; n -= 8, p += 8, q += 8)
		;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
