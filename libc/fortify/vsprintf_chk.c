/*
 * __vsprintf_chk: vsprintf into slen bytes: a result that does not fit
 * ends the run.
 */
#include <stdio.h>

#include "fortify.h"

int __vsprintf_chk(char *s, int flag, size_t slen, const char *format, va_list ap)
{
	return __carapace_fortify_vsprintf(__func__, s, flag, slen, format, ap);
}
