/*
 * __vasprintf_chk: vasprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdarg.h>
#include <stdio.h>

#include "fortify.h"

int __vasprintf_chk(char **result, int flag, const char *format, va_list ap)
{
	FORTIFY_FORMAT(flag, format);
	return vasprintf(result, format, ap);
}
