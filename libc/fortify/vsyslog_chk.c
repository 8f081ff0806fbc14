/*
 * __vsyslog_chk: vsyslog, with the %n rule of level 2 (flag > 0).
 */
#include <stdarg.h>
#include <syslog.h>

#include "fortify.h"

void __vsyslog_chk(int priority, int flag, const char *format, va_list ap)
{
	FORTIFY_FORMAT(flag, format);
	vsyslog(priority, format, ap);
}
