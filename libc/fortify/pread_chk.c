/*
 * __pread_chk: pread of nbytes into an object of buflen bytes.
 */
#include <unistd.h>

#include "fortify.h"

ssize_t __pread_chk(int fd, void *buf, size_t nbytes, off_t offset, size_t buflen)
{
	FORTIFY_CHECK(nbytes <= buflen);
	return pread(fd, buf, nbytes, offset);
}
