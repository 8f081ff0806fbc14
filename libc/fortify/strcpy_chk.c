/*
 * __strcpy_chk: strcpy into destlen bytes: the string and its terminator
 * must fit.
 */
#include <string.h>

#include "fortify.h"

char *__strcpy_chk(char *dest, const char *src, size_t destlen)
{
	FORTIFY_CHECK(strnlen(src, destlen) < destlen);
	return strcpy(dest, src);
}
