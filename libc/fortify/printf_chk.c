/*
 * __printf_chk: printf, with the %n rule of level 2 (flag > 0).
 */
#include <stdio.h>

#include "fortify.h"

int __printf_chk(int flag, const char *format, ...)
{
	FORTIFY_FORMAT(flag, format);
	FORTIFY_RETURN_VA(int, format, vprintf(format, ap));
}
