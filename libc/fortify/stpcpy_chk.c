/*
 * __stpcpy_chk: stpcpy into destlen bytes: the string and its terminator
 * must fit.
 */
#include <string.h>

#include "fortify.h"

char *__stpcpy_chk(char *dest, const char *src, size_t destlen)
{
	FORTIFY_CHECK(strnlen(src, destlen) < destlen);
	return stpcpy(dest, src);
}
