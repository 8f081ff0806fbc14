/*
 * __fdelt_chk: the word of an fd_set that holds descriptor d, for
 * FD_SET, FD_CLR and FD_ISSET; d outside [0, FD_SETSIZE) ends the run.
 */
#include <sys/select.h>

#include "fortify.h"

long __fdelt_chk(long d)
{
	FORTIFY_CHECK(d >= 0 && d < FD_SETSIZE);
	return d / (long)(8 * sizeof(long));
}
