/*
 * __fwprintf_chk: fwprintf, with the %n rule of level 2 (flag > 0).
 */
#include <wchar.h>

#include "fortify.h"

int __fwprintf_chk(FILE *fp, int flag, const wchar_t *format, ...)
{
	FORTIFY_FORMAT(flag, format);
	FORTIFY_RETURN_VA(int, format, vfwprintf(fp, format, ap));
}
