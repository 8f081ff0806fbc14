/*
 * __vdprintf_chk: vdprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdarg.h>
#include <stdio.h>

#include "fortify.h"

int __vdprintf_chk(int fd, int flag, const char *format, va_list ap)
{
	FORTIFY_FORMAT(flag, format);
	return vdprintf(fd, format, ap);
}
