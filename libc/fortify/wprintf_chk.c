/*
 * __wprintf_chk: wprintf, with the %n rule of level 2 (flag > 0).
 */
#include <wchar.h>

#include "fortify.h"

int __wprintf_chk(int flag, const wchar_t *format, ...)
{
	FORTIFY_FORMAT(flag, format);
	FORTIFY_RETURN_VA(int, format, vwprintf(format, ap));
}
