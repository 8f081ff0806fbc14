/*
 * __fprintf_chk: fprintf, with the %n rule of level 2 (flag > 0).
 */
#include <stdio.h>

#include "fortify.h"

int __fprintf_chk(FILE *fp, int flag, const char *format, ...)
{
	FORTIFY_FORMAT(flag, format);
	FORTIFY_RETURN_VA(int, format, vfprintf(fp, format, ap));
}
