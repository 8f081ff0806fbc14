/*
 * __readlink_chk: readlink of len bytes into an object of buflen bytes.
 */
#include <unistd.h>

#include "fortify.h"

ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen)
{
	FORTIFY_CHECK(len <= buflen);
	return readlink(path, buf, len);
}
