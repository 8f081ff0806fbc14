/*
 * __read_chk: read of nbytes into an object of buflen bytes.
 */
#include <unistd.h>

#include "fortify.h"

ssize_t __read_chk(int fd, void *buf, size_t nbytes, size_t buflen)
{
	FORTIFY_CHECK(nbytes <= buflen);
	return read(fd, buf, nbytes);
}
