/*
 * __vwprintf_chk: vwprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdarg.h>
#include <wchar.h>

#include "fortify.h"

int __vwprintf_chk(int flag, const wchar_t *format, va_list ap)
{
	FORTIFY_FORMAT(flag, format);
	return vwprintf(format, ap);
}
