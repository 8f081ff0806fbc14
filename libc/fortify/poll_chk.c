/*
 * __poll_chk: poll of nfds entries from an array of fdslen bytes.
 */
#include <poll.h>

#include "fortify.h"

int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	FORTIFY_CHECK(nfds <= fdslen / sizeof(*fds));
	return poll(fds, nfds, timeout);
}
