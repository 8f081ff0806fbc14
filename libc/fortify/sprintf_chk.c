/*
 * __sprintf_chk: sprintf into slen bytes: a result that does not fit ends
 * the run.
 */
#include <stdio.h>

#include "fortify.h"

int __sprintf_chk(char *s, int flag, size_t slen, const char *format, ...)
{
	FORTIFY_RETURN_VA(int, format,
			  __carapace_fortify_vsprintf(__func__, s, flag, slen, format, ap));
}
