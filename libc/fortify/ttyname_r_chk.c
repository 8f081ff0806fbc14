/*
 * __ttyname_r_chk: ttyname_r told buflen bytes of an object of nreal.
 */
#include <unistd.h>

#include "fortify.h"

int __ttyname_r_chk(int fd, char *buf, size_t buflen, size_t nreal)
{
	FORTIFY_CHECK(buflen <= nreal);
	return ttyname_r(fd, buf, buflen);
}
