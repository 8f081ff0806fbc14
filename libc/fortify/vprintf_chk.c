/*
 * __vprintf_chk: vprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdarg.h>
#include <stdio.h>

#include "fortify.h"

int __vprintf_chk(int flag, const char *format, va_list ap)
{
	FORTIFY_FORMAT(flag, format);
	return vprintf(format, ap);
}
