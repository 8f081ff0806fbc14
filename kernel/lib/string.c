/*
 * The few string functions the freestanding kernel needs. The compiler may
 * also emit calls to memcpy, memmove, memset and memcmp on its own.
 * Byte loops on purpose: short, obviously correct, and the kernel copies
 * little. memcpy and memset use rep movs/stos, eight bytes a step and the
 * rest a byte at a time: as fast as the byte form on modern CPUs, and under
 * QEMU's TCG, which runs one emulated step per element, eight times faster
 * (the hardened heap zeroes every freed block; applications call these too).
 */
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *ret = dst;
	size_t words = n / 8, bytes = n % 8;

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
	size_t words = n / 8, bytes = n % 8;

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

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

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
