/*
 * __memset_chk: memset of len bytes in an object of destlen bytes.
 */
#include <string.h>

#include "fortify.h"

void *__memset_chk(void *dest, int c, size_t len, size_t destlen)
{
	FORTIFY_CHECK(len <= destlen);
	return memset(dest, c, len);
}
