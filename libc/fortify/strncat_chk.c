/*
 * __strncat_chk: strncat appends at most len bytes and a terminator, all
 * within destlen.
 */
#include <string.h>

#include "fortify.h"

char *__strncat_chk(char *dest, const char *src, size_t len, size_t destlen)
{
	size_t used = strnlen(dest, destlen);

	FORTIFY_CHECK(used < destlen && strnlen(src, len) < destlen - used);
	return strncat(dest, src, len);
}
