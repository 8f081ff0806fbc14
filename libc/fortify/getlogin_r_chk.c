/*
 * __getlogin_r_chk: getlogin_r told buflen bytes of an object of nreal.
 */
#include <unistd.h>

#include "fortify.h"

int __getlogin_r_chk(char *buf, size_t buflen, size_t nreal)
{
	FORTIFY_CHECK(buflen <= nreal);
	return getlogin_r(buf, buflen);
}
