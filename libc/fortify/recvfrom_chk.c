/*
 * __recvfrom_chk: recvfrom of len bytes into an object of buflen bytes.
 */
#include <sys/socket.h>

#include "fortify.h"

ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
		       struct sockaddr *from, socklen_t *fromlen)
{
	FORTIFY_CHECK(len <= buflen);
	return recvfrom(fd, buf, len, flags, from, fromlen);
}
