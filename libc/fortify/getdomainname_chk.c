/*
 * __getdomainname_chk: getdomainname told len bytes of an object of
 * buflen.
 */
#include <unistd.h>

#include "fortify.h"

int __getdomainname_chk(char *buf, size_t len, size_t buflen)
{
	FORTIFY_CHECK(len <= buflen);
	return getdomainname(buf, len);
}
