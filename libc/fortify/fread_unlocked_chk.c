/*
 * __fread_unlocked_chk: fread_unlocked of n items of size bytes into an
 * object of ptrlen bytes.
 */
#include <stdio.h>

#include "fortify.h"

size_t __fread_unlocked_chk(void *ptr, size_t ptrlen, size_t size, size_t n, FILE *fp)
{
	size_t bytes;

	FORTIFY_CHECK(!__builtin_mul_overflow(size, n, &bytes) && bytes <= ptrlen);
	return fread_unlocked(ptr, size, n, fp);
}
