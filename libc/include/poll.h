/* <poll.h>: musl's, with fortified copies (carapace-fortify.h). */
#include_next <poll.h>
#include <stddef.h> /* size_t, which musl's <poll.h> does not define */
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_POLL_H)
#define CARAPACE_FORTIFY_POLL_H

int __poll_chk(struct pollfd *, nfds_t, int, size_t);
extern int __carapace_poll(struct pollfd *, nfds_t, int) __carapace_alias(poll);

__carapace_fortify_fn int poll(struct pollfd *__fds, nfds_t __n, int __t)
{
	return __carapace_checked(__n, sizeof(struct pollfd), __carapace_bos(__fds),
				  __carapace_poll(__fds, __n, __t),
				  __poll_chk(__fds, __n, __t, __carapace_bos(__fds)));
}

#ifdef _GNU_SOURCE
int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);
extern int __carapace_ppoll(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *)
	__carapace_alias(ppoll);

__carapace_fortify_fn int ppoll(struct pollfd *__fds, nfds_t __n, const struct timespec *__t,
				const sigset_t *__ss)
{
	return __carapace_checked(__n, sizeof(struct pollfd), __carapace_bos(__fds),
				  __carapace_ppoll(__fds, __n, __t, __ss),
				  __ppoll_chk(__fds, __n, __t, __ss, __carapace_bos(__fds)));
}
#endif

#endif
