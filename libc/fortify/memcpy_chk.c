/*
 * __memcpy_chk: memcpy of len bytes into an object of destlen bytes.
 */
#include <string.h>

#include "fortify.h"

void *__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen)
{
	FORTIFY_CHECK(len <= destlen);
	return memcpy(dest, src, len);
}
