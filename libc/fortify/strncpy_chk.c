/*
 * __strncpy_chk: strncpy writes exactly len bytes: len must fit in
 * destlen.
 */
#include <string.h>

#include "fortify.h"

char *__strncpy_chk(char *dest, const char *src, size_t len, size_t destlen)
{
	FORTIFY_CHECK(len <= destlen);
	return strncpy(dest, src, len);
}
