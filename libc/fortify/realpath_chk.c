/*
 * __realpath_chk: realpath writes up to PATH_MAX bytes, which the object
 * must hold.
 */
#include <limits.h>
#include <stdlib.h>

#include "fortify.h"

char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	FORTIFY_CHECK(resolved == NULL || resolvedlen >= PATH_MAX);
	return realpath(path, resolved);
}
