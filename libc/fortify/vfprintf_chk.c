/*
 * __vfprintf_chk: vfprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdarg.h>
#include <stdio.h>

#include "fortify.h"

int __vfprintf_chk(FILE *fp, int flag, const char *format, va_list ap)
{
	FORTIFY_FORMAT(flag, format);
	return vfprintf(fp, format, ap);
}
