/*
 * __gethostname_chk: gethostname told len bytes of an object of buflen.
 */
#include <unistd.h>

#include "fortify.h"

int __gethostname_chk(char *buf, size_t len, size_t buflen)
{
	FORTIFY_CHECK(len <= buflen);
	return gethostname(buf, len);
}
