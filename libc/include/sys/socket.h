/* <sys/socket.h>: musl's, with fortified copies (carapace-fortify.h). */
#include_next <sys/socket.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_SYS_SOCKET_H)
#define CARAPACE_FORTIFY_SYS_SOCKET_H

ssize_t __recv_chk(int, void *, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
extern ssize_t __carapace_recv(int, void *, size_t, int) __carapace_alias(recv);
extern ssize_t __carapace_recvfrom(int, void *, size_t, int, struct sockaddr *, socklen_t *)
	__carapace_alias(recvfrom);

__carapace_fortify_fn ssize_t recv(int __fd, void *__b, size_t __n, int __fl)
{
	return __carapace_checked(__n, 1, __carapace_bos0(__b), __carapace_recv(__fd, __b, __n, __fl),
				  __recv_chk(__fd, __b, __n, __carapace_bos0(__b), __fl));
}

__carapace_fortify_fn ssize_t recvfrom(int __fd, void *__restrict __b, size_t __n, int __fl,
				       struct sockaddr *__restrict __a, socklen_t *__restrict __al)
{
	return __carapace_checked(__n, 1, __carapace_bos0(__b),
				  __carapace_recvfrom(__fd, __b, __n, __fl, __a, __al),
				  __recvfrom_chk(__fd, __b, __n, __carapace_bos0(__b), __fl, __a, __al));
}

#endif
