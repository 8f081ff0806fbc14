/*
 * __getwd_chk: getwd writes up to PATH_MAX bytes, which the object must
 * hold. musl has no getwd (it left POSIX in 2008): getcwd does the work.
 */
#include <limits.h>
#include <unistd.h>

#include "fortify.h"

char *__getwd_chk(char *buf, size_t buflen)
{
	FORTIFY_CHECK(buflen >= PATH_MAX);
	return getcwd(buf, PATH_MAX);
}
