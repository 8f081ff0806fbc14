/*
 * __vfwprintf_chk: vfwprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdarg.h>
#include <wchar.h>

#include "fortify.h"

int __vfwprintf_chk(FILE *fp, int flag, const wchar_t *format, va_list ap)
{
	FORTIFY_FORMAT(flag, format);
	return vfwprintf(fp, format, ap);
}
