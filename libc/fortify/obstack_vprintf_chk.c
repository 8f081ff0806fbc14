/*
 * __obstack_vprintf_chk: musl has no obstacks and Carapace adds none (see
 * README.md): after the %n rule, the call fails with ENOSYS. A glibc
 * program that builds obstacks needs _obstack_begin and friends, which are
 * not exported, so it does not load; one that only names this function
 * loads and gets -1.
 */
#include <errno.h>
#include <stdarg.h>

#include "fortify.h"

struct obstack; /* glibc's; never looked into here */

int __obstack_vprintf_chk(struct obstack *obstack, int flag, const char *format, va_list ap)
{
	(void)obstack;
	(void)ap;
	FORTIFY_FORMAT(flag, format);
	errno = ENOSYS;
	return -1;
}
