/*
 * <sys/select.h>: musl's, with FD_SET, FD_CLR and FD_ISSET fortified
 * (carapace-fortify.h): a descriptor the compiler cannot prove to lie in
 * [0, FD_SETSIZE) goes through __fdelt_chk, which ends the run when it
 * does not, instead of touching a bit past the fd_set.
 */
#include_next <sys/select.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_SYS_SELECT_H)
#define CARAPACE_FORTIFY_SYS_SELECT_H

long __fdelt_chk(long);

#define __carapace_fd_bits (8 * sizeof(long))
#define __carapace_fd_word(d)                                                           \
	(__builtin_constant_p(d) && (unsigned long)(d) < FD_SETSIZE ? (d) / __carapace_fd_bits \
								    : (unsigned long)__fdelt_chk(d))
#define __carapace_fd_bit(d) (1UL << ((d) % __carapace_fd_bits))

#undef FD_SET
#undef FD_CLR
#undef FD_ISSET
#define FD_SET(d, s) ((s)->fds_bits[__carapace_fd_word(d)] |= __carapace_fd_bit(d))
#define FD_CLR(d, s) ((s)->fds_bits[__carapace_fd_word(d)] &= ~__carapace_fd_bit(d))
#define FD_ISSET(d, s) !!((s)->fds_bits[__carapace_fd_word(d)] & __carapace_fd_bit(d))

#endif
