/*
 * __asprintf_chk: asprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdio.h>

#include "fortify.h"

int __asprintf_chk(char **result, int flag, const char *format, ...)
{
	FORTIFY_FORMAT(flag, format);
	FORTIFY_RETURN_VA(int, format, vasprintf(result, format, ap));
}
