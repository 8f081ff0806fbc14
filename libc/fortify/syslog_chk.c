/*
 * __syslog_chk: syslog, with the %n rule of level 2 (flag > 0).
 */
#include <stdarg.h>
#include <syslog.h>

#include "fortify.h"

void __syslog_chk(int priority, int flag, const char *format, ...)
{
	va_list ap;

	FORTIFY_FORMAT(flag, format);
	va_start(ap, format);
	vsyslog(priority, format, ap);
	va_end(ap);
}
