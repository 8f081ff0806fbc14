/*
 * __confstr_chk: confstr told len bytes of an object of buflen.
 */
#include <unistd.h>

#include "fortify.h"

size_t __confstr_chk(int name, char *buf, size_t len, size_t buflen)
{
	FORTIFY_CHECK(len <= buflen);
	return confstr(name, buf, len);
}
