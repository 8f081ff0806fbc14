/*
 * __ptsname_r_chk: ptsname_r told buflen bytes of an object of nreal.
 */
#include <stdlib.h>

#include "fortify.h"

int __ptsname_r_chk(int fd, char *buf, size_t buflen, size_t nreal)
{
	FORTIFY_CHECK(buflen <= nreal);
	return ptsname_r(fd, buf, buflen);
}
