/*
 * __mempcpy_chk: mempcpy of len bytes into an object of destlen bytes.
 */
#include <string.h>

#include "fortify.h"

void *__mempcpy_chk(void *dest, const void *src, size_t len, size_t destlen)
{
	FORTIFY_CHECK(len <= destlen);
	return mempcpy(dest, src, len);
}
