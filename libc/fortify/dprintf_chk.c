/*
 * __dprintf_chk: dprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdio.h>

#include "fortify.h"

int __dprintf_chk(int fd, int flag, const char *format, ...)
{
	FORTIFY_FORMAT(flag, format);
	FORTIFY_RETURN_VA(int, format, vdprintf(fd, format, ap));
}
