/*
 * __strcat_chk: strcat onto a string in destlen bytes: both strings and
 * the terminator must fit.
 */
#include <string.h>

#include "fortify.h"

char *__strcat_chk(char *dest, const char *src, size_t destlen)
{
	size_t used = strnlen(dest, destlen);

	FORTIFY_CHECK(used < destlen && strnlen(src, destlen - used) < destlen - used);
	return strcat(dest, src);
}
