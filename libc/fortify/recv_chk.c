/*
 * __recv_chk: recv of len bytes into an object of buflen bytes.
 */
#include <sys/socket.h>

#include "fortify.h"

ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	FORTIFY_CHECK(len <= buflen);
	return recv(fd, buf, len, flags);
}
