/*
 * __pread64_chk: pread64 (off_t is 64 bits on x86_64) of nbytes into
 * buflen bytes.
 */
#include <unistd.h>

#include "fortify.h"

ssize_t __pread64_chk(int fd, void *buf, size_t nbytes, off_t offset, size_t buflen)
{
	FORTIFY_CHECK(nbytes <= buflen);
	return pread(fd, buf, nbytes, offset);
}
