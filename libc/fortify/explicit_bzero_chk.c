/*
 * __explicit_bzero_chk: explicit_bzero of len bytes in an object of dstlen
 * bytes.
 */
#include <string.h>

#include "fortify.h"

void __explicit_bzero_chk(void *dst, size_t len, size_t dstlen)
{
	FORTIFY_CHECK(len <= dstlen);
	explicit_bzero(dst, len);
}
