/*
 * __ppoll_chk: ppoll of nfds entries from an array of fdslen bytes.
 */
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "fortify.h"

int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		const sigset_t *ss, size_t fdslen)
{
	FORTIFY_CHECK(nfds <= fdslen / sizeof(*fds));
	return ppoll(fds, nfds, timeout, ss);
}
