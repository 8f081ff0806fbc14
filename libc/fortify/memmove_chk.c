/*
 * __memmove_chk: memmove of len bytes into an object of destlen bytes.
 */
#include <string.h>

#include "fortify.h"

void *__memmove_chk(void *dest, const void *src, size_t len, size_t destlen)
{
	FORTIFY_CHECK(len <= destlen);
	return memmove(dest, src, len);
}
