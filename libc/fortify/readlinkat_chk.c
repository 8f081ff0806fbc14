/*
 * __readlinkat_chk: readlinkat of len bytes into an object of buflen
 * bytes.
 */
#include <unistd.h>

#include "fortify.h"

ssize_t __readlinkat_chk(int fd, const char *path, char *buf, size_t len, size_t buflen)
{
	FORTIFY_CHECK(len <= buflen);
	return readlinkat(fd, path, buf, len);
}
