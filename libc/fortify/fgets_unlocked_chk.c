/*
 * __fgets_unlocked_chk: fgets_unlocked of at most n - 1 characters: n may
 * not exceed the object's size. Stricter than glibc, which fails only when
 * the line read is longer: the call is wrong either way.
 */
#include <stdio.h>

#include "fortify.h"

char *__fgets_unlocked_chk(char *buf, size_t size, int n, FILE *fp)
{
	FORTIFY_CHECK(n <= 0 || (size_t)n <= size);
	return fgets_unlocked(buf, n, fp);
}
